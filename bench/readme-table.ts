/**
 * Regenerates the figures block of README.md from the latest full benchmark
 * run (bench-results/<YYYY-MM-DD>.json): the text between
 * `<!-- bench:start -->` and `<!-- bench:end -->` becomes the date, the
 * machine and one table row per figure with its baseline and ratio.
 *
 *   npm run bench:readme                  # latest bench-results/*.json into README.md
 *   npm run bench:readme -- path/to.json  # a given results file
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fmtRatio, fmtValue, type BenchResult } from './lib.js';

export const START = '<!-- bench:start -->';
export const END = '<!-- bench:end -->';

/** The newest full run in `dir` (`YYYY-MM-DD.json`; quick runs, `-quick.json`, are left out). */
export function latestResultsFile(dir: string): string {
  const runs = readdirSync(dir)
    .filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f))
    .sort();
  const last = runs.at(-1);
  if (!last) throw new Error(`no benchmark results (YYYY-MM-DD.json) in ${dir}; run \`npm run bench\` first`);
  return join(dir, last);
}

/** Markdown table cells must not break the table. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The block that goes between the markers (markers excluded). */
export function renderBlock(results: BenchResult[], date: string): string {
  if (results.length === 0) throw new Error('no figures to render');
  const machines = [...new Set(results.map((r) => `${r.machine.cpus} × ${r.machine.model}, Node ${r.machine.node}, ${r.machine.os}`))];
  const lines = [
    `Measured on ${date} by \`npm run bench\` on ${machines.join('; ')}. Each figure beside its baseline measured in the same run; ratio = value / baseline (medians of interleaved rounds). Regenerate with \`npm run bench:readme\`.`,
    '',
    '| figure | value | baseline (same run) | baseline value | ratio |',
    '|---|---:|---|---:|---:|',
    ...results.map((r) => `| ${cell(r.name)} | ${fmtValue(r.value)} ${cell(r.unit)} | ${cell(r.baseline ?? '—')} | ${r.baselineValue === null ? '—' : `${fmtValue(r.baselineValue)} ${cell(r.unit)}`} | ${fmtRatio(r.ratio)} |`),
  ];
  const notes = results.filter((r) => r.note);
  if (notes.length > 0) lines.push('', ...notes.map((r) => `- ${cell(r.name)}: ${cell(r.note!)}`));
  return lines.join('\n');
}

/** `readme` with the text between the markers replaced by `block`; fails when the markers are missing or out of order. */
export function replaceBlock(readme: string, block: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < 0 || end < start || readme.indexOf(START, start + 1) >= 0 || readme.indexOf(END, end + 1) >= 0) {
    throw new Error(`README must contain exactly one ${START} followed by one ${END}`);
  }
  return `${readme.slice(0, start + START.length)}\n${block}\n${readme.slice(end)}`;
}

/** The date a results file is named after. */
export function dateOf(file: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(basename(file));
  if (!m) throw new Error(`${file} is not named YYYY-MM-DD.json`);
  return m[1]!;
}

export function regenerate(readme: string, resultsJson: string, date: string): string {
  return replaceBlock(readme, renderBlock(JSON.parse(resultsJson) as BenchResult[], date));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const file = process.argv[2] ? resolve(process.argv[2]) : latestResultsFile(join(root, 'bench-results'));
  const readmeFile = join(root, 'README.md');
  const next = regenerate(readFileSync(readmeFile, 'utf8'), readFileSync(file, 'utf8'), dateOf(file));
  writeFileSync(readmeFile, next);
  console.log(`README.md: figures from ${file}`);
}
