/**
 * Sample cases for the demo (`duban demo`, `duban serve --demo`), so the
 * first look is not empty: hazards of 清水镇 in the states a handler meets —
 * one reported by the grid officer and waiting for the township's
 * acceptance, one accepted and waiting to be graded, one under a 整改指令书,
 * one reported as rectified and waiting for re-inspection, one written off.
 * Each is opened with a fixed case id, so loading twice opens nothing new.
 * With an attachment store the site photos are real (generated) images;
 * without one they are file names. Cases whose users are missing (an org
 * tree that is not the demo's) are skipped.
 */
import { docNumberYear, type Actor, type Engine, type KnexStore } from '../engine/index.js';
import { listDocNumberSeries, setDocNumberPrefix } from './doc-numbers.js';
import { formatAttachmentRef, type AttachmentStore } from './attachments.js';
import { loadDemoData } from './demo.js';
import { type PeopleStore, type UserRecord } from './people-ports.js';

const actorOf = (u: UserRecord): Actor => ({ id: u.id, roles: u.roles, org: u.orgId, name: u.name });

/** A plain photo (a coloured 640×480 JPEG) stored as an attachment, or a file name without a store. */
async function demoPhoto(store: AttachmentStore | undefined, name: string, rgb: [number, number, number]): Promise<string> {
  if (!store) return name;
  const sharp = (await import('sharp')).default;
  const bytes = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).jpeg({ quality: 70 }).toBuffer();
  return formatAttachmentRef({ sha256: await store.put(bytes), name, type: 'image/jpeg', size: bytes.length });
}

/** A local date `days` calendar days after now (Asia/Shanghai). */
function dateAfter(now: Date, days: number): string {
  return new Date(now.getTime() + 8 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10);
}

interface Sample {
  id: string;
  by: UserRecord;
  location: string;
  description: string;
  category: string;
  source: string;
  /** How far it goes: reported, accepted, ordered (整改中), rectified (待复查), closed (复查通过、已销号). */
  until: 'reported' | 'accepted' | 'ordered' | 'rectified' | 'closed';
  colour: [number, number, number];
}

const STAGES = ['reported', 'accepted', 'ordered', 'rectified', 'closed'] as const;

/** Opens the sample cases that are not there yet; returns the ids opened now. */
export async function loadDemoCases(engine: Engine, people: PeopleStore, attachments?: AttachmentStore): Promise<string[]> {
  const u = async (id: string) => people.getUser(id);
  const [grid, township, inspector, officer] = await Promise.all([u('grid-officer'), u('township-office'), u('inspector'), u('enterprise-officer')]);
  if (!grid || !township || !inspector || !officer) return [];
  const now = engine.clock.now();
  const samples: Sample[] = [
    { id: 'DEMO-H-0001', by: grid, location: '清水镇纬三路12号 2号车间', description: '除尘系统未设置泄爆装置', category: '粉尘防爆', source: 'gridPatrol', until: 'reported', colour: [120, 110, 100] },
    { id: 'DEMO-H-0002', by: grid, location: '清水镇工业园5号 仓库', description: '配电箱门缺失，带电部位外露', category: '电气安全', source: 'gridPatrol', until: 'accepted', colour: [90, 100, 130] },
    { id: 'DEMO-H-0003', by: officer, location: '清水化工 罐区东侧', description: '可燃气体报警器失效未及时维修', category: '危险化学品', source: 'selfCheck', until: 'ordered', colour: [150, 120, 80] },
    { id: 'DEMO-H-0004', by: officer, location: '清水化工 装卸站台', description: '静电接地装置断开', category: '危险化学品', source: 'selfCheck', until: 'rectified', colour: [80, 130, 90] },
    { id: 'DEMO-H-0005', by: grid, location: '清水镇纬三路8号 锅炉房', description: '安全阀超期未校验', category: '特种设备', source: 'gridPatrol', until: 'closed', colour: [130, 80, 80] },
  ];
  const opened: string[] = [];
  // The district numbers its rectification orders (责令限期整改指令书) from its counter: the demo's prefix, unless an admin set one.
  const store = engine.store as KnexStore;
  if (!(await listDocNumberSeries(store, 'donghu', docNumberYear(now))).some((r) => r.series === 'rectificationOrder')) {
    await setDocNumberPrefix(store, { org: 'donghu', series: 'rectificationOrder', prefix: '东应急责改', setBy: 'demo', at: now.toISOString() });
  }
  for (const s of samples) {
    if (await engine.findCase(s.id)) continue;
    const reach = STAGES.indexOf(s.until);
    const enterprise = s.by.orgId === 'qingshui-chem' ? 'qingshui-chem' : 'qingshui-hengda';
    await engine.createCase({ workflowId: 'hazard', org: s.by.orgId, caseId: s.id, actor: actorOf(s.by) });
    await engine.send(s.id, {
      type: 'submit',
      payload: {
        source: s.source, location: s.location, gridId: 'donghu-qingshui-g1', enterpriseId: enterprise, sector: '工贸', description: s.description,
        photos: [await demoPhoto(attachments, '现场照片.jpg', s.colour)], foundAt: new Date(now.getTime() - 2 * 86_400_000).toISOString(), proposedGrade: s.source === 'selfCheck' ? 'major' : 'general', hazardCategory: s.category,
      },
    }, actorOf(s.by));
    if (reach >= 1) await engine.send(s.id, { type: 'accept', payload: { jurisdictionConfirmed: true, dedupeKey: s.location, acceptComment: '属实，予以受理' } }, actorOf(township));
    if (reach >= 2) {
      await engine.send(s.id, { type: 'grade', payload: { grade: 'general', responsibleUnit: s.by.orgId === 'qingshui-chem' ? '江州清水化工有限公司' : '清水镇恒达机械厂', rectificationDeadline: dateAfter(now, 10) } }, actorOf(inspector));
      await engine.send(s.id, { type: 'issueOrder', payload: { orderDeadline: dateAfter(now, 10), measures: '立即停止相关作业，修复或更换失效设施，整改完成后报送整改报告和整改前后照片。' } }, actorOf(inspector));
    }
    if (reach >= 3) {
      await engine.send(s.id, {
        type: 'submitRectification',
        payload: { rectificationEvidence: [await demoPhoto(attachments, '整改后照片.jpg', [70, 140, 70])], rectificationCost: 3800, completedOn: dateAfter(now, 0), rectificationSummary: '已更换损坏部件并经检测合格。' },
      }, actorOf(officer));
    }
    if (reach >= 4) {
      await engine.send(s.id, { type: 'pass', payload: { reinspectionOpinion: '经现场复查，隐患已消除，同意销号。', signatures: [await demoPhoto(attachments, '复查人员签名.jpg', [200, 200, 200])] } }, actorOf(inspector));
    }
    opened.push(s.id);
  }
  return opened;
}

/**
 * Loads the demo where it is missing — org tree, users, sample cases (unless
 * `cases: false`) — and prints the tokens of the users created now (shown once).
 */
export async function loadDemo(engine: Engine, people: PeopleStore, print: (line: string) => void, opts: { cases?: boolean; attachments?: AttachmentStore | undefined } = {}): Promise<{ orgsCreated: number; usersCreated: number; casesOpened: string[] }> {
  const demo = await loadDemoData(people, engine.clock);
  if (demo.tokens.length > 0) {
    print('Demo users created (tokens are shown once; only their hashes are stored):');
    for (const t of demo.tokens) print(`  ${t.userId.padEnd(22)} ${t.roles.join(',').padEnd(26)} ${t.token}`);
  }
  const casesOpened = opts.cases === false ? [] : await loadDemoCases(engine, people, opts.attachments);
  if (casesOpened.length > 0) print(`Demo cases opened: ${casesOpened.join(', ')}`);
  return { orgsCreated: demo.orgsCreated, usersCreated: demo.tokens.length, casesOpened };
}
