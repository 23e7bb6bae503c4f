/**
 * The composition root: the one place that reads `process.env` and wires the
 * store, clock and engine together for the CLI and the server.
 */
import { builtinWorkflows } from '../workflows/index.js';
import { createEngine, createKnexPeopleStore, createKnexStore, createOffsetClock, systemClock, type Engine, type PeopleStore, type Store } from '../engine/index.js';
import { loadConfig, parseOffset, type Config } from './config.js';

export interface Runtime {
  config: Config;
  store: Store;
  engine: Engine;
  people: PeopleStore;
  close(): Promise<void>;
}

/** Reads the configuration from the environment (throws `ConfigError`). */
export function configFromEnv(): Config {
  return loadConfig(process.env);
}

/** Opens the store (running migrations) and creates the engine with the built-in workflows. */
export async function openRuntime(config: Config, opts: { registerBuiltins?: boolean } = {}): Promise<Runtime> {
  const store = config.DATABASE_URL ? createKnexStore({ databaseUrl: config.DATABASE_URL }) : createKnexStore({ sqliteFile: config.DUBAN_DB });
  try {
    await store.migrate();
    const offset = config.DUBAN_CLOCK_OFFSET ? parseOffset(config.DUBAN_CLOCK_OFFSET) ?? 0 : 0;
    const clock = offset ? createOffsetClock(offset) : systemClock;
    const engine = await createEngine({ store, clock, workflows: opts.registerBuiltins === false ? [] : builtinWorkflows });
    return { config, store, engine, people: createKnexPeopleStore(store), close: () => store.close() };
  } catch (err) {
    await store.close();
    throw err;
  }
}
