/**
 * Errors as a person reads them on a page: one Chinese sentence per error
 * code (a refused guard with the definition's own `guardMessage`), and each
 * field problem under the field's title — never an error code, an English
 * engine message or a payload path.
 */
import { GuardFailedError, type ObjectSchema } from '../../engine/index.js';
import { toErrorAnswer } from '../http-errors.js';

export interface PageError {
  message: string;
  issues?: { label: string; message: string }[] | undefined;
}

const MESSAGES: Record<string, string> = {
  invalid_input: '填写的内容有误，请按提示修改后重新提交。',
  invalid_data: '办理后的案件数据不符合要求，请检查填写的内容。',
  guard_failed: '不满足办理此操作的条件。',
  version_conflict: '案件刚刚已由他人办理，页面已更新，请核对后重新提交。',
  invalid_transition: '案件当前状态下不能办理此事项。',
  case_closed: '案件已办结，不能再办理。',
  forbidden: '您没有办理此事项的权限。',
  read_only: '您的账号只能查看，不能办理。',
  system_only_event: '此事项只能由系统自动办理。',
  case_not_found: '案件不存在，或不在您的辖区内。',
  not_found: '您要找的页面不存在。',
  workflow_not_found: '流程不存在，或在您的机构不可用。',
  parent_case_required: '此类案件只能从关联的上级案件中启动，不能单独新建。',
  org_not_found: '机构不存在。',
  org_out_of_jurisdiction: '所选机构不在您的辖区内。',
  out_of_jurisdiction: '所选机构不在您的辖区内。',
  cross_site_request: '请求不是从本系统页面提交的，已拒绝。请从页面重新操作。',
  rate_limited: '操作过于频繁，请稍后再试。',
  payload_too_large: '提交的内容过大。',
  expression_budget_exceeded: '条件计算超出限制，请联系管理员检查流程定义。',
  idempotency_conflict: '重复提交，已忽略。',
  invalid_request: '提交的内容无法处理。',
  unauthenticated: '请先登录。',
  internal_error: '系统内部错误，请稍后再试；如持续出现请联系管理员。',
  store_unavailable: '数据库暂时无法连接，本次操作可能未保存，请稍后重试。',
  attachment_not_found: '附件不存在，或您无权查看。',
  upload_refused: '上传的文件不符合要求。',
};

const ISSUE_MESSAGES: Record<string, string> = {
  invalid_type: '必填，或格式不对',
  too_small: '内容太少或数值太小',
  too_big: '内容太长或数值太大',
  invalid_format: '格式不对',
  invalid_value: '不是可选的值',
  invalid_string: '格式不对',
  unrecognized_keys: '包含不认识的项',
  missing_field: '必填',
  custom: '不符合要求',
};

/** The Chinese page error of `err`, field problems labelled by `schema`'s titles. */
export function pageError(err: unknown, schema?: ObjectSchema | undefined, fallback?: string): PageError {
  if (err instanceof GuardFailedError) {
    const m = err.guardMessage;
    const text = typeof m === 'string' ? m : m?.zh;
    return { message: text ?? MESSAGES.guard_failed! };
  }
  const a = toErrorAnswer(err, 'zh-CN');
  const code = a.body.error.code;
  // Messages already written in Chinese (the pages' own HttpErrors) are kept as they are.
  const own = /[\u4e00-\u9fff]/.test(a.body.error.message) ? a.body.error.message.replace(/\s*\([^)]*[A-Za-z][^)]*\)\s*$/, '') : undefined;
  const message = own ?? MESSAGES[code] ?? fallback ?? '操作未能完成。';
  const props = schema?.properties ?? {};
  const issues = (a.body.error.issues ?? []).map((i) => {
    const path = i.path.filter((p) => p !== 'payload' && p !== 'body' && p !== 'data');
    const field = typeof path[0] === 'string' ? path[0] : undefined;
    const label = field ? (props[field]?.title ?? '填写内容') : '填写内容';
    const missing = i.code === 'invalid_type' && /undefined|required/i.test(i.message);
    return { label, message: missing ? '必填' : (ISSUE_MESSAGES[i.code] ?? '不符合要求') };
  });
  return { message, issues: issues.length > 0 ? issues : undefined };
}
