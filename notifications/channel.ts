/**
 * The `Channel` port: one way of putting a rendered notification in front of
 * one person (e-mail, the in-app inbox, a webhook). Small and in domain
 * words; each implementation is a file of its own.
 */
import type { Addressee } from './recipients.js';

/** The channels a notification may name (the engine's `CHANNELS`). */
export type ChannelName = 'inbox' | 'email' | 'webhook';

/** A notification rendered for one recipient. */
export interface OutgoingMessage {
  /** The outbox id: stable across retries, so a receiver can drop a duplicate. */
  notificationId: string;
  caseId: string;
  kind: string;
  template: string;
  subject: string;
  html: string;
  text: string;
  /** Whether the recipient must acknowledge it (预警"叫应"). */
  ackRequired: boolean;
  ackUrl: string | null;
  ackDueAt: string | null;
  /** When the notification was issued (the step's commit time). */
  createdAt: string;
}

/** Delivers rendered notifications through one medium. */
export interface Channel {
  readonly name: ChannelName;
  /** Whether this channel can reach the recipient at all (an e-mail address, a user account, a webhook URL). */
  reaches(recipient: Addressee): boolean;
  /** Delivers one message to one recipient; throws when it was not accepted (the dispatcher retries). */
  deliver(message: OutgoingMessage, recipient: Addressee): Promise<void>;
  /** Releases connections. */
  close?(): Promise<void>;
}
