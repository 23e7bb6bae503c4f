/**
 * A separate OS process that writes to a shared store, for the multi-process
 * store test: migrates (racing its siblings on a bare database), creates case
 * `caseId` unless a sibling already did, then appends `writes` events with
 * lockCase + retry on version_conflict. Prints `{ "attempts": n }` on success.
 *
 * Run: node --import tsx test/support/store-writer-process.ts '<json WriterArgs>'
 */
import { createKnexStore, type KnexStoreOptions } from '../../engine/adapters/knex-store.js';
import { createCommit, nextCommit } from './builders.js';

/** What the parent passes as the single JSON argument. */
export interface WriterArgs {
  options: KnexStoreOptions;
  caseId: string;
  writes: number;
  writer: string;
}

const isConflict = (error: unknown) => (error as { code?: unknown }).code === 'version_conflict';

async function main(args: WriterArgs): Promise<number> {
  const store = createKnexStore(args.options);
  let attempts = 0;
  try {
    await store.migrate();
    await store.transaction((tx) => tx.commit(createCommit(args.caseId))).catch((error: unknown) => {
      if (!isConflict(error)) throw error; // a sibling created it first
    });
    for (let i = 0; i < args.writes; i++) {
      for (;;) {
        attempts++;
        try {
          await store.transaction(async (tx) => {
            const current = await tx.lockCase(args.caseId);
            await tx.commit(nextCommit(current!, { payload: { writer: args.writer, i } }));
          });
          break;
        } catch (error) {
          if (!isConflict(error)) throw error;
        }
      }
    }
  } finally {
    await store.close();
  }
  return attempts;
}

main(JSON.parse(process.argv[2] ?? '{}') as WriterArgs).then(
  (attempts) => console.log(JSON.stringify({ attempts })),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
