/**
 * The demo org tree and users loaded by `duban serve` on first start: a city
 * (江州市), two districts, townships and grids, two enterprises in one grid
 * (each its own unit: its people see its cases only), and one user per main role
 * plus an admin and an auditor, each with an e-mail address under
 * `example.test` (a reserved domain: nothing sent there reaches anyone; point
 * `SMTP_URL` at a catcher such as MailHog to read them). Loading is
 * idempotent: orgs and users already there are left alone, and tokens are
 * only made for users created now.
 */
import type { Clock } from '../engine/index.js';
import { createUser, importOrgTree } from './people.js';
import type { OrgTreeNode } from './schemas.js';
import { type PeopleStore } from './people-ports.js';

export const DEMO_ORG_TREE: OrgTreeNode = {
  id: 'jiangzhou', name: '江州市', level: 'city',
  children: [
    {
      id: 'donghu', name: '东湖区', level: 'county',
      children: [
        {
          id: 'donghu-qingshui', name: '清水镇', level: 'township',
          children: [
            {
              id: 'donghu-qingshui-g1', name: '清水镇第一网格', level: 'grid',
              // Two companies in one grid: each sees its own cases only (enterprises are parties, not offices).
              children: [
                {
                  id: 'qingshui-chem', name: '江州清水化工有限公司', level: 'enterprise',
                  enterprise: { industry: '危险化学品', address: '江州市东湖区清水镇工业园一路1号', creditCode: '91320100MA1XQP0C3Y', supervisors: ['donghu'] },
                },
                {
                  id: 'qingshui-hengda', name: '清水镇恒达机械厂', level: 'enterprise',
                  enterprise: { industry: '机械制造', address: '江州市东湖区清水镇工业园二路8号', supervisors: ['donghu'] },
                },
              ],
            },
            { id: 'donghu-qingshui-g2', name: '清水镇第二网格', level: 'grid' },
          ],
        },
        { id: 'donghu-baisha', name: '白沙街道', level: 'township', children: [{ id: 'donghu-baisha-g1', name: '白沙街道第一网格', level: 'grid' }] },
      ],
    },
    {
      id: 'xishan', name: '西山区', level: 'county',
      children: [{ id: 'xishan-songlin', name: '松林镇', level: 'township', children: [{ id: 'xishan-songlin-g1', name: '松林镇第一网格', level: 'grid' }] }],
    },
  ],
};

/** The demo users' mail domain (reserved by RFC 2606: never delivered on the internet). */
export const DEMO_MAIL_DOMAIN = 'example.test';

/** Demo users: id, name, org, roles; each gets the e-mail address `<id>@example.test`. */
export const DEMO_USERS: { id: string; name: string; orgId: string; roles: string[] }[] = [
  { id: 'admin', name: '系统管理员', orgId: 'jiangzhou', roles: ['admin'] },
  { id: 'auditor', name: '审计员 周审', orgId: 'jiangzhou', roles: ['auditor'] },
  { id: 'committee-office', name: '安委办 李督', orgId: 'jiangzhou', roles: ['safetyCommitteeOffice'] },
  { id: 'committee-leader', name: '安委会 王主任', orgId: 'jiangzhou', roles: ['safetyCommitteeLeader'] },
  { id: 'expert', name: '专家 陈工', orgId: 'jiangzhou', roles: ['expert'] },
  { id: 'inspector', name: '执法人员 张检', orgId: 'donghu', roles: ['inspector'] },
  { id: 'reviewer', name: '科长 刘审', orgId: 'donghu', roles: ['regulatorReviewer'] },
  { id: 'leader', name: '局长 赵批', orgId: 'donghu', roles: ['regulatorLeader'] },
  { id: 'township-office', name: '清水镇安监办 孙办', orgId: 'donghu-qingshui', roles: ['townshipSafetyOffice'] },
  { id: 'grid-officer', name: '网格员 吴巡', orgId: 'donghu-qingshui-g1', roles: ['gridOfficer'] },
  { id: 'enterprise-officer', name: '清水化工安全员 郑安', orgId: 'qingshui-chem', roles: ['enterpriseSafetyOfficer'] },
  { id: 'enterprise-principal', name: '清水化工负责人 冯总', orgId: 'qingshui-chem', roles: ['enterprisePrincipal'] },
  { id: 'hengda-officer', name: '恒达机械安全员 何安', orgId: 'qingshui-hengda', roles: ['enterpriseSafetyOfficer'] },
  { id: 'xishan-inspector', name: '西山区执法人员 钱检', orgId: 'xishan', roles: ['inspector'] },
];

/** Loads the demo data where it is missing. Returns the tokens of the users created now (shown once). */
export async function loadDemoData(people: PeopleStore, clock: Clock): Promise<{ orgsCreated: number; tokens: { userId: string; roles: string[]; token: string }[] }> {
  const { created } = await importOrgTree(people, clock, DEMO_ORG_TREE);
  const tokens: { userId: string; roles: string[]; token: string }[] = [];
  for (const u of DEMO_USERS) {
    if (await people.getUser(u.id)) continue;
    const r = await createUser(people, clock, { ...u, email: `${u.id}@${DEMO_MAIL_DOMAIN}` });
    tokens.push({ userId: u.id, roles: u.roles, token: r.token });
  }
  return { orgsCreated: created, tokens };
}
