/**
 * The webhook channel: an HTTP POST of the notification as JSON to the
 * recipient's webhook URL, signed with `X-Duban-Signature: sha256=<hex HMAC
 * of the body>` under a shared secret. Anything but a 2xx answer is a failed
 * delivery (retried by the dispatcher); the receiver verifies the signature
 * over the raw body and may drop a repeated `X-Duban-Notification`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Channel } from './channel.js';

/** Options of {@link createWebhookChannel}. */
export interface WebhookChannelOptions {
  /** The HMAC-SHA256 key shared with the receivers. */
  secret: string;
  /** Give up on a request after this long (default 10 s). */
  timeoutMs?: number | undefined;
}

/** The `X-Duban-Signature` value of a body. */
export function signWebhookBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Checks a received `X-Duban-Signature` against the raw body, in constant time. */
export function verifyWebhookSignature(body: string, secret: string, signature: string | undefined): boolean {
  if (signature === undefined) return false;
  const expected = Buffer.from(signWebhookBody(body, secret));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Creates the webhook channel.
 * @example
 * const webhook = createWebhookChannel({ secret: process.env.DUBAN_WEBHOOK_SECRET! });
 */
export function createWebhookChannel(options: WebhookChannelOptions): Channel {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    name: 'webhook',
    reaches: (r) => r.webhookUrl !== null && r.webhookUrl !== '',
    async deliver(message, recipient) {
      if (!recipient.webhookUrl) throw new Error(`${recipient.key} has no webhook URL`);
      const body = JSON.stringify({
        notification: message.notificationId,
        case: message.caseId,
        kind: message.kind,
        template: message.template,
        recipient: { id: recipient.userId, name: recipient.name },
        subject: message.subject,
        text: message.text,
        html: message.html,
        ack: message.ackRequired ? { url: message.ackUrl, dueAt: message.ackDueAt } : null,
        createdAt: message.createdAt,
      });
      const res = await fetch(recipient.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'x-duban-signature': signWebhookBody(body, options.secret), 'x-duban-notification': message.notificationId },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Drain the body so the connection can be reused.
      const answer = await res.text().catch(() => '');
      if (res.status < 200 || res.status >= 300) throw new Error(`webhook ${recipient.webhookUrl} answered ${res.status}${answer ? `: ${answer.slice(0, 200)}` : ''}`);
    },
  };
}
