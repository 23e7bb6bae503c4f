/**
 * The e-mail channel: nodemailer over SMTP (`SMTP_URL`), one message per
 * recipient with a subject, an HTML and a plain-text body. The SMTP server
 * refusing the envelope or the data (4xx/5xx) is a failed delivery, which the
 * dispatcher retries with backoff. The Message-ID is derived from the
 * notification and the recipient, so a receiver can recognise a resend.
 */
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Channel } from './channel.js';

/** Options of {@link createEmailChannel}. */
export interface EmailChannelOptions {
  /** `smtp://user:pass@host:port` or `smtps://…` (the `SMTP_URL` setting). */
  url: string;
  /** The From header, e.g. `"督办系统" <duban@example.gov.cn>`. */
  from: string;
  replyTo?: string | undefined;
  /** Keep SMTP connections open and reuse them (default true). */
  pool?: boolean | undefined;
  /** Connections the pool opens at most (default 5). */
  maxConnections?: number | undefined;
  /** Connection, greeting and socket timeouts in ms (default 30 s). */
  timeoutMs?: number | undefined;
}

/**
 * Creates the e-mail channel.
 * @example
 * const email = createEmailChannel({ url: process.env.SMTP_URL!, from: '"督办系统" <duban@example.gov.cn>' });
 */
export function createEmailChannel(options: EmailChannelOptions): Channel & { readonly from: string } {
  const timeout = options.timeoutMs ?? 30_000;
  const transport = nodemailer.createTransport({
    url: options.url,
    pool: options.pool ?? true,
    maxConnections: options.maxConnections ?? 5,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  const domain = (/@([^>\s]+)>?\s*$/.exec(options.from)?.[1] ?? 'duban.local').toLowerCase();
  return {
    name: 'email',
    from: options.from,
    reaches: (r) => r.email !== null && r.email !== '',
    async deliver(message, recipient) {
      if (!recipient.email) throw new Error(`${recipient.key} has no e-mail address`);
      const digest = createHash('sha256').update(`${message.notificationId}\n${recipient.key}`).digest('hex').slice(0, 32);
      await transport.sendMail({
        from: options.from,
        ...(options.replyTo ? { replyTo: options.replyTo } : {}),
        to: recipient.userId === null ? recipient.email : { name: recipient.name, address: recipient.email },
        subject: message.subject,
        html: message.html,
        text: message.text,
        messageId: `<${digest}@${domain}>`,
        headers: { 'X-Duban-Notification': message.notificationId, 'X-Duban-Case': message.caseId },
      });
    },
    close: async () => transport.close(),
  };
}
