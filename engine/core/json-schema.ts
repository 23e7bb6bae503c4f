/**
 * The JSON Schema of the definition format, generated from the zod schema so
 * editors can validate `*.workflow.json` files. Pure.
 */
import { z } from 'zod';
import { WorkflowDefinitionSchema } from './definition-schema.js';

/** Returns the JSON Schema (draft 2020-12) of a workflow definition. */
export function workflowJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(WorkflowDefinitionSchema, { io: 'input', unrepresentable: 'any', cycles: 'ref' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://duban.dev/schema/workflow-definition.schema.json', title: 'Duban workflow definition' };
}
