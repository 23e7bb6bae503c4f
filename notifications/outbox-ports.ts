/**
 * The notifications' own storage port (DESIGN §6): outbox rows (written by the
 * engine's `StoreTx.commit`, one per `notify` effect, in the step's
 * transaction), the per-recipient deliveries, the in-app inbox and the
 * acknowledged warnings (预警"叫应"). The dispatcher reads and claims them; no
 * library type appears here.
 */

/** pending → sending (claimed) → sent | dead (retries used up) | unresolved (no recipient could be found). */
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'dead' | 'unresolved';

/** One notification to deliver. JSON columns are decoded, not validated: the dispatcher parses them. */
export interface OutboxRecord {
  /** The effect id (`caseId/seq/index`), or `<root>/ack<k>` for the k-th escalation of a warning. */
  id: string;
  caseId: string;
  seq: number;
  template: string;
  kind: string;
  channels: unknown;
  recipients: unknown;
  ack: unknown;
  /** What the template is rendered with; with `input: 'case'` only what the case does not hold (a rung's `deadline`). */
  vars: unknown;
  confidential: unknown;
  /**
   * `case`: the case, its data and the event are the case's at `seq` (read
   * back through the engine; migration 015); null: `vars` holds them all.
   */
  input: 'case' | null;
  status: OutboxStatus;
  /** Dispatch attempts made so far. */
  attempts: number;
  nextAttemptAt: string;
  claimedBy: string | null;
  claimExpiresAt: string | null;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

/** What a new outbox row written outside a step (an escalation) carries; `input` as on the row it follows (default null). */
export type NewOutboxRecord = Pick<OutboxRecord, 'id' | 'caseId' | 'seq' | 'template' | 'kind' | 'channels' | 'recipients' | 'ack' | 'vars' | 'confidential' | 'createdAt' | 'nextAttemptAt'> & { input?: OutboxRecord['input'] | undefined };

/** How a dispatcher leaves a row it claimed. */
export interface OutboxRelease {
  status: 'pending' | 'sent' | 'dead' | 'unresolved';
  attempts: number;
  /** When a `pending` row may be tried again. */
  nextAttemptAt?: string | undefined;
  lastError: string | null;
  sentAt?: string | undefined;
}

/** One recipient × channel of a notification, so a retry skips those already served. */
export interface DeliveryRecord {
  outboxId: string;
  /** The user id, or `mailto:<address>` for an address held in a data field. */
  recipient: string;
  userId: string | null;
  /** The e-mail address or webhook URL used, if any. */
  address: string | null;
  channel: string;
  status: 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  deliveredAt: string | null;
  updatedAt: string;
}

/** Deliveries, recorded attempt by attempt. */
export interface DeliveryStore {
  list(outboxId: string): Promise<DeliveryRecord[]>;
  /** Records one attempt (an upsert that counts attempts); `sent` sets `deliveredAt`. */
  record(attempt: { outboxId: string; recipient: string; userId: string | null; address: string | null; channel: string; status: DeliveryRecord['status']; error: string | null; at: string }): Promise<void>;
  /** Whether `userId` was resolved as a recipient of any of these notifications. */
  reached(outboxIds: readonly string[], userId: string): Promise<boolean>;
}

/** One message in a user's in-app inbox. */
export interface InboxItem {
  id: string;
  userId: string;
  outboxId: string;
  caseId: string;
  subject: string;
  body: string;
  kind: string;
  createdAt: string;
  readAt: string | null;
  ackRequired: boolean;
  acknowledgedAt: string | null;
}

/** The in-app inbox: one table, rows per user. */
export interface InboxStore {
  /** Adds an item; false when the user already has one for that notification. */
  add(item: Omit<InboxItem, 'readAt' | 'acknowledgedAt'>): Promise<boolean>;
  /** One item of that user's inbox (undefined when it is not theirs). */
  get(userId: string, itemId: string): Promise<InboxItem | undefined>;
  /** A user's items, newest first; `before` pages. */
  list(userId: string, opts?: { unreadOnly?: boolean; limit?: number; before?: { createdAt: string; id: string } }): Promise<InboxItem[]>;
  /** Marks an item of that user read; false when it is not theirs or was read before. */
  markRead(userId: string, itemId: string, at: string): Promise<boolean>;
  countUnread(userId: string): Promise<number>;
  /** Marks that user's items of these notifications acknowledged; resolves to how many changed. */
  markAcknowledged(userId: string, outboxIds: readonly string[], at: string): Promise<number>;
}

/** waiting (for an acknowledgement) → acknowledged | exhausted (the chain ran out) | cancelled (the case closed). */
export type AckStatus = 'waiting' | 'acknowledged' | 'exhausted' | 'cancelled';

/** An acknowledged warning (叫应), keyed by the outbox id of its first notification. */
export interface AckRecord {
  notificationId: string;
  caseId: string;
  /** 0 while the first recipients are waited for; k once the k-th step of the chain was notified. */
  step: number;
  /** When the current step's recipients must have acknowledged. */
  dueAt: string;
  status: AckStatus;
  claimedBy: string | null;
  claimExpiresAt: string | null;
  acknowledgedBy: string | null;
  /** The acknowledging actor as the event records it. */
  acknowledgedActor: unknown;
  /** Which notification of the warning (the first or an escalation) was acknowledged. */
  acknowledgedId: string | null;
  comment: string | null;
  acknowledgedAt: string | null;
  /** When the `notification.acknowledged` event reached the case history. */
  recordedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The acknowledged warnings. Escalating claims a row like a timer (one conditional UPDATE). */
export interface AckStore {
  /** Starts waiting for an acknowledgement; false when the row exists. */
  open(row: { notificationId: string; caseId: string; dueAt: string; createdAt: string }): Promise<boolean>;
  get(notificationId: string): Promise<AckRecord | undefined>;
  /** Waiting rows due at `now` or before, not claimed (or whose claim expired), earliest first. */
  listDue(now: string, limit: number): Promise<AckRecord[]>;
  nextDueAt(now: string): Promise<string | undefined>;
  claim(notificationId: string, owner: string, now: string, until: string): Promise<boolean>;
  /** Moves a claimed, still waiting row to its next step (or ends it) and releases the claim. */
  advance(notificationId: string, owner: string, next: { step: number; dueAt: string; status: 'waiting' | 'exhausted' | 'cancelled'; at: string }): Promise<boolean>;
  /** Records the acknowledgement if the row is waiting or exhausted; false otherwise. */
  acknowledge(notificationId: string, ack: { userId: string; actor: unknown; acknowledgedId: string; comment: string | null; at: string }): Promise<boolean>;
  markRecorded(notificationId: string, at: string): Promise<void>;
  /** Acknowledged rows whose event has not reached the history yet. */
  listUnrecorded(limit: number): Promise<AckRecord[]>;
}

/** The outbox rows, as dispatchers see them. Steps write rows through `StoreTx.commit`. */
export interface OutboxStore {
  /** Rows due at `now` or before that are pending or whose claim expired, oldest first. */
  listDue(now: string, limit: number): Promise<OutboxRecord[]>;
  /** The earliest `nextAttemptAt` of a claimable row, or undefined. */
  nextDueAt(now: string): Promise<string | undefined>;
  /** Claims a row until `until` if it is pending and due, or its claim expired; false when another process has it. */
  claim(id: string, owner: string, now: string, until: string): Promise<boolean>;
  /** Leaves a row this owner claimed; false when the claim was lost. */
  release(id: string, owner: string, outcome: OutboxRelease): Promise<boolean>;
  /** Adds a row (an escalation); false when the id exists. */
  enqueue(row: NewOutboxRecord): Promise<boolean>;
  get(id: string): Promise<OutboxRecord | undefined>;
  /** Rows by id order, optionally of one status, one case or the cases of some orgs; `afterId` pages. */
  list(filter: { status?: OutboxStatus; caseId?: string; orgs?: readonly string[]; limit: number; afterId?: string }): Promise<OutboxRecord[]>;
  /** Puts a dead or unresolved row back to pending with fresh attempts; false for any other row. */
  retry(id: string, now: string): Promise<boolean>;
  /** Rows per status, optionally only those of the cases of some orgs. */
  count(filter?: { orgs?: readonly string[] }): Promise<Record<OutboxStatus, number>>;
  readonly deliveries: DeliveryStore;
  readonly inbox: InboxStore;
  readonly acks: AckStore;
}
