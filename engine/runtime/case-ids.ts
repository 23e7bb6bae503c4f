/**
 * Walks every case id in id order, a page at a time, so a pass over all cases
 * (verify, re-baseline) holds at most one page in memory and never a
 * transaction across pages.
 */
import type { Store } from '../ports.js';

/** Yields each case id, reading `batchSize` ids per query. */
export async function* eachCaseId(store: Pick<Store, 'listCaseIds'>, batchSize = 200): AsyncGenerator<string> {
  let after: string | undefined;
  for (;;) {
    const ids = await store.listCaseIds(after, batchSize);
    if (ids.length === 0) return;
    yield* ids;
    after = ids[ids.length - 1];
  }
}
