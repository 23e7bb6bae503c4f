/**
 * The one error class of notifications, with stable snake_case codes that are
 * part of the API (the server maps them to HTTP statuses). Like the engine's
 * errors, it knows nothing of HTTP.
 */

/** Every code a {@link NotificationError} can carry. */
export const NOTIFICATION_ERROR_CODES = [
  /** A template file is malformed (start-up). */
  'invalid_template',
  /** No template with that id. */
  'template_not_found',
  /** A template failed while rendering (a missing variable in strict mode). */
  'render_failed',
  /** No notification (outbox row) with that id. */
  'notification_not_found',
  /** The notification requires no acknowledgement. */
  'not_acknowledgeable',
  /** The user was not among the notification's recipients. */
  'not_a_recipient',
  /** Someone else acknowledged the warning first. */
  'already_acknowledged',
  /** Only a dead or unresolved notification can be retried. */
  'not_retryable',
] as const;

export type NotificationErrorCode = (typeof NOTIFICATION_ERROR_CODES)[number];

/** A notification failure with a stable `code`. */
export class NotificationError extends Error {
  readonly code: NotificationErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: NotificationErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'NotificationError';
    this.code = code;
    this.details = details;
  }

  /** A plain object for logs and API bodies. */
  toJSON(): { code: NotificationErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}
