/**
 * The in-app inbox channel: one row per user and notification in
 * `inbox_items`, read and marked read through the server. Adding the same
 * notification twice for a user is a no-op, so a retry never duplicates it.
 */
import { createHash } from 'node:crypto';
import type { Channel } from './channel.js';
import { type InboxStore } from './outbox-ports.js';

/** The inbox item id of a notification for a user: derived, so a retry names the same item. */
export function inboxItemId(notificationId: string, userId: string): string {
  return `i-${createHash('sha256').update(`${notificationId}\n${userId}`).digest('hex').slice(0, 32)}`;
}

/**
 * Creates the inbox channel over the store's inbox table (`outbox.inbox`).
 * @example
 * const inbox = createInboxChannel(outbox.inbox);
 */
export function createInboxChannel(inbox: InboxStore): Channel {
  return {
    name: 'inbox',
    reaches: (r) => r.userId !== null,
    async deliver(message, recipient) {
      if (recipient.userId === null) throw new Error('the inbox reaches users only');
      await inbox.add({
        id: inboxItemId(message.notificationId, recipient.userId),
        userId: recipient.userId,
        outboxId: message.notificationId,
        caseId: message.caseId,
        subject: message.subject,
        body: message.text,
        kind: message.kind,
        createdAt: message.createdAt,
        ackRequired: message.ackRequired,
      });
    },
  };
}
