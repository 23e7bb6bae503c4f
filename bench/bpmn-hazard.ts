/**
 * The hazard process of the built-in `hazard` workflow's general path as BPMN
 * 2.0 for the `bpmn-engine` side-by-side: report → accept → grade (an
 * exclusive gateway on the grade) → order → rectify → start re-inspection →
 * verify → close, every step a user task signalled with the same payload the
 * Duban run sends. In memory: bpmn-engine keeps no durable record.
 */
import { EventEmitter } from 'node:events';
import { Engine } from 'bpmn-engine';

/** The user tasks in the order they are signalled (the Duban events of the same path). */
export const BPMN_TASKS = ['submit', 'accept', 'grade', 'issueOrder', 'submitRectification', 'pass'] as const;

const task = (id: string, name: string) => `<userTask id="${id}" name="${name}" />`;

export const hazardBpmn = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="hazardDefs" targetNamespace="http://duban.test/bench">
  <process id="hazard" isExecutable="true">
    <startEvent id="start" />
    ${task('submit', '上报')}
    ${task('accept', '受理')}
    ${task('grade', '分级')}
    <exclusiveGateway id="byGrade" default="toMajor" />
    ${task('issueOrder', '下达整改指令书')}
    ${task('majorPath', '重大隐患治理')}
    ${task('submitRectification', '报告整改完成')}
    ${task('pass', '复查通过')}
    <endEvent id="closed" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="submit" />
    <sequenceFlow id="f2" sourceRef="submit" targetRef="accept" />
    <sequenceFlow id="f3" sourceRef="accept" targetRef="grade" />
    <sequenceFlow id="f4" sourceRef="grade" targetRef="byGrade" />
    <sequenceFlow id="toGeneral" sourceRef="byGrade" targetRef="issueOrder">
      <conditionExpression xsi:type="tFormalExpression" language="javascript">next(null, environment.output.grade.grade === 'general')</conditionExpression>
    </sequenceFlow>
    <sequenceFlow id="toMajor" sourceRef="byGrade" targetRef="majorPath" />
    <sequenceFlow id="f5" sourceRef="issueOrder" targetRef="submitRectification" />
    <sequenceFlow id="f6" sourceRef="majorPath" targetRef="submitRectification" />
    <sequenceFlow id="f7" sourceRef="submitRectification" targetRef="pass" />
    <sequenceFlow id="f9" sourceRef="pass" targetRef="closed" />
  </process>
</definitions>`;

/** The serialized, parsed definition: parsed once, as Duban compiles a definition once at registration. */
export async function compileHazardBpmn(): Promise<unknown> {
  const parser = new Engine() as unknown as { _serializeSource(source: string): Promise<unknown> };
  return parser._serializeSource(hazardBpmn);
}

/** Starts one hazard process, waiting at its first user task. */
export async function startHazardProcess(sourceContext: unknown, name: string): Promise<{ engine: Engine; signal(taskId: string, payload: Record<string, unknown>): void; completed(): boolean }> {
  const listener = new EventEmitter();
  // A completed task's signalled payload becomes process data (as Duban's assign does), for the gateway to read.
  listener.on('activity.end', (api: { id: string; content: { output?: unknown }; environment: { output: Record<string, unknown> } }) => {
    if (api.content.output !== undefined) api.environment.output[api.id] = api.content.output;
  });
  const engine = new Engine({ name, sourceContext } as ConstructorParameters<typeof Engine>[0]);
  let done = false;
  engine.once('end', () => (done = true));
  const execution = await engine.execute({ listener });
  return {
    engine,
    signal(taskId, payload) {
      execution.signal({ id: taskId, ...payload });
    },
    completed: () => done,
  };
}
