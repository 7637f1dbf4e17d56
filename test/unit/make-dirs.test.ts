import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirs } from '../../src/core/make-dirs.js';

const dir = mkdtempSync(join(tmpdir(), 'relay-make-dirs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('makeDirs', () => {
  it('makes every missing level, with the mode asked for, and is fine when they exist', () => {
    const deep = join(dir, 'a', 'b', 'c');
    makeDirs(deep, 0o700);
    makeDirs(deep, 0o700);
    expect(statSync(deep).isDirectory()).toBe(true);
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o700);
  });

  it('names the file that stands where a folder should be', () => {
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => makeDirs(join(dir, 'file', 'sub', 'deeper'))).toThrow(expect.objectContaining({ code: 'ENOTDIR', path: join(dir, 'file') }));
  });

  it.runIf(process.platform === 'linux')('returns an error under /proc, where Node\'s recursive mkdir never returns', () => {
    expect(() => makeDirs('/proc/relay-no-such/x')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
