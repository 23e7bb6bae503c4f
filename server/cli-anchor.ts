/**
 * `duban audit anchor-key`, `duban audit anchor` and the anchor half of
 * `duban audit verify --anchors`: generate the signing key, make a
 * checkpoint now, check the database against an anchor log.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { anchorPublicKey, EngineError, generateAnchorKey, verifyAnchors, type AnchorPublicKey } from '../engine/index.js';
import { anchorNow, loadAnchorSetup } from './anchoring.js';
import { ConfigError } from './config.js';
import type { Runtime } from './main.js';

type WithRuntime = <T>(fn: (rt: Runtime) => Promise<T>, opts?: { registerBuiltins?: boolean }) => Promise<T>;

/** Adds `anchor-key` and `anchor` to the `audit` command. */
export function registerAnchorCommands(audit: Command, withRuntime: WithRuntime): void {
  audit
    .command('anchor-key')
    .description('generate the Ed25519 key that signs anchor checkpoints: the private key to --out (point DUBAN_ANCHOR_KEY at it; keep it off the database server or out of the database owner\'s reach), the public key to <out>.pub and on screen')
    .requiredOption('--out <file>', 'where to write the private key (PEM); an existing file is never overwritten')
    .action(async (opts: { out: string }) => {
      const k = generateAnchorKey();
      const pub = `${opts.out}.pub`;
      for (const file of [opts.out, pub]) {
        // Never overwrite a key that may already sign a log.
        if (existsSync(file)) throw new EngineError('invalid_anchor_key', `${path.resolve(file)} already exists; an anchor key is never overwritten (move it away first)`);
      }
      await writeFile(opts.out, k.privateKeyPem, { flag: 'wx', mode: 0o600 });
      await writeFile(pub, k.publicKeyPem, { flag: 'wx', mode: 0o644 });
      console.log(`private key: ${path.resolve(opts.out)} (set DUBAN_ANCHOR_KEY to this path)`);
      console.log(`public key:  ${path.resolve(pub)} (give it to auditors: duban audit verify --anchors <log> --anchor-public-key ${pub})`);
      console.log(`key id:      ${k.keyId}`);
      process.stdout.write(k.publicKeyPem);
    });

  audit
    .command('anchor')
    .description('make a signed anchor checkpoint now (Merkle root over every case\'s last hash) and append it to the anchor log (and POST it to DUBAN_ANCHOR_WITNESS_URL); needs DUBAN_ANCHOR_KEY')
    .action(async () => {
      await withRuntime(async ({ config, anchors, engine }) => {
        const setup = loadAnchorSetup(config);
        if (!setup) throw new ConfigError([{ variable: 'DUBAN_ANCHOR_KEY', message: 'is required by duban audit anchor: the path of the signing key (make one with duban audit anchor-key --out <file>)' }]);
        const r = await anchorNow({ anchors, clock: engine.clock }, setup);
        if (!r.made) {
          console.log('another process is making a checkpoint right now; nothing written');
          return;
        }
        console.log(`checkpoint ${r.line.seq}: ${r.line.cases} case(s), root ${r.line.root}, key ${r.line.keyId}, appended to ${r.logPath}`);
        if (r.witness === 'sent') console.log(`witness: sent to ${setup.witnessUrl}`);
        else if (r.witness !== 'off') {
          console.log(`✗ witness ${setup.witnessUrl} did not take the checkpoint: ${r.witness.error} (the line is in the log; send it again by hand)`);
          process.exitCode = 1;
        }
      }, { registerBuiltins: false });
    });
}

/** Reads the public keys given with `--anchor-public-key`; exits 1 naming a bad file. */
async function readPublicKeys(files: readonly string[]): Promise<AnchorPublicKey[]> {
  const keys: AnchorPublicKey[] = [];
  for (const file of files) keys.push(anchorPublicKey(await readFile(file, 'utf8')));
  return keys;
}

/**
 * The anchor half of `audit verify`: prints what the log and the database
 * say, and resolves to false when anything contradicts a checkpoint.
 */
export async function verifyAgainstAnchorLog(rt: Pick<Runtime, 'anchors'>, logFile: string, publicKeyFiles: readonly string[]): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(logFile, 'utf8');
  } catch (err) {
    console.log(`✗ anchor log ${logFile} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return false;
  }
  const keys = publicKeyFiles.length > 0 ? await readPublicKeys(publicKeyFiles) : undefined;
  const r = await verifyAnchors(rt.anchors, text, { keys });
  const keyText = r.keySource === 'given' ? `key ${r.keyIds.join(', ') || '(none)'} (given)` : `key ${r.keyIds.join(', ') || '(none)'} taken from the log itself: check it against the published key, or pass --anchor-public-key`;
  console.log(`anchors: ${r.checkpoints} checkpoint(s), ${r.headsChecked} anchored case head(s) checked, ${keyText}`);
  if (r.checkpoints === 0 && !r.logFailure) {
    console.log(`✗ anchor log ${logFile} holds no checkpoint`);
    return false;
  }
  if (r.logFailure) {
    const f = r.logFailure;
    console.log(`✗ anchor log line ${f.line}${f.checkpoint === undefined ? '' : ` (checkpoint ${f.checkpoint})`}: ${f.reason}`);
  }
  for (const c of r.contradictions) console.log(`✗ checkpoint ${c.checkpoint} (${c.at}): case ${c.caseId} seq ${c.seq}: ${c.reason}`);
  if (r.ok) console.log('✓ every anchored case head is still in the database: nothing up to the last checkpoint was rewritten');
  return r.ok;
}
