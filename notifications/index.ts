/**
 * @module duban/notifications
 * Notifications (DESIGN §6): handlebars templates (zh-CN first, en second),
 * the outbox dispatcher that delivers what steps committed, the channels
 * (e-mail over SMTP, the in-app inbox, signed webhooks), recipient resolution
 * and acknowledged warnings (预警"叫应"). Named exports only.
 *
 * What a server wires:
 *
 * ```ts
 * const templates = createTemplateCatalog();                       // checked by the engine's loader
 * const engine = await createEngine({ store, templates, workflows });
 * const outbox = createKnexOutboxStore(store);                     // the outbox, inbox and acknowledgements (migrations 004, 005, 015)
 * const dispatcher = createDispatcher({
 *   engine, outbox, directory,                                             // a RecipientDirectory over the people tables
 *   templates, app: { name: '督办', url: PUBLIC_URL },
 *   channels: [createInboxChannel(outbox.inbox), createEmailChannel({ url: SMTP_URL, from }), createWebhookChannel({ secret })],
 * });
 * await dispatcher.start();                                        // embedded; or createBullmqDelivery({ dispatcher, connection: REDIS_URL }).start()
 * await dispatcher.acknowledge(id, actor);                         // POST /notifications/:id/ack
 * await dispatcher.stop();
 * ```
 */
export {
  createTemplateCatalog,
  pickLocale,
  BUILTIN_TEMPLATE_DIR,
  RUNTIME_OPTIONS,
  type NotificationTemplates,
  type TemplateCatalogOptions,
  type TemplateContext,
  type RenderedMessage,
} from './templates.js';
export { formatDate, workdaysLeft, localizedText, caseUrl, LOCALES, DEFAULT_LOCALE, TEMPLATE_HELPERS, type Locale, type RenderEnv } from './helpers.js';
export { templateVariables } from './template-variables.js';
export type { Channel, ChannelName, OutgoingMessage } from './channel.js';
export { createEmailChannel, type EmailChannelOptions } from './email-channel.js';
export { createInboxChannel, inboxItemId } from './inbox-channel.js';
export { createWebhookChannel, signWebhookBody, verifyWebhookSignature, type WebhookChannelOptions } from './webhook-channel.js';
export { createMemoryDirectory, resolveRecipients, dataFor, type User, type RecipientDirectory, type Addressee } from './recipients.js';
export { createDispatcher, type Dispatcher, type DispatcherOptions, type NotificationStats, type PendingListener } from './dispatcher.js';
export type { DeliveryOutcome } from './deliver-row.js';
export type { AckResult } from './acks.js';
export { NOTIFICATIONS_ACTOR, defaultBackoffMs, type AppInfo, type CaseDescriber, type NotificationLogger } from './context.js';
export { escalationId, warningOf } from './outbox-row.js';
export { createBullmqDelivery, notificationJobId, NotificationJobDataSchema, type BullmqDelivery, type BullmqDeliveryOptions } from './bullmq-delivery.js';
export { NotificationError, NOTIFICATION_ERROR_CODES, type NotificationErrorCode } from './errors.js';
export { createKnexOutboxStore, type OutboxDatabase } from './knex-outbox.js';
export type { OutboxStore, OutboxRecord, OutboxStatus, OutboxRelease, NewOutboxRecord, DeliveryStore, DeliveryRecord, InboxStore, InboxItem, AckStore, AckRecord, AckStatus } from './outbox-ports.js';
