import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { dateOf, END, latestResultsFile, regenerate, renderBlock, replaceBlock, START } from '../../bench/readme-table.js';

const fixtureFile = new URL('./fixtures/2026-11-29.json', import.meta.url);
const fixture = readFileSync(fixtureFile, 'utf8');
const readme = ['# Duban', '', '## Measured figures', '', 'Intro stays.', '', START, 'old table', '| a | b |', END, '', '## Known limits', 'Stays too.', ''].join('\n');

describe('bench:readme', () => {
  it('replaces only the text between the markers with the date, the machine and one row per figure', () => {
    const out = regenerate(readme, fixture, '2026-11-29');
    expect(out.startsWith('# Duban\n\n## Measured figures\n\nIntro stays.\n\n<!-- bench:start -->\n')).toBe(true);
    expect(out.endsWith('<!-- bench:end -->\n\n## Known limits\nStays too.\n')).toBe(true);
    expect(out).not.toContain('old table');
    expect(out).toContain('Measured on 2026-11-29 by `npm run bench` on 2 × AMD EPYC, Node v20.20.2, Linux 6.18 x64.');
    expect(out).toContain('| durable sends, SQLite, 1 sender | 1,712 sends/s | raw better-sqlite3 insert+update tx | 38,212 sends/s | 0.045 |');
    // A pipe in a name is escaped; a figure without baseline shows dashes; small values keep their decimals.
    expect(out).toContain('| bytes per event, hazard case | 5,124 B | raw SQLite \\| same events | 819 B | 6.256 |');
    expect(out).toContain('| timers, spread, lateness p99 | 0.80 ms | — | — | — |');
    expect(out).toContain('- durable sends, SQLite, 1 sender: 2,000 sends over 16 cases; median of 3 interleaved rounds');
  });

  it('is idempotent: regenerating its own output changes nothing', () => {
    const once = regenerate(readme, fixture, '2026-11-29');
    expect(regenerate(once, fixture, '2026-11-29')).toBe(once);
  });

  it('refuses a README without both markers, or with them reversed or twice', () => {
    const block = renderBlock(JSON.parse(fixture), '2026-11-29');
    expect(() => replaceBlock('# no markers', block)).toThrow(/exactly one/);
    expect(() => replaceBlock(`${END}\n${START}`, block)).toThrow(/exactly one/);
    expect(() => replaceBlock(`${START}${END}${START}${END}`, block)).toThrow(/exactly one/);
    expect(() => renderBlock([], '2026-11-29')).toThrow(/no figures/);
  });

  it('takes the newest full run, leaving quick runs out, and its date from the file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'duban-bench-readme-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    for (const f of ['2026-11-28.json', '2026-11-30-quick.json', '2026-11-29.json', 'notes.txt']) writeFileSync(join(dir, f), '[]');
    expect(latestResultsFile(dir)).toBe(join(dir, '2026-11-29.json'));
    expect(dateOf(latestResultsFile(dir))).toBe('2026-11-29');
    rmSync(join(dir, '2026-11-28.json'));
    rmSync(join(dir, '2026-11-29.json'));
    expect(() => latestResultsFile(dir)).toThrow(/no benchmark results/);
  });
});
