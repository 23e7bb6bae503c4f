/**
 * The handler's pages of cases: the worklist, the case list, 新建 (open a
 * case from the start form of a workflow), the case page with a form per
 * allowed event (files uploaded as evidence, destructive actions apart and
 * confirmed, refused posts redirected back with their values kept), and the
 * attachments of a case (downloaded and thumbnailed through the case's own
 * access checks). Everything a person reads is Chinese: titles, names,
 * labels, local times.
 */
import { archiveRefs } from '../archive/archived-engine.js';
import express, { type Request, type Response } from 'express';
import multer from 'multer';
import { buildStateTree, REDACTED_TEXT, workflowsAlong, type CaseRecord, type ObjectSchema, type StateValue, type WorkflowDefinition } from '../../engine/index.js';
import { assertWriter, visibleOrg, type Principal } from '../access.js';
import { attachmentRefs, checkUpload, formatAttachmentRef, thumbnail, UPLOAD_LIMITS, type AttachmentStore } from '../attachments.js';
import { bodyGuard } from '../body-guard.js';
import { redactorFor, searchExcludedFields } from '../confidential.js';
import { ownerName } from '../definition-owners.js';
import { toMermaid } from '../diagram.js';
import { HttpError } from '../http-errors.js';
import { routeOpenedCase, visibleCase } from '../routes/cases.js';
import { defaultCalendar, dueText, page, sendPage, stateTitle, type WebDeps } from './context.js';
import { caseTitle, dataRows, namesOf, roleTitle, type Names } from './display.js';
import { createFlashStore, type Flash } from './flash.js';
import { ensureDocuments } from '../documents/issue.js';
import { fileMediaType, formFields, parseForm, type FormChoices } from './forms.js';
import { pageError } from './page-errors.js';
import { caseMoves, MOVE_EVENT_LABELS } from './move-pages.js';
import { ENGINE_EVENT_LABELS } from './event-labels.js';
import { byDue, delegatedToMe, markOpenedTasks } from '../task-views.js';
import { taskOpsView } from './task-op-pages.js';
import { actorLabel, zh } from './render.js';

/** The `moved` query a move's redirect carries → its event type. */
const MOVED_TYPES: Record<string, string> = { terminate: 'case.terminate', jump: 'case.jump', sendBack: 'case.sendBack', takeBack: 'task.takeBack' };

/** Events that end or undo a case (撤回, 作废…): shown apart from the others, behind a confirmation. */
const DESTRUCTIVE = /^(cancel|withdraw|revoke|void|abandon|discard)/i;
const DESTRUCTIVE_TITLE = /撤回|撤销|作废|注销|放弃/;

export function isDestructive(type: string, title: string): boolean {
  return DESTRUCTIVE.test(type) || DESTRUCTIVE_TITLE.test(title);
}

type Def = WorkflowDefinition & { caseTitle?: string | undefined };

/** Reads the multipart body of a form with files (memory, with the upload limits); plain forms pass through. */
const multipart = multer({ storage: multer.memoryStorage(), limits: { fileSize: UPLOAD_LIMITS.fileSize, files: UPLOAD_LIMITS.files, fields: 500, fieldSize: 256 * 1024 } }).any();

function readMultipart(req: Request, res: Response): Promise<void> {
  if (!req.is('multipart/form-data')) return Promise.resolve();
  return new Promise((resolve, reject) => {
    multipart(req, res, (err: unknown) => {
      if (!err) return resolve();
      const code = (err as { code?: string }).code;
      const message = code === 'LIMIT_FILE_SIZE' ? '单个文件不能超过 10 MB。' : code === 'LIMIT_FILE_COUNT' ? `一次最多上传 ${UPLOAD_LIMITS.files} 个文件。` : '上传的内容无法读取。';
      reject(new HttpError('invalid_request', message));
    });
  });
}

/**
 * Stores the files posted for the file fields of `schema` and adds their
 * references to the form's `p.<field>.kept`. A file of the wrong type refuses the whole post.
 */
async function storeUploads(store: AttachmentStore, schema: ObjectSchema | undefined, req: Request, body: Record<string, unknown>): Promise<void> {
  const files = (req.files as Express.Multer.File[] | undefined) ?? [];
  const props = schema?.properties ?? {};
  for (const file of files) {
    if (file.size === 0) continue;
    const name = file.fieldname.replace(/^p\./, '');
    const field = props[name];
    const media = field && fileMediaType(field);
    if (!field || !media) throw new HttpError('invalid_request', '上传的文件不属于本表单的任何一项。');
    const checked = await checkUpload(file.buffer, media);
    if ('error' in checked) throw new HttpError('invalid_request', `「${field.title ?? name}」：${checked.error}`);
    const sha256 = await store.put(file.buffer);
    const displayName = Buffer.from(file.originalname, 'latin1').toString('utf8').replace(/[\\/]/g, '_').replace(/\p{Cc}/gu, '_').slice(0, 200) || '附件';
    const ref = formatAttachmentRef({ sha256, name: displayName, type: checked.type, size: file.size });
    const key = `p.${name}.kept`;
    const prev = body[key];
    const list = Array.isArray(prev) ? prev : prev === undefined ? [] : [prev];
    body[key] = field.type === 'array' ? [...list, ref] : [ref];
  }
}

export function casePages(deps: WebDeps, attachments: AttachmentStore): express.Router {
  const { engine, orgs } = deps;
  const router = express.Router();
  const form = [express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 500 }), bodyGuard];
  const run = (mw: express.RequestHandler, req: Request, res: Response) => new Promise<void>((resolve, reject) => mw(req, res, (e?: unknown) => (e ? reject(e) : resolve())));
  /** The form body: multipart (with files) or urlencoded, then the body guard. */
  const readBody = async (req: Request, res: Response) => {
    if (req.is('multipart/form-data')) await readMultipart(req, res);
    else await run(form[0]!, req, res);
    await run(form[1]!, req, res);
  };
  const flash = deps.flashes ?? createFlashStore(() => engine.clock.now().getTime());
  const documentLinks = async (caseId: string) => {
    if (!deps.documents) return [];
    const seen = new Set<string>();
    return (await ensureDocuments({ ...deps, documents: deps.documents }, caseId)).map((d) => {
      const first = !seen.has(d.kind);
      seen.add(d.kind);
      return { kind: d.kind, label: d.label, docNo: d.docNo, intact: d.intact, first, href: `/cases/${encodeURIComponent(caseId)}/documents/${d.kind}/${d.seq}` };
    });
  };
  const defOf = async (workflowId: string, version?: number) => (await engine.registry.get(workflowId, version)).definition as Def;

  /** A case's title for this reader (confidential fields never show). */
  const titleOf = async (p: Principal, record: Pick<CaseRecord, 'workflowId' | 'workflowVersion' | 'org'> & { state: { data: Record<string, unknown> } }, names: Names): Promise<string> => {
    const def = await defOf(record.workflowId, record.workflowVersion).catch(() => undefined);
    if (!def) return '案件';
    const red = await redactorFor(engine, orgs, p.actor, record);
    return caseTitle(def, red.data(record.state.data) as Record<string, unknown>, names);
  };

  const choicesFor = async (p: Principal): Promise<FormChoices> => {
    const all = await orgs.list();
    const inScope = all.filter((o) => p.subtree.has(o.id));
    const users = (await deps.people.listUsers([...p.subtree])).map((u) => ({ id: u.id, name: u.name }));
    return { orgs: inScope.map((o) => ({ id: o.id, name: o.name, level: o.level })), users };
  };

  /**
   * The user's worklist: the tasks offered to their roles, and the tasks whose
   * state lets one of their roles act (e.g. a township office that may accept a
   * report the district reviewer holds), and the tasks delegated to them (委派) —
   * whoever is told 【待办】 finds it here.
   */
  const worklist = async (p: Principal) => {
    const orgsInScope = [...p.subtree];
    const mine = await engine.listTasks({ roles: p.user.roles, orgs: orgsInScope, availableTo: p.user.id, orderBy: 'due', limit: 200 });
    const seen = new Set(mine.map((t) => t.taskKey));
    const others = (await engine.listTasks({ orgs: orgsInScope, availableTo: p.user.id, orderBy: 'due', limit: 500 })).filter((t) => !seen.has(t.taskKey));
    const trees = new Map<string, ReturnType<typeof buildStateTree> | undefined>();
    const actsOn = async (t: (typeof others)[number]) => {
      const record = await engine.findCase(t.caseId);
      if (!record) return false;
      const key = `${record.workflowId}@${record.workflowVersion}`;
      if (!trees.has(key)) trees.set(key, await defOf(record.workflowId, record.workflowVersion).then(buildStateTree).catch(() => undefined));
      const node = trees.get(key)?.byId.get(t.stateId);
      return Object.values(node?.def.on ?? {}).flatMap((x) => (Array.isArray(x) ? x : [x])).some((tr) => (tr.roles ?? []).some((r) => r !== 'system' && p.user.roles.includes(r)));
    };
    const extra: typeof others = [];
    for (const t of others) if (await actsOn(t)) extra.push(t);
    const delegated = (await delegatedToMe(engine, p, { limit: 200 })).filter((t) => !seen.has(t.taskKey) && !extra.some((x) => x.taskKey === t.taskKey));
    return byDue(mine, extra, delegated);
  };

  router.get('/tasks', page(deps, async (_req, res, p) => {
    const now = engine.clock.now();
    const cal = await defaultCalendar(engine);
    const names = namesOf(deps.people, orgs);
    const tasks = await worklist(p);
    const items = await Promise.all(tasks.map(async (t) => {
      const wf = await engine.registry.get(t.workflowId).catch(() => undefined);
      const record = await engine.findCase(t.caseId);
      return {
        ...t, titleText: zh(t.title, '待办事项'), workflowTitle: zh(wf?.definition.title, '流程'), orgName: (await names.org(t.org)) ?? '—',
        caseTitle: record ? await titleOf(p, record, names) : '案件', due: dueText(cal, now, t.dueAt), encodedId: encodeURIComponent(t.caseId),
      };
    }));
    sendPage(deps, res, 'tasks', '我的待办', p, { items });
  }));

  router.get('/cases', page(deps, async (req, res, p) => {
    const text = typeof req.query.text === 'string' && req.query.text.trim() ? req.query.text.trim().slice(0, 100) : undefined;
    const now = engine.clock.now();
    const cal = await defaultCalendar(engine);
    const names = namesOf(deps.people, orgs);
    const rows = await engine.listCases({ orgs: [...p.subtree], routedTo: [...p.subtree], text, textExcludes: text === undefined ? undefined : await searchExcludedFields(engine), limit: 100 });
    const archived = await archiveRefs(deps.archives, rows.filter((r) => r.status === 'done').map((r) => r.id));
    const items = await Promise.all(rows.map(async (r) => {
      const next = (r.state.deadlines ?? []).filter((d) => d.status !== 'paused').map((d) => d.dueAt).sort()[0] ?? null;
      const def = await defOf(r.workflowId, r.workflowVersion).catch(() => undefined);
      return {
        id: r.id, encodedId: encodeURIComponent(r.id), title: await titleOf(p, r, names), workflowTitle: zh(def?.title, '流程'),
        stateTitle: def ? stateTitle(def, r.state.value) : '—', status: r.status, orgName: (await names.org(r.org)) ?? '—', updatedAt: r.updatedAt, due: dueText(cal, now, r.status === 'done' ? null : next),
        archive: archived.get(r.id),
      };
    }));
    sendPage(deps, res, 'cases', '案件', p, { items, text });
  }));

  // ---- 新建 -------------------------------------------------------------

  /** The start of a workflow for this user: the first event of its initial state the user's roles may send (not a destructive one). */
  const startOf = (def: Def, p: Principal): { type: string; title: string; input: ObjectSchema | undefined } | undefined => {
    const initial = def.states[def.initial];
    for (const [type, t] of Object.entries(initial?.on ?? {})) {
      // An event may have several branches (a company's own general hazard, a report to the regulator): the first this user may take.
      const first = (Array.isArray(t) ? t : [t]).find((b) => b?.target && (b.roles ?? []).some((r) => p.user.roles.includes(r)));
      if (!first) continue;
      const title = zh(def.events?.[type]?.title, '提交');
      if (isDestructive(type, title)) continue;
      return { type, title, input: first.input as ObjectSchema | undefined };
    }
    return undefined;
  };

  /** The workflows the user may open a case of: governing the user's org, a role of theirs in it, an event of the initial state theirs to send. */
  const startable = async (p: Principal) => {
    const ids = [...new Set((await engine.listDefinitions()).map((d) => d.workflowId))];
    const out: { id: string; title: string; description: string; def: Def; start: NonNullable<ReturnType<typeof startOf>> }[] = [];
    for (const id of ids) {
      const wf = await engine.resolveWorkflow(id, p.user.orgId).then((r) => r.workflow).catch(() => undefined);
      if (!wf) continue;
      const def = wf.definition as Def;
      // A follow-up opened only by its parent case (four no-let-go of an accident) is never offered here.
      if (wf.definition.startedBy === 'parent') continue;
      if (!p.user.roles.some((r) => def.roles.includes(r))) continue;
      const start = startOf(def, p);
      if (start) out.push({ id, title: zh(def.title, id), description: zh(def.description), def, start });
    }
    return out.sort((a, b) => a.title.localeCompare(b.title, 'zh-CN'));
  };

  router.get('/new', page(deps, async (_req, res, p) => {
    const items = p.isAuditor ? [] : await startable(p);
    sendPage(deps, res, 'new', '新建案件', p, { items: items.map((i) => ({ id: i.id, title: i.title, description: i.description, action: i.start.title })) });
  }));

  const startPage = async (res: Response, p: Principal, workflowId: string, kept?: Flash) => {
    const item = (await startable(p)).find((i) => i.id === workflowId);
    if (!item) throw new HttpError('workflow_not_found', '该流程不存在，或您不能新建此类案件。');
    const choices = await choicesFor(p);
    const orgChoices = (choices.orgs ?? []).filter((o) => o.level !== 'enterprise').map((o) => ({ ...o, selected: o.id === ((kept?.values._org as string | undefined) ?? p.user.orgId) }));
    sendPage(deps, res, 'new-case', `新建：${item.title}`, p, {
      wf: { id: item.id, title: item.title, description: item.description }, action: item.start.title, orgChoices: orgChoices.length > 1 ? orgChoices : undefined,
      fields: formFields(item.start.input, kept?.values ?? {}, choices), error: kept?.error, multipart: true,
    });
  };

  router.get('/new/:workflowId', page(deps, async (req, res, p) => {
    await startPage(res, p, String(req.params.workflowId), await flash.get(req.query.form, p.user.id));
  }));

  router.post('/new/:workflowId', page(deps, async (req, res, p) => {
    const workflowId = String(req.params.workflowId);
    await readBody(req, res);
    const body = { ...((req.body ?? {}) as Record<string, unknown>) };
    assertWriter(p);
    const item = (await startable(p)).find((i) => i.id === workflowId);
    if (!item) throw new HttpError('workflow_not_found', '该流程不存在，或您不能新建此类案件。');
    let caseId: string | undefined;
    try {
      await storeUploads(attachments, item.start.input, req, body);
      const org = (await visibleOrg(p, orgs, typeof body._org === 'string' && body._org !== '' ? body._org : p.user.orgId)).id;
      const created = await engine.createCase({ workflowId, org, actor: p.actor });
      caseId = created.case.id;
      await engine.send(caseId, { type: item.start.type, payload: parseForm(item.start.input, body) }, p.actor);
      // Routed by rule once the start form has named the enterprise and industry.
      await routeOpenedCase(engine, orgs, deps.logger, caseId);
      res.redirect(303, `/cases/${encodeURIComponent(caseId)}?done=${encodeURIComponent(item.start.type)}`);
    } catch (err) {
      const error = pageError(err, item.start.input);
      if (caseId === undefined) {
        const id = await flash.put({ userId: p.user.id, form: 'start', error, values: body, status: 422 });
        return res.redirect(303, `/new/${encodeURIComponent(workflowId)}?form=${id}`);
      }
      // The case is open in its first state: the form moves to its page, values kept, to be completed there.
      const id = await flash.put({ userId: p.user.id, form: item.start.type, error: { ...error, message: `案件已创建，但尚未${item.start.title}：${error.message}` }, values: body, status: 422 });
      res.redirect(303, `/cases/${encodeURIComponent(caseId)}?form=${id}#form-${item.start.type}`);
    }
  }));

  // ---- the case page ------------------------------------------------------

  const casePage = async (res: Response, p: Principal, caseId: string, extra: { done?: string | undefined; kept?: Flash | undefined; moved?: string | undefined; opDone?: string | undefined; opError?: string | undefined } = {}) => {
    const record = await visibleCase(engine, p, caseId);
    await markOpenedTasks(engine, p, caseId);
    const view = await engine.getCase(caseId, p.actor);
    const def = await defOf(view.workflowId, view.workflowVersion);
    const names = namesOf(deps.people, orgs);
    const red = await redactorFor(engine, orgs, p.actor, record);
    const data = red.data(view.data, `「${REDACTED_TEXT}」`) as Record<string, unknown>;
    const rows = await dataRows(def.data, data, names, { skipMissing: true });
    const choices = await choicesFor(p);
    const events = p.isAuditor ? [] : (view.availableEvents ?? []);
    const forms = events
      .filter((e) => !(def.events?.[e.type] === undefined && e.type.includes('.')))
      .map((e) => {
        const label = zh(def.events?.[e.type]?.title, '办理');
        const kept = extra.kept?.form === e.type ? extra.kept : undefined;
        const fields = formFields(e.input as ObjectSchema | undefined, kept?.values ?? {}, choices);
        return { type: e.type, label, fields, error: kept?.error, destructive: isDestructive(e.type, label), multipart: fields.some((f) => f.kind === 'file'), description: zh(def.events?.[e.type]?.description) };
      });
    const stateOf = (v: StateValue) => stateTitle(def, v);
    const recorded = await engine.history(caseId);
    const moves = caseMoves(await engine.registry.get(view.workflowId, view.workflowVersion), record, p, recorded, await engine.listTasks({ caseId }));
    // Each event is titled on the version in force when it ran: before a migration, the version it left.
    const along = (await workflowsAlong(engine, record, recorded)).map((w) => w.definition);
    const history = await Promise.all(recorded.map(async (e, i) => ({
      seq: e.seq, at: e.at, actor: actorLabel({ ...e.actor, name: e.actor.name ?? (await names.user(e.actor.id)) ?? (e.actor.id.startsWith('system') ? '系统' : '办理人员') }),
      label: zh((along[i - 1] ?? along[i] ?? def).events?.[e.type]?.title, ENGINE_EVENT_LABELS[e.type] ?? '办理'), state: stateTitle(along[i] ?? def, e.state.value),
    })));
    const deadlines = view.deadlines.map((d) => ({
      ...d, titleText: zh(d.title, '期限'),
      provisionalNote: d.provisional ? `${(d.provisionalYears ?? []).join('、')}年放假安排尚未公布，此到期日按法定节假日暂定，公布后将重新核定` : undefined,
      remaining: d.overdue ? '已逾期' : d.remainingWorkdays === null ? '—' : d.remainingWorkdays === 0 ? '今日到期' : `剩 ${d.remainingWorkdays} 个工作日` }));
    const tasks = await Promise.all(view.tasks.map(async (t) => ({ titleText: zh(t.title, '待办事项'), who: `${(await names.org(t.org)) ?? '—'} · ${roleTitle(t.role)}`, assignee: t.assignee ? ((await names.user(t.assignee)) ?? '办理人员') : undefined })));
    const title = await caseTitle(def, data, names);
    const doneLabel = extra.done === undefined ? undefined : zh(def.events?.[extra.done]?.title, '办理');
    sendPage(deps, res, 'case', title, p, {
      c: { ...view, encodedId: encodeURIComponent(view.id) }, caseTitle: title, stateTitle: stateOf(view.value), workflowTitle: zh(def.title, '流程'), orgName: (await names.org(view.org)) ?? '—',
      data: rows, deadlines, forms: forms.filter((f) => !f.destructive), dangerForms: forms.filter((f) => f.destructive), history: history.reverse(),
      diagram: toMermaid(def, view.value), tasks, done: doneLabel, ownerName: await ownerName(orgs, view.workflowOwner),
      incomingFrom: view.parent?.handOver ? ((await orgs.get(view.parent.handOver.fromOrg))?.name ?? '其他机构') : undefined,
      documents: await documentLinks(view.id),
      moves, moved: extra.moved === undefined ? undefined : MOVE_EVENT_LABELS[MOVED_TYPES[extra.moved] ?? ''],
      archive: (await archiveRefs(deps.archives, [caseId])).get(caseId),
      ops: { ...(await taskOpsView(deps, view, def, p)), opDone: extra.opDone, opError: extra.opError },
    });
  };

  router.get('/cases/:id', page(deps, async (req, res, p) => {
    const q = (k: string) => (typeof req.query[k] === 'string' ? String(req.query[k]).slice(0, 300) : undefined);
    await casePage(res, p, String(req.params.id), { done: q('done'), kept: await flash.get(req.query.form, p.user.id), moved: q('moved'), opDone: q('opDone'), opError: q('opError') });
  }));

  router.post('/cases/:id/events', page(deps, async (req, res, p) => {
    const caseId = String(req.params.id);
    await visibleCase(engine, p, caseId);
    await readBody(req, res);
    const body = { ...((req.body ?? {}) as Record<string, unknown>) };
    assertWriter(p);
    const type = typeof body._type === 'string' ? body._type : '';
    const view = await engine.getCase(caseId, p.actor);
    const event = view.availableEvents?.find((e) => e.type === type);
    if (!event) throw new HttpError('invalid_transition', '此事项现在不能办理（案件可能已由他人办理）。');
    const schema = event.input as ObjectSchema | undefined;
    try {
      const def = await defOf(view.workflowId, view.workflowVersion);
      if (isDestructive(type, zh(def.events?.[type]?.title, '')) && body._confirm !== 'on') throw new HttpError('invalid_request', '请勾选“确认”后再提交此操作。');
      await storeUploads(attachments, schema, req, body);
      const expected = Number(body._expectedVersion);
      await engine.send(caseId, { type, payload: parseForm(schema, body), expectedVersion: Number.isInteger(expected) ? expected : undefined }, p.actor);
      res.redirect(303, `/cases/${encodeURIComponent(caseId)}?done=${encodeURIComponent(type)}`);
    } catch (err) {
      const error = pageError(err, schema);
      const id = await flash.put({ userId: p.user.id, form: type, error, values: body, status: 422 });
      res.redirect(303, `/cases/${encodeURIComponent(caseId)}?form=${id}#form-${type}`);
    }
  }));

  // ---- attachments ---------------------------------------------------------

  /**
   * The bytes of an attachment of a case: the case must be visible to the
   * reader, and its history (as this reader may read it) must name the hash.
   */
  router.get('/cases/:id/files/:sha256', page(deps, async (req, res, p) => {
    const caseId = String(req.params.id);
    const sha = String(req.params.sha256);
    const record = await visibleCase(engine, p, caseId);
    const red = await redactorFor(engine, orgs, p.actor, record);
    const ref = (await engine.history(caseId)).map(red.event).flatMap((e) => attachmentRefs(e.payload)).find((r) => r.sha256 === sha);
    if (!ref) throw new HttpError('not_found', '附件不存在，或您无权查看。');
    const bytes = await attachments.get(sha);
    if (!bytes) throw new HttpError('not_found', '附件的文件已不在存储中，请联系管理员。');
    res.set('Cache-Control', 'private, max-age=3600');
    res.set('X-Content-Type-Options', 'nosniff');
    if (req.query.thumb === '1' && ref.type.startsWith('image/')) {
      const small = await thumbnail(bytes);
      if (small) return void res.type('image/jpeg').send(small);
    }
    const inline = ref.type.startsWith('image/') || ref.type === 'application/pdf';
    res.set('Content-Disposition', `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(ref.name)}`);
    res.type(ref.type).send(bytes);
  }));

  return router;
}

