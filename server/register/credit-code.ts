/**
 * 统一社会信用代码 (unified social credit code) per GB 32100-2015: 18
 * characters from the 31 of the code set (digits and capitals without I, O,
 * S, V, Z): 登记管理部门码 (1), 机构类别码 (1), 登记管理机关行政区划码 (6
 * digits), 主体标识码 (组织机构代码, 9) and a check character computed from
 * the first 17 with the weights 3^(i-1) mod 31. Pure.
 */

/** The code set, in the order of its values 0…30 (GB 32100-2015 表 1). */
const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
/** Weights W_i = 3^(i-1) mod 31 of positions 1…17. */
const WEIGHTS = Array.from({ length: 17 }, (_, i) => {
  let w = 1;
  for (let k = 0; k < i; k++) w = (w * 3) % 31;
  return w;
});

/** Why a code is not valid, as a stable code. */
export type CreditCodeProblem = 'credit_code_length' | 'credit_code_charset' | 'credit_code_region' | 'credit_code_check_digit';

/** The check character of the first 17 characters (which must be in the code set). Pure. */
export function creditCodeCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CHARSET.indexOf(first17[i]!) * WEIGHTS[i]!;
  return CHARSET[(31 - (sum % 31)) % 31]!;
}

/**
 * Checks a unified social credit code; undefined when it is valid.
 * @example
 * creditCodeProblem('91350100M000100Y43'); // undefined
 * creditCodeProblem('91350100M000100Y44'); // 'credit_code_check_digit'
 */
export function creditCodeProblem(code: string): CreditCodeProblem | undefined {
  if (code.length !== 18) return 'credit_code_length';
  if ([...code].some((c) => !CHARSET.includes(c))) return 'credit_code_charset';
  if (!/^\d{6}$/.test(code.slice(2, 8))) return 'credit_code_region';
  return creditCodeCheckChar(code.slice(0, 17)) === code[17] ? undefined : 'credit_code_check_digit';
}

/** What each problem means, for people (Chinese). */
export const CREDIT_CODE_MESSAGES = {
  credit_code_length: '统一社会信用代码应为 18 位',
  credit_code_charset: '统一社会信用代码只含数字和大写字母（不含 I、O、S、V、Z）',
  credit_code_region: '统一社会信用代码第 3–8 位应为行政区划码（6 位数字）',
  credit_code_check_digit: '统一社会信用代码校验位不正确（GB 32100-2015）',
} satisfies Record<CreditCodeProblem, string>;
