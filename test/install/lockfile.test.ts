/**
 * The lockfile installs every platform's own native build: an optional
 * platform package (`@scope/pkg-darwin-arm64`…) is never an alias of another
 * platform's package, and every package with an install script is either
 * allowed in `allowScripts` or known not to need it.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

interface LockEntry { name?: string; optional?: boolean; hasInstallScript?: boolean }
const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockEntry> };
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { allowScripts?: Record<string, boolean>; overrides?: Record<string, string> };

describe('package-lock.json', () => {
  it('resolves each optional platform package to its own name', () => {
    const aliased = Object.entries(lock.packages)
      .filter(([key, entry]) => key.startsWith('node_modules/') && entry.name !== undefined && entry.name !== key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length))
      .map(([key, entry]) => `${key} → ${entry.name}`);
    expect(aliased).toEqual([]);
    expect(Object.values(pkg.overrides ?? {}).filter((v) => v.startsWith('npm:'))).toEqual([]);
  });

  it('covers every install script of the dependency tree in allowScripts', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([key, entry]) => key.startsWith('node_modules/') && entry.hasInstallScript && !entry.optional)
      .map(([key]) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts.filter((name) => pkg.allowScripts?.[name] === undefined)).toEqual([]);
  });
});
