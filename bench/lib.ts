/**
 * What every benchmark shares: the result row, the machine, rounds run
 * interleaved (baseline, measured, baseline, measured, …) with medians, the
 * size knobs (`--quick` / `BENCH_QUICK=1` for a CI-size smoke run) and child
 * processes for load generators and clean heaps.
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

/** One figure beside its baseline measured in the same run. `ratio` is value / baselineValue. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** What the figure is compared with (null: no baseline; the figure stands alone). */
  baseline: string | null;
  baselineValue: number | null;
  ratio: number | null;
  /** Sizes, rounds and anything a reader needs to read the figure right. */
  note?: string;
  machine: Machine;
}

export interface Machine {
  cpus: number;
  model: string;
  node: string;
  os: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return { cpus: cpus.length, model: cpus[0]?.model.trim() ?? 'unknown', node: process.version, os: `${os.type()} ${os.release()} ${os.arch()}` };
}

/** True for a CI-size smoke run (`npm run bench -- --quick` or `BENCH_QUICK=1`). */
export const QUICK = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';

/** A size from the environment, else the full or the quick default. */
export function size(envName: string, full: number, quick: number): number {
  const v = process.env[envName];
  return v !== undefined && v !== '' ? Number(v) : QUICK ? quick : full;
}

/** How many interleaved rounds each comparison runs (`BENCH_ROUNDS`, 3 by default, 1 when quick). */
export const ROUNDS = size('BENCH_ROUNDS', 3, 1);

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function rate(n: number, ms: number): number {
  return (n / ms) * 1000;
}

/**
 * Runs `rounds` rounds of every named measurement, in turn inside each round
 * (so drift on a shared machine hits all of them alike), and returns the
 * median of each. A measurement returns one number or several named ones.
 */
export async function interleaved<K extends string>(rounds: number, measures: Record<K, () => Promise<number> | number>): Promise<Record<K, number>> {
  const samples = Object.fromEntries(Object.keys(measures).map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < rounds; r++) {
    for (const k of Object.keys(measures) as K[]) samples[k].push(await measures[k]());
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v as number[])])) as Record<K, number>;
}

/** A result row; the ratio is value / baseline. */
export function result(name: string, value: number, unit: string, baseline?: { name: string; value: number }, note?: string): BenchResult {
  return {
    name,
    value,
    unit,
    baseline: baseline?.name ?? null,
    baselineValue: baseline?.value ?? null,
    ratio: baseline && baseline.value !== 0 && Number.isFinite(baseline.value) ? value / baseline.value : null,
    ...(note ? { note } : {}),
    machine: machine(),
  };
}

export function fmt(n: number | null, digits = 0): string {
  if (n === null || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Number formatting that keeps small figures readable (p50 of 0.8 ms, a ratio of 0.044). */
export function fmtValue(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '—';
  const a = Math.abs(n);
  return fmt(n, a >= 100 ? 0 : a >= 10 ? 1 : 2);
}

export function fmtRatio(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return '—';
  return Math.abs(r) >= 10 ? r.toFixed(1) : Math.abs(r) >= 0.01 || r === 0 ? r.toFixed(3) : r.toPrecision(2);
}

/**
 * Runs a TypeScript file of bench/ in its own Node process (through tsx), sends
 * it `input`, and resolves with the one message it sends back.
 */
export function runChild<T>(file: string, input: unknown, execArgv: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL(file, import.meta.url)), [], { execArgv: [...execArgv, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answer: { ok: true; value: T } | { ok: false; error: string } | undefined;
    child.on('message', (m) => (answer = m as typeof answer));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (answer?.ok) resolve(answer.value);
      else reject(new Error(answer && !answer.ok ? answer.error : `${file} exited with code ${code} without an answer`));
    });
    child.send(input as object);
  });
}

/** The child side of {@link runChild}: reads the input, answers with `work`'s value, exits. */
export function childMain<I, T>(work: (input: I) => Promise<T>): void {
  process.once('message', (input) => {
    work(input as I).then(
      (value) => process.send!({ ok: true, value }, () => process.exit(0)),
      (err: unknown) => process.send!({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () => process.exit(1)),
    );
  });
}

/** Prints the one table: figure, value, baseline, its value, ratio. */
export function table(results: BenchResult[]): string {
  const rows = results.map((r) => [r.name, `${fmtValue(r.value)} ${r.unit}`, r.baseline ?? '—', r.baselineValue === null ? '—' : `${fmtValue(r.baselineValue)} ${r.unit}`, fmtRatio(r.ratio)]);
  const head = ['figure', 'value', 'baseline (same run)', 'baseline value', 'ratio'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 || i === 3 || i === 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
