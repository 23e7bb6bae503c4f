/**
 * How notifications name a case: its title (the definition's `caseTitle`,
 * confidential fields left out), the Chinese title of the state the message
 * speaks of, and the nearest due date of its running deadlines — so a
 * 【待办】 subject says which hazard and by when, not a UUID and a state path.
 */
import { buildStateTree, confidentialFields, type Engine, type WorkflowDefinition } from '../engine/index.js';
import type { PeopleStore } from './people-ports.js';
import type { CaseDescriber } from '../notifications/index.js';
import type { OrgDirectory } from './access.js';
import { caseTitle, namesOf } from './web/display.js';
import { dueTime, zh } from './web/render.js';

export function createCaseDescriber(engine: Engine, people: PeopleStore, orgs: OrgDirectory): CaseDescriber {
  return async (caseId, stateLabel, locale) => {
    const record = await engine.findCase(caseId);
    if (!record) return undefined;
    const def = (await engine.registry.get(record.workflowId, record.workflowVersion)).definition as WorkflowDefinition & { caseTitle?: string };
    const hidden = confidentialFields(def);
    const data = Object.fromEntries(Object.entries(record.state.data).filter(([k]) => !hidden.has(k)));
    // Without a caseTitle (or with nothing to fill it) messages keep the workflow title and the case number.
    const named = def.caseTitle ? await caseTitle(def, data, namesOf(people, orgs)) : undefined;
    const title = named !== undefined && named !== zh(def.title, '案件') ? named : undefined;
    // The state label is `a.b` or `{a.b, c.d}` (parallel regions): each path by its title.
    const tree = buildStateTree(def);
    const paths = stateLabel.replace(/^\{|\}$/g, '').split(/,\s*/);
    const titles = paths.map((p) => tree.byId.get(p)?.def.title).filter((t) => t !== undefined);
    const state = titles.length === paths.length ? titles.map((t) => (locale === 'en' && typeof t === 'object' && t.en ? t.en : zh(t))).join('、') : undefined;
    const next = record.status === 'done' ? undefined : (record.state.deadlines ?? []).filter((d) => d.status !== 'paused').map((d) => d.dueAt).sort()[0];
    return { title, state, due: next ? dueTime(next) : undefined };
  };
}
