/**
 * The OpenAPI 3.1 document, generated from the route registry with zod's own
 * `z.toJSONSchema` (JSON Schema 2020-12, the dialect OpenAPI 3.1 uses).
 * Schemas named with `.meta({ id })` become `components.schemas` entries.
 */
import { z } from 'zod';
import { API_ERROR_CODES, ERROR_STATUS, ErrorBodySchema, type ApiErrorCode } from './http-errors.js';
import type { Route } from './routing.js';

type JsonSchema = Record<string, unknown>;

/** Converts `/api/v1/cases/:id` to `/api/v1/cases/{id}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** Errors every authenticated route may answer with. */
const COMMON_ERRORS: ApiErrorCode[] = ['invalid_request', 'unauthenticated', 'token_expired', 'internal_error', 'store_unavailable'];

/** Builds the document. `components` collects named schemas met on the way. */
export function buildOpenApiDocument(routes: Route[], info: { title: string; version: string }): JsonSchema {
  const components: Record<string, JsonSchema> = {};
  const convert = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', cycles: 'ref', reused: 'inline' }) as JsonSchema;
    const { $schema: _s, $defs, ...rest } = json as JsonSchema & { $defs?: Record<string, JsonSchema> };
    const fix = (s: unknown): JsonSchema => JSON.parse(JSON.stringify(s).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
    for (const [name, def] of Object.entries($defs ?? {})) components[name] ??= fix(def);
    // A root schema with an id is itself a component.
    const id = typeof rest.id === 'string' ? rest.id : undefined;
    if (id) {
      const { id: _id, ...body } = rest;
      components[id] ??= fix(body);
      return { $ref: `#/components/schemas/${id}` };
    }
    return fix(rest);
  };
  const errorRef = convert(ErrorBodySchema, 'output');

  const paths: Record<string, Record<string, unknown>> = {};
  for (const { spec } of routes) {
    const parameters: JsonSchema[] = [];
    const addParams = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
      if (!schema) return;
      const json = convert(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
      for (const [name, s] of Object.entries(json.properties ?? {})) {
        const { description, ...rest } = s as JsonSchema & { description?: string };
        parameters.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: rest, ...(description ? { description } : {}) });
      }
    };
    addParams(spec.params, 'path');
    addParams(spec.query, 'query');
    for (const h of spec.headers ?? []) parameters.push({ name: h.name, in: 'header', required: false, description: h.description, schema: { type: 'string', maxLength: 200 } });

    const responses: Record<string, unknown> = {};
    const ok = spec.status ?? 200;
    responses[String(ok)] = {
      description: spec.summary,
      ...(spec.mediaType
        ? { content: { [spec.mediaType]: { schema: { type: 'string' } } } }
        : spec.response
          ? { content: { 'application/json': { schema: convert(spec.response, 'output') } } }
          : {}),
    };
    const codes = new Set<ApiErrorCode>([...(spec.auth === 'none' ? ['internal_error' as const] : COMMON_ERRORS), ...(spec.auth === 'admin' ? ['forbidden' as const] : []), ...(spec.errors ?? [])]);
    if (spec.body) for (const c of ['invalid_json', 'payload_too_large', 'unsupported_media_type'] as const) codes.add(c);
    const byStatus = new Map<number, ApiErrorCode[]>();
    for (const c of codes) byStatus.set(ERROR_STATUS[c], [...(byStatus.get(ERROR_STATUS[c]) ?? []), c]);
    for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
      responses[String(status)] = { description: `error: ${list.join(', ')}`, content: { 'application/json': { schema: errorRef } } };
    }

    const operation: JsonSchema = {
      operationId: `${spec.method}${openApiPath(spec.path).replace(/^\/api(\/v1)?/, '').replace(/[{}]/g, '').split(/[/-]/).filter(Boolean).map((p) => p[0]!.toUpperCase() + p.slice(1)).join('')}`,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: [spec.tag],
      ...(spec.auth === 'none' ? { security: [] } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(spec.body ? { requestBody: { required: !spec.body.safeParse(undefined).success, content: { 'application/json': { schema: convert(spec.body, 'input') } } } } : {}),
      responses,
    };
    const path = openApiPath(spec.path);
    paths[path] = { ...(paths[path] ?? {}), [spec.method]: operation };
  }

  return {
    openapi: '3.1.0',
    info: {
      ...info,
      description: `Duban (督办) REST API. Every error answer is \`{ "error": { "code", "message", "issues"? } }\`; codes: ${API_ERROR_CODES.join(', ')}.`,
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token (`duban users create` prints one).' } }, schemas: components },
  };
}
