/**
 * The Chinese labels of the enum codes the built-in workflows use, so pages,
 * forms and mails show 企业自查 rather than `selfCheck`. A field declares
 * them as `enumTitles` (value → label); {@link titlesOf} builds that map for
 * a list of codes. Plain data.
 */

/** Code → label, shared by every built-in workflow (a code means the same everywhere it is used). */
export const CODE_TITLES: Readonly<Record<string, string>> = {
  // Hazard sources, grades and decisions.
  selfCheck: '企业自查', gridPatrol: '网格巡查', inspection: '监督检查', covertInspection: '暗查暗访', tipOff: '群众举报', campaign: '专项整治',
  general: '一般', major: '重大', serious: '较大', extraordinary: '特别重大',
  notAHazard: '不属于事故隐患', duplicate: '重复上报', insufficientInfo: '信息不全',
  full: '全部停产', partial: '部分停产',
  ownExperts: '企业自行组织专家', qualifiedAgency: '委托有资质的机构',
  // Accident types, levels, listing triggers, investigation units, dismissal reasons.
  industrial: '工矿商贸', mining: '矿山', construction: '建筑施工', hazardousChemicals: '危险化学品', road: '道路交通', fire: '火灾', waterway: '水上交通', railway: '铁路交通', aviation: '民航', other: '其他',
  county: '县级', city: '设区的市级', province: '省级', ministry: '国务院应急管理部门', stateCouncil: '国务院',
  grade: '事故等级达到挂牌标准', typicalGeneral: '典型一般事故', concealment: '瞒报谎报', repeatAccident: '一年内重复发生事故', highImpact: '社会影响重大', leadershipInstruction: '领导批示',
  government: '人民政府', emergencyMgmt: '应急管理部门', sectorRegulator: '行业主管部门', supervisoryOrgan: '监察机关', publicSecurity: '公安机关', tradeUnion: '工会', procuratorate: '人民检察院',
  notWorkSafetyAccident: '不属于生产安全事故', naturalDisaster: '自然灾害', criminalCase: '刑事案件', duplicateReport: '重复报告',
  // Four no-let-go.
  causeIdentified: '事故原因未查清不放过', responsiblePersonsHandled: '责任人员未处理不放过', measuresImplemented: '整改措施未落实不放过', personnelEducated: '有关人员未受到教育不放过',
  evidenceSubmitted: '已提交材料', confirmed: '已确认', rejected: '已退回', reopened: '重新落实',
  administrativePenalty: '行政处罚', partyDiscipline: '党纪处分', governmentSanction: '政务处分', internalDiscipline: '内部处理', criminalReferral: '移送司法',
  responsiblePersons: '责任人员', workers: '职工', sectorEnterprises: '同行业企业',
  liabilityAccident: '责任事故', nonLiabilityAccident: '非责任事故',
  person: '个人', organisation: '单位', executed: '已执行', pendingJudicial: '已移送司法待判决',
};

/** The `enumTitles` of a field over `codes` (codes without a label are left out: pages then show the code). */
export function titlesOf(codes: readonly (string | number | boolean)[]): Record<string, string> {
  return Object.fromEntries(codes.map(String).filter((c) => CODE_TITLES[c] !== undefined).map((c) => [c, CODE_TITLES[c]!]));
}
