/**
 * The validator's messages say what to write instead for the usual first
 * mistakes: a task written as "role@org", a deadline without its id, a
 * reminder counted forwards, an escalation counted backwards.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatPath, validateDefinition } from '../../../engine/index.js';

const base = () => JSON.parse(readFileSync(new URL('../../../docs/first-workflow.workflow.json', import.meta.url), 'utf8')) as Record<string, any>;

describe('validator advice', () => {
  it('names what to write instead, at the path of each mistake', () => {
    const def = base();
    def.states.reviewing.task = 'inspector@donghu';
    const deadline = def.states.rectifying.deadlines[0];
    delete deadline.id;
    deadline.remind[0].before = '2 workdays';
    deadline.escalate[0].after = '-1 workday';
    delete def.states.rectifying.task.title;
    const r = validateDefinition(def);
    expect(r.ok).toBe(false);
    const messages = Object.fromEntries((r.ok ? [] : r.issues).map((i) => [formatPath(i.path), i.message]));
    expect(messages).toEqual({
      'states.reviewing.task': expect.stringMatching(/^task must be an object \{ role, title \}/),
      'states.rectifying.task.title': expect.stringMatching(/^a task needs a "title"/),
      'states.rectifying.deadlines[0].id': expect.stringMatching(/^a deadline needs an "id"/),
      'states.rectifying.deadlines[0].remind[0].before': 'a reminder comes before the due time, so "before" is negative: write "-2 workdays"',
      'states.rectifying.deadlines[0].escalate[0].after': 'an escalation comes after the due time, so "after" is positive: write "1 workday"',
    });
  });
});
