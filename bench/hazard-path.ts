/**
 * One hazard case of the built-in `hazard` workflow driven through the engine
 * from report to close on its general path: create → submit → accept → grade
 * (general) → issueOrder → submitRectification → pass. The same
 * commands, as plain data, drive the raw-SQLite floor and the bpmn-engine peer.
 */
import type { Engine, KnexStore } from '../engine/index.js';
import { setDocNumberPrefix } from '../server/index.js';

export const HAZARD_ORG = 'bench-district';

/** Sets the district's 文号 prefix of its rectification orders (each order takes the next number of its counter). */
export async function prepareHazardOrg(store: KnexStore): Promise<void> {
  await setDocNumberPrefix(store, { org: HAZARD_ORG, series: 'rectificationOrder', prefix: '应急责改', setBy: 'bench', at: new Date().toISOString() });
}

const actor = (role: string) => ({ id: `bench-${role}`, roles: [role], org: HAZARD_ORG });

/** A date `days` from now, `YYYY-MM-DD`. */
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** The commands of the path after creation: event type, acting role, payload. */
export function hazardCommands(): Array<{ type: string; role: string; payload: Record<string, unknown> }> {
  const due = inDays(30);
  return [
    {
      type: 'submit',
      role: 'gridOfficer',
      payload: {
        source: 'gridPatrol',
        location: '开发区纬三路12号 2号车间',
        gridId: 'G-0103',
        enterpriseId: 'E-1001',
        sector: '工贸',
        description: '粉尘涉爆车间除尘系统未设置泄爆装置',
        photos: ['files/p1.jpg'],
        foundAt: new Date().toISOString(),
        proposedGrade: 'general',
        hazardCategory: '粉尘防爆',
      },
    },
    { type: 'accept', role: 'townshipSafetyOffice', payload: { jurisdictionConfirmed: true, dedupeKey: 'E-1001/粉尘防爆/2号车间' } },
    { type: 'grade', role: 'inspector', payload: { grade: 'general', responsibleUnit: 'E-1001 设备科', rectificationDeadline: due } },
    { type: 'issueOrder', role: 'inspector', payload: { orderDeadline: due, measures: '加装泄爆装置' } },
    { type: 'submitRectification', role: 'enterpriseSafetyOfficer', payload: { rectificationEvidence: ['files/after.jpg'], rectificationCost: 12000, completedOn: inDays(10) } },
    { type: 'pass', role: 'gridOfficer', payload: { reinspectionOpinion: '整改到位，同意销号', signatures: ['张三', '李四'] } },
  ];
}

/** Transitions per case on this path: the creation and the seven commands. */
export const HAZARD_TRANSITIONS = 1 + hazardCommands().length;

/** Opens a hazard case and submits its report (an open case waiting for triage); returns its id. */
export async function openHazardCase(engine: Engine): Promise<string> {
  const [submit] = hazardCommands();
  const { case: c } = await engine.createCase({ workflowId: 'hazard', org: HAZARD_ORG, actor: actor('gridOfficer') });
  await engine.send(c.id, { type: submit!.type, payload: submit!.payload }, actor(submit!.role));
  return c.id;
}

/** Runs one hazard case from report to close; returns its id. */
export async function runHazardCase(engine: Engine): Promise<string> {
  const { case: c } = await engine.createCase({ workflowId: 'hazard', org: HAZARD_ORG, actor: actor('gridOfficer') });
  let end = c;
  for (const cmd of hazardCommands()) end = (await engine.send(c.id, { type: cmd.type, payload: cmd.payload }, actor(cmd.role))).case;
  if (end.status !== 'done') throw new Error(`hazard case ${c.id} ended in ${end.stateLabel} (${end.status}), not closed`);
  return c.id;
}
