import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, loadProfilesFile, parseProfileSpec, patchFromObject, resolveProfile } from '../../src/sim/profiles.js';
import { parsePauseAt, simOptionsFromFlags } from '../../src/sim/flags.js';

describe('parseProfileSpec', () => {
  it('reads timing, limits, faults, script and labels', () => {
    const { name, patch } = parseProfileSpec('sg-direct=latency:215ms,ttft:300ms,tps:50,jitter:20ms,jitter-dist:normal,'
      + 'rpm:600,tpm:90000,500:0.05,reset:0.01,script:429/ok,region:sg,via:direct,label:Singapore direct,reply-tokens:10-20');
    expect(name).toBe('sg-direct');
    expect(patch).toEqual({
      latencyMs: 215, ttftMs: 300, tps: 50, jitterMs: 20, jitterDist: 'normal', rpm: 600, tpm: 90000,
      faults: [{ kind: '500', share: 0.05 }, { kind: 'reset', share: 0.01 }], faultScript: ['429', 'ok'],
      region: 'sg', via: 'direct', label: 'Singapore direct', replyTokens: [10, 20],
    });
  });

  it('accepts = as well as :, bare flags and faults:none', () => {
    expect(parseProfileSpec('a=latency=10,unicode,reasoning,faults:none').patch)
      .toEqual({ latencyMs: 10, unicode: true, reasoningTokens: 16, faults: [] });
    expect(parseProfileSpec('b=').patch).toEqual({});
  });

  it.each([
    ['noequals', /write NAME=key:value/],
    ['v1=latency:1ms', /invalid profile name 'v1'/],
    ['x/y=latency:1ms', /invalid profile name/],
    ['a=speed:3', /profile a: unknown profile setting 'speed'/],
    ['a=latency:fast', /profile a: invalid latency 'fast'/],
    ['a=tps:-1', /invalid tps '-1'/],
    ['a=chunk-tokens:0', /invalid chunk-tokens '0'/],
    ['a=500:0.7,429:0.7', /add up to 1\.4/],
  ])('refuses %s', (spec, message) => {
    expect(() => parseProfileSpec(spec)).toThrow(message);
  });
});

describe('profiles file and inheritance', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-sim-'));

  it('reads {"profiles": {...}}, a bare map and an array', () => {
    const a = join(dir, 'a.json');
    writeFileSync(a, JSON.stringify({ profiles: { 'us-east': { latency: '40ms', ttft: 120, faults: { 500: 0.1 }, faultScript: ['429', 'ok'] } } }));
    expect(loadProfilesFile(a)).toEqual([{ name: 'us-east', patch: { latencyMs: 40, ttftMs: 120, faults: [{ kind: '500', share: 0.1 }], faultScript: ['429', 'ok'] } }]);
    const b = join(dir, 'b.json');
    writeFileSync(b, '\uFEFF' + JSON.stringify([{ name: 'jp', tps: 30, region: 'jp' }]));
    expect(loadProfilesFile(b)).toEqual([{ name: 'jp', patch: { tps: 30, region: 'jp' } }]);
    const c = join(dir, 'c.json');
    writeFileSync(c, JSON.stringify({ de: { rpm: 60 } }));
    expect(loadProfilesFile(c)[0]!.patch).toEqual({ rpm: 60 });
  });

  it('says what is wrong with a bad file', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, 'latency: 40ms');
    expect(() => loadProfilesFile(bad)).toThrow(/must be JSON/);
    writeFileSync(bad, JSON.stringify({ profiles: { x: { latency: 'soon' } } }));
    expect(() => loadProfilesFile(bad)).toThrow(/bad\.json: profile x: invalid latency 'soon'/);
    expect(() => loadProfilesFile(join(dir, 'missing.json'))).toThrow(/cannot read profiles file/);
  });

  it('a profile inherits timing and reply settings, never faults, scripts or limits', () => {
    const defaults = { ...DEFAULT_SETTINGS, ...patchFromObject({ latency: '40ms', tps: 50, rpm: 100, faults: '500=0.5', script: '429' }, 'x') };
    const p = resolveProfile(defaults, { ttftMs: 300 });
    expect([p.latencyMs, p.tps, p.ttftMs]).toEqual([40, 50, 300]);
    expect([p.rpm, p.faults, p.faultScript]).toEqual([0, [], []]);
  });
});

describe('relay sim flags', () => {
  it('turn into options with defaults and repeatable profiles', () => {
    const o = simOptionsFromFlags({ port: '0', latency: '40ms', ttft: '200ms', tps: '50', profile: ['a=latency:1s', 'a=ttft:2s'],
      pauseAt: ['10s:2s'], faults: '429=0.1', reasoning: true });
    expect(o).toMatchObject({ host: '127.0.0.1', port: 0, seed: 1, latencyMs: 40, ttftMs: 200, tps: 50, reasoningTokens: 16,
      faults: [{ kind: '429', share: 0.1 }], profiles: { a: { latencyMs: 1000, ttftMs: 2000 } }, pauses: [{ atMs: 10_000, durationMs: 2000 }] });
    expect(simOptionsFromFlags({}).port).toBe(8080);
  });

  it('take the key from RELAY_SIM_API_KEY when --api-key is absent', () => {
    expect(simOptionsFromFlags({}, { RELAY_SIM_API_KEY: 'sk-env-123456789' }).apiKey).toBe('sk-env-123456789');
    expect(simOptionsFromFlags({ apiKey: 'sk-flag-123456789' }, { RELAY_SIM_API_KEY: 'sk-env-123456789' }).apiKey).toBe('sk-flag-123456789');
  });

  it.each([
    [{ port: '70000' }, /--port '70000'/],
    [{ tps: 'fast' }, /--tps: invalid tps 'fast'/],
    [{ faults: '500=2' }, /--faults: invalid share '2'/],
    [{ seed: '-1' }, /--seed '-1'/],
    [{ pauseAt: ['10s'] }, /--pause-at '10s'/],
  ])('refuse %j', (flags, message) => {
    expect(() => simOptionsFromFlags(flags)).toThrow(message);
  });

  it('parse pauses', () => {
    expect(parsePauseAt('1m:500ms')).toEqual({ atMs: 60_000, durationMs: 500 });
  });
});
