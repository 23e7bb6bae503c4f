/**
 * A PostgreSQL session-level advisory lock held on its own connection while a
 * function runs. Used to serialise `migrate()` across processes: knex's own
 * migration lock only makes the losers fail, and its bookkeeping tables can be
 * created twice when several processes start at the same moment.
 */
import pg from 'pg';

/**
 * Runs `fn` while holding the advisory lock named `name` on the database at
 * `connectionString`; other holders of the same name wait. The lock lives on a
 * separate connection, so `fn` may use a pool of any size.
 */
export async function withPgAdvisoryLock<T>(connectionString: string, name: string, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    // hashtext folds the name into the lock's 32-bit key space; a collision
    // only makes two unrelated migrations wait for each other.
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    try {
      return await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
    }
  } finally {
    await client.end();
  }
}
