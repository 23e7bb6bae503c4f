/**
 * What route modules share: the engine, the people store, the org directory,
 * the authenticator, the logger, and the notification dispatcher and templates.
 */
import type { Engine, PeopleStore } from '../../engine/index.js';
import type { Dispatcher, NotificationTemplates } from '../../notifications/index.js';
import type { Authenticator, OrgDirectory } from '../access.js';
import type { Logger } from '../logger.js';
import type { AttachmentStore } from '../attachments.js';

export interface RouteDeps {
  engine: Engine;
  people: PeopleStore;
  orgs: OrgDirectory;
  auth: Authenticator;
  logger: Logger;
  /** Acknowledges warnings, lists and retries outbox rows (it need not be delivering in this process). */
  dispatcher: Dispatcher;
  /** What definitions are validated against (the engine's own catalog). */
  templates: NotificationTemplates;
  /** Where evidence files are kept (case exports carry them). */
  attachments?: AttachmentStore | undefined;
}
