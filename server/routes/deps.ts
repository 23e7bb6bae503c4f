/**
 * What route modules share: the engine, the people store, the outbox, the org directory,
 * the authenticator, the logger, and the notification dispatcher and templates.
 */
import type { QuotaWatcher } from '../stats/quota-watch.js';
import type { ArchiveReader, Engine } from '../../engine/index.js';
import type { Dispatcher, NotificationTemplates, OutboxStore } from '../../notifications/index.js';
import type { Authenticator, OrgDirectory } from '../access.js';
import type { Logger } from '../logger.js';
import { type PeopleStore } from '../people-ports.js';
import type { AttachmentStore } from '../attachments.js';
import type { DocumentStore } from '../documents/store.js';
import type { StatsStore } from '../stats/stats-ports.js';

export interface RouteDeps {
  engine: Engine;
  people: PeopleStore;
  orgs: OrgDirectory;
  auth: Authenticator;
  logger: Logger;
  /** Outbox rows, deliveries, the inbox and acknowledgements (read by the notification routes and pages). */
  outbox: OutboxStore;
  /** Acknowledges warnings, lists and retries outbox rows (it need not be delivering in this process). */
  dispatcher: Dispatcher;
  /** What definitions are validated against (the engine's own catalog). */
  templates: NotificationTemplates;
  /** Where evidence files are kept (case exports carry them). */
  attachments?: AttachmentStore | undefined;
  /** Where issued documents are kept with their hashes. */
  documents?: DocumentStore | undefined;
  /** Archived cases (`duban archive`): the case list marks them with their archive. */
  archives?: ArchiveReader | undefined;
  /** The statistics' storage (facts, quotas, reports); the statistics routes and pages answer 503 without it. */
  stats?: StatsStore | undefined;
  /** Re-checks a district's quotas at once when one is set (warnings, interview); absent, the next accident step does. */
  quotaWatch?: Pick<QuotaWatcher, 'recheck'> | undefined;
}
