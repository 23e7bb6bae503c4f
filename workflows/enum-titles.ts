/**
 * What pages, forms and mails show for the enum codes of the built-in workflows (one table): every code a
 * built-in field offers has its Chinese title here, and
 * {@link addEnumTitles} writes them into each field as `enumTitles`, so a
 * form offers "网格巡查" and the case page shows it, never `gridPatrol`.
 * One code means one thing across the workflows (`general` is 一般 for a
 * hazard grade and an accident grade alike).
 */
import type { WorkflowDefinitionInput } from '../engine/index.js';

export const ENUM_TITLES: Readonly<Record<string, string>> = {
  // 隐患来源
  selfCheck: '企业自查',
  gridPatrol: '网格巡查',
  inspection: '执法检查',
  covertInspection: '暗查暗访',
  tipOff: '举报',
  campaign: '专项排查整治',
  // 等级
  general: '一般',
  major: '重大',
  serious: '较大',
  extraordinary: '特别重大',
  // 不予受理原因
  notAHazard: '不属于事故隐患',
  duplicate: '重复报告',
  insufficientInfo: '信息不全，无法核实',
  // 停产范围、评估主体
  full: '全部停产停业',
  partial: '局部停产停业',
  ownExperts: '本单位技术人员和专家',
  qualifiedAgency: '具备相应资质的安全评价机构',
  // 事故类型
  industrial: '工矿商贸',
  mining: '矿山',
  construction: '建筑施工',
  hazardousChemicals: '危险化学品',
  road: '道路交通',
  fire: '火灾',
  waterway: '水上交通',
  railway: '铁路交通',
  aviation: '民航飞行',
  other: '其他',
  // 层级
  county: '县级',
  city: '设区的市级',
  province: '省级',
  ministry: '国务院安全生产监督管理部门',
  stateCouncil: '国务院',
  // 不予认定原因
  notWorkSafetyAccident: '不属于生产安全事故',
  naturalDisaster: '自然灾害',
  criminalCase: '刑事案件',
  duplicateReport: '重复报告',
  // 挂牌督办事由
  grade: '事故等级',
  typicalGeneral: '典型一般事故',
  concealment: '瞒报、谎报',
  repeatAccident: '同类事故重复发生',
  highImpact: '社会影响重大',
  leadershipInstruction: '领导批示',
  // 调查组成员单位
  government: '人民政府',
  emergencyMgmt: '应急管理部门',
  sectorRegulator: '行业主管部门',
  supervisoryOrgan: '监察机关',
  publicSecurity: '公安机关',
  tradeUnion: '工会',
  procuratorate: '人民检察院',
  // 四不放过
  evidenceSubmitted: '证明材料待确认',
  confirmed: '已确认',
  rejected: '已退回',
  reopened: '重新启动',
  causeIdentified: '事故原因未查清不放过',
  responsiblePersonsHandled: '责任人员未处理不放过',
  measuresImplemented: '整改措施未落实不放过',
  personnelEducated: '有关人员未受到教育不放过',
  liabilityAccident: '责任事故',
  nonLiabilityAccident: '非责任事故',
  person: '个人',
  organisation: '单位',
  administrativePenalty: '行政处罚',
  partyDiscipline: '党纪处分',
  governmentSanction: '政务处分',
  internalDiscipline: '单位内部处理',
  criminalReferral: '移送司法机关',
  executed: '已执行',
  pendingJudicial: '已移送司法机关待判决',
  responsiblePersons: '事故责任人员',
  workers: '从业人员',
  sectorEnterprises: '同行业企业',
  // 督办
  extraUrgent: '特急',
  urgent: '急件',
  normal: '平件',
  phone: '电话催办',
  letter: '信函',
  onSite: '现场督促',
  // 举报渠道
  hotline12350: '12350举报电话',
  email: '电子邮件',
  fax: '传真',
  visit: '来访',
  online: '网上举报',
  miniProgram: '微信小程序',
  // 举报不予受理原因
  sameMatterAccepted: '同一事项已经受理',
  noClearTarget: '没有明确的被举报对象或者违法事实',
  outOfScope: '不属于安全生产举报范围',
  suggestion: '意见建议',
  disclosureRequest: '政府信息公开申请',
  reviewOrLitigation: '行政复议、诉讼或者仲裁事项',
  // 约谈、通报、执法的起因
  hazardOverdue: '隐患逾期未整改',
  hazardRework: '隐患多次整改不合格',
  accident: '生产安全事故',
  supervisionLetter: '督办函逾期',
  accidentQuota: '事故控制指标',
  interview: '约谈后未落实',
  hazard: '事故隐患',
  // 通报类别、公开范围
  criticism: '批评通报',
  cautionary: '警示通报',
  commendation: '表扬通报',
  information: '情况通报',
  internal: '内部',
  public: '公开',
  // 执法：当事人、处罚种类、处理决定、送达方式
  unit: '单位',
  fine: '罚款',
  warning: '警告',
  confiscation: '没收违法所得',
  suspension: '责令停产停业',
  licenceRevocation: '暂扣或吊销许可证',
  closure: '责令关闭',
  tradeBan: '限制从业',
  penalty: '给予行政处罚',
  noPenalty: '不予行政处罚',
  transfer: '移送其他机关',
  inPerson: '直接送达',
  post: '邮寄送达',
  publication: '公告送达',
  electronic: '电子送达',
  // 瞒报谎报、事故线索来源、举报事项类别
  concealed: '瞒报',
  falsified: '谎报',
  media: '媒体报道',
  hospitalOrPolice: '医院或公安机关通报',
  hazardOrIllegalProduction: '事故隐患或非法违法生产经营行为',
  concealedAccident: '瞒报谎报生产安全事故',
  // 页面所用的其他代码

  // 专项整治进展报送周期
  weekly: '每周',
  monthly: '每月',
};

/** The `enumTitles` of a field over `codes` (value → title; codes without a title are left out). */
export function titlesOf(codes: readonly (string | number | boolean)[]): Record<string, string> {
  return Object.fromEntries(codes.map(String).filter((c) => ENUM_TITLES[c] !== undefined).map((c) => [c, ENUM_TITLES[c]!]));
}

/** The codes of the definition's enum fields that have no title here (a test keeps it empty for the built-ins). */
export function untitledEnumCodes(definition: unknown): string[] {
  const missing = new Set<string>();
  walk(definition, (field) => {
    for (const v of field.enum) if (typeof v !== 'string' || !(v in ENUM_TITLES)) missing.add(String(v));
  });
  return [...missing];
}

/** Writes `enumTitles` into every enum field of the definition that has none and whose codes all have a title. */
export function addEnumTitles<T extends WorkflowDefinitionInput>(definition: T): T {
  walk(definition, (field) => {
    if (field.enumTitles === undefined && field.enum.every((v) => typeof v === 'string' && v in ENUM_TITLES)) field.enumTitles = titlesOf(field.enum as string[]);
  });
  return definition;
}

interface EnumField {
  type: string;
  enum: unknown[];
  enumTitles?: Record<string, string>;
}

function walk(node: unknown, visit: (field: EnumField) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (typeof o.type === 'string' && Array.isArray(o.enum)) visit(o as unknown as EnumField);
  for (const v of Object.values(o)) walk(v, visit);
}
