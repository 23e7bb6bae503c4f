/**
 * The HTTP load generator, run in its own process (bench/http.ts forks it) so
 * it does not share the server's event loop: one autocannon run against
 * `GET /healthz` or `POST /api/v1/cases/:id/events` (a note, cases in turn).
 */
import autocannon from 'autocannon';
import { childMain } from './lib.js';

export interface LoadInput {
  url: string;
  kind: 'healthz' | 'events';
  connections: number;
  seconds: number;
  token: string;
  caseIds: string[];
}
export interface LoadOutput {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** The status codes seen, comma-separated. */
  statusCodes: string;
}

childMain<LoadInput, LoadOutput>(
  (input) =>
    new Promise((resolve, reject) => {
      let next = 0;
      const opts: autocannon.Options =
        input.kind === 'healthz'
          ? { url: `${input.url}/healthz`, connections: input.connections, duration: input.seconds }
          : {
              url: input.url,
              connections: input.connections,
              duration: input.seconds,
              headers: { authorization: `Bearer ${input.token}`, 'content-type': 'application/json' },
              requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, path: `/api/v1/cases/${input.caseIds[next++ % input.caseIds.length]}/events`, body: JSON.stringify({ type: 'note', payload: { text: `n${next}` } }) }) }],
            };
      autocannon(opts, (err, r) => {
        if (err) return reject(err);
        resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, non2xx: r.non2xx, errors: r.errors, statusCodes: Object.keys(r.statusCodeStats ?? {}).join(",") });
      });
    }),
);
