/**
 * @module duban/server
 * The HTTP server: the app factory, the runtime composition root and what the
 * benchmarks and examples need to run a server in-process. Named exports only.
 */
export { createApp, type AppOptions } from './app.js';
export { configFromEnv, openRuntime, loadTemplates, type Runtime } from './main.js';
export { loadConfig, ConfigError, type Config } from './config.js';
export { createLogger, type Logger } from './logger.js';
export { createMetrics, type Metrics } from './metrics.js';
export { createUser, importOrgTree } from './people.js';
export { loadDemoData, DEMO_ORG_TREE, DEMO_USERS, DEMO_MAIL_DOMAIN } from './demo.js';
export { startServer, type RunningServer, type StartServerOptions } from './serve.js';
export { startWorker, assertWorkerConfig, type RunningWorker, type StartWorkerOptions } from './worker.js';
export { createNotifier, type Notifier, type NotifierOptions } from './notifier.js';
export { createPeopleDirectory, type PeopleDirectoryOptions } from './directory.js';
export { buildCaseFile, verifyCaseFile, type CaseFile, type CaseFileReport } from './case-file.js';
export { toMermaid } from './diagram.js';
export { API_ERROR_CODES, ERROR_STATUS, type ApiErrorCode } from './http-errors.js';
export { createKnexPeopleStore, type PeopleDatabase } from './knex-people.js';
export { ORG_LEVELS, type OrgRecord, type OrgLevel, type EnterpriseProfile, type UserRecord, type TokenRecord, type PeopleStore, type SaveOutcome, type SessionRecord, type SessionStore } from './people-ports.js';
export { createOrgDirectory } from './access.js';
export { setDocNumberPrefix, listDocNumberSeries } from './doc-numbers.js';
export { buildMonthlyReport, monthlyWorkbook, monthlyHtml } from './stats/report.js';
export { buildDashboard } from './stats/dashboard.js';
export { rebuildFacts, BUILTIN_FACTS } from './stats/facts-store.js';
export { createKnexStatsStore } from './stats/knex-stats.js';
export type { StatsStore } from './stats/stats-ports.js';
