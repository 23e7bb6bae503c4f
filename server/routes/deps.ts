/**
 * What route modules share: the engine, the people store, the org directory,
 * the authenticator, the logger and the metrics.
 */
import type { Engine, PeopleStore } from '../../engine/index.js';
import type { Authenticator, OrgDirectory } from '../access.js';
import type { Logger } from '../logger.js';

export interface RouteDeps {
  engine: Engine;
  people: PeopleStore;
  orgs: OrgDirectory;
  auth: Authenticator;
  logger: Logger;
}
