import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runRelay } from '../helpers/relay.js';
import { RELAY_BIN } from '../helpers/sim.js';

const HOOK = resolve(fileURLToPath(new URL('.', import.meta.url)), '../helpers/record-imports.mjs');

function packagesLoaded(args: string[]): string[] {
  const r = spawnSync(process.execPath, ['--import', HOOK, RELAY_BIN, ...args], { encoding: 'utf8' });
  const names = r.stderr.split('\n').filter((l) => l.startsWith('RELAY_IMPORT ')).map((l) => {
    const rest = l.split('/node_modules/').pop()!;
    return rest.startsWith('@') ? rest.split('/').slice(0, 2).join('/') : rest.split('/')[0];
  });
  return [...new Set(names)].sort();
}

describe('start-up', () => {
  it('relay --help and --version load only commander (no tokenizer, histogram or chalk)', () => {
    expect(packagesLoaded(['--help'])).toEqual(['commander']);
    expect(packagesLoaded(['--version'])).toEqual(['commander']);
    expect(packagesLoaded(['chat', '--help'])).toEqual(['commander']);
  });

  it('relay --help lists every command with an example, and the exit codes', async () => {
    const r = await runRelay(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['chat', 'models', 'config', 'sim', 'batch', 'bench', 'cost', 'route']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^  relay ${cmd}\\b`, 'm'));
    }
    expect(r.stdout).toMatch(/Exit codes: 0 ok/);
  });

  it('relay --version prints the package version', async () => {
    const r = await runRelay(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
