/**
 * How errors become HTTP answers. Domain errors know nothing of HTTP; this
 * file maps every code (the engine's and the server's own) to a status, and
 * every error body is `{ error: { code, message, issues? } }`. An error that
 * is not one of ours is a bare 500 `internal_error`, logged with the request id
 * (but a lost database connection is 503 `store_unavailable`: retry it).
 */
import { z } from 'zod';
import { asStoreUnavailable, EngineError, ERROR_CODES, GuardFailedError, type ErrorCode, type Issue } from '../engine/index.js';
import { localizedText, NOTIFICATION_ERROR_CODES, NotificationError, type Locale, type NotificationErrorCode } from '../notifications/index.js';

/** Codes the HTTP layer adds to the engine's. */
export const SERVER_ERROR_CODES = [
  'invalid_request',
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
  'unauthenticated',
  'token_expired',
  'out_of_jurisdiction',
  'read_only',
  'not_found',
  'org_not_found',
  'user_not_found',
  'token_not_found',
  'calendar_not_found',
  'already_exists',
  'not_ready',
  'unknown_role',
  'reserved_event',
  'cross_site_request',
  'rate_limited',
  'campaign_not_found',
  'campaign_not_applicable',
  'routing_rule_not_found',
  'import_rejected',
] as const;
export type ServerErrorCode = (typeof SERVER_ERROR_CODES)[number];

/** Every code an API error body can carry: the engine's, the notifications' and the HTTP layer's. */
export type ApiErrorCode = ErrorCode | NotificationErrorCode | ServerErrorCode;
// A Set: the engine and the HTTP layer share a few codes (`org_not_found`).
export const API_ERROR_CODES: readonly ApiErrorCode[] = [...new Set<ApiErrorCode>([...ERROR_CODES, ...NOTIFICATION_ERROR_CODES, ...SERVER_ERROR_CODES])];

/** The HTTP status of each code. A new engine or notification code fails to compile here until it is given one. */
export const ERROR_STATUS = {
  // engine
  invalid_definition: 422,
  definition_conflict: 409,
  workflow_not_found: 404,
  case_not_found: 404,
  invalid_transition: 409,
  forbidden: 403,
  invalid_input: 422,
  invalid_data: 422,
  guard_failed: 422,
  version_conflict: 409,
  idempotency_conflict: 409,
  case_closed: 409,
  calendar_out_of_range: 422,
  invalid_duration: 422,
  invalid_calendar: 422,
  calendar_out_of_scope: 422,
  replay_diverged: 500,
  timer_stale: 409,
  task_conflict: 409,
  // The definition's expression is at fault, not the request; the step is refused and nothing is recorded.
  expression_budget_exceeded: 422,
  // Anchoring runs in the CLI and background loops, never behind a route; the statuses only complete the table.
  invalid_anchor_key: 422,
  invalid_anchor_log: 422,
  system_only_event: 403,
  role_not_grantable: 403,
  org_out_of_jurisdiction: 403,
  // The org has not set the prefix of the series yet: an admin's setting is missing, nothing was written.
  doc_number_not_configured: 409,
  parent_case_required: 409,
  internal_error: 500,
  archive_conflict: 409,
  invalid_archive: 422,
  // The database was unreachable or dropped the connection: retry (503 with Retry-After).
  store_unavailable: 503,
  // notifications
  notification_not_found: 404,
  not_a_recipient: 403,
  already_acknowledged: 409,
  not_acknowledgeable: 409,
  not_retryable: 409,
  template_not_found: 404,
  // A template that does not compile or render is the server's fault, never the caller's.
  invalid_template: 500,
  render_failed: 500,
  // server
  invalid_request: 400,
  invalid_json: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unauthenticated: 401,
  token_expired: 401,
  out_of_jurisdiction: 403,
  read_only: 403,
  not_found: 404,
  org_not_found: 404,
  user_not_found: 404,
  token_not_found: 404,
  calendar_not_found: 404,
  already_exists: 409,
  not_ready: 503,
  unknown_role: 422,
  reserved_event: 403,
  cross_site_request: 403,
  rate_limited: 429,
  campaign_not_found: 404,
  // The campaign is not active, or does not cover the case's org or industry.
  campaign_not_applicable: 422,
  routing_rule_not_found: 404,
  // A spreadsheet with a bad row: nothing imported, every bad row in `issues`.
  import_rejected: 422,
} as const satisfies Record<ApiErrorCode, number>;

/** An error the HTTP layer raises itself (authentication, access, request shape). */
export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly issues?: Issue[],
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = ERROR_STATUS[code];
  }
}

/** The body of every error answer. */
export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(API_ERROR_CODES as [ApiErrorCode, ...ApiErrorCode[]]),
      message: z.string(),
      issues: z.array(z.object({ code: z.string(), path: z.array(z.union([z.string(), z.number()])), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** An error turned into an answer; `unexpected` errors are logged with their stack. */
export interface ErrorAnswer {
  status: number;
  body: ErrorBody;
  unexpected: boolean;
}

/** Body-parser errors carry a `type`; these are the ones a client causes. */
const BODY_PARSER_CODES: Record<string, ServerErrorCode> = {
  'entity.parse.failed': 'invalid_json',
  'entity.too.large': 'payload_too_large',
  'encoding.unsupported': 'unsupported_media_type',
  'charset.unsupported': 'unsupported_media_type',
  'request.aborted': 'invalid_request',
  'request.size.invalid': 'invalid_request',
  'entity.verify.failed': 'invalid_request',
};

const answer = (code: ApiErrorCode, message: string, issues?: Issue[], unexpected = false): ErrorAnswer => ({
  status: ERROR_STATUS[code],
  body: { error: { code, message, ...(issues && issues.length > 0 ? { issues } : {}) } },
  unexpected,
});

/**
 * Maps anything thrown by a handler to its answer. With a `locale`, a refused
 * guard answers with the definition's own `guardMessage` in that language.
 */
export function toErrorAnswer(err: unknown, locale?: Locale): ErrorAnswer {
  if (err instanceof HttpError) return answer(err.code, err.message, err.issues);
  if (err instanceof GuardFailedError && err.guardMessage !== undefined && locale) return answer(err.code, localizedText(err.guardMessage, locale) || err.message, err.issues);
  if (err instanceof EngineError) return answer(err.code, err.message, err.issues, err.code === 'internal_error');
  if (err instanceof NotificationError) return answer(err.code, err.message, undefined, ERROR_STATUS[err.code] >= 500);
  const type = typeof err === 'object' && err !== null ? (err as { type?: unknown }).type : undefined;
  if (typeof type === 'string' && type in BODY_PARSER_CODES) {
    const code = BODY_PARSER_CODES[type]!;
    const messages: Record<string, string> = {
      invalid_json: 'the request body is not valid JSON',
      payload_too_large: 'the request body is too large',
      unsupported_media_type: 'the request body encoding is not supported (send UTF-8 JSON)',
      invalid_request: 'the request body could not be read',
    };
    return answer(code, messages[code] ?? code);
  }
  // A lost or refused database connection is the caller's to retry, not a bug: a stable code, never a bare 500.
  const unavailable = asStoreUnavailable(err);
  if (unavailable) return answer(unavailable.code, unavailable.message);
  return answer('internal_error', 'internal error', undefined, true);
}

/** Converts zod issues to API issues under a prefix (`body`, `query`, `params`). */
export function zodToIssues(error: z.ZodError, prefix: string): Issue[] {
  return error.issues.map((i) => ({ code: i.code, path: [prefix, ...i.path.map((p) => (typeof p === 'number' ? p : String(p)))], message: i.message }));
}
