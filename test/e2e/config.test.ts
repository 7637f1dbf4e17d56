import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRelay } from '../helpers/relay.js';

// `relay config` and configuration errors, as a user meets them.

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'relay-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const KEY = 'sk-proj-SECRETSECRETSECRET-9f3a';

describe('configuration', () => {
  it('finds .relayrc.yaml in the current folder and shows each value with its source, the key masked', async () => {
    const dir = folder({ '.relayrc.yaml': 'defaultModel: deepseek-v3.2\ntimeout: 90\nendpoints:\n  sg: { baseUrl: "http://127.0.0.1:9/v1", region: sg, via: relay, apiKeyEnv: SG_KEY }\n' });
    const r = await runRelay(['config', '--json'], { cwd: dir, env: { SG_KEY: KEY } });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.configFile).toBe(join(dir, '.relayrc.yaml'));
    expect(doc.selected[0]).toMatchObject({ name: 'sg', key: 'sk-…9f3a', apiKeyEnv: 'SG_KEY' });
    expect(doc.model).toEqual({ value: 'deepseek-v3.2', source: join(dir, '.relayrc.yaml') });
    expect(doc.timeoutSeconds).toEqual({ value: 90, source: join(dir, '.relayrc.yaml') });
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it('a user and password in a base URL (file or environment) are never shown, in text or --json', async () => {
    const dir = folder({ '.relayrc.yaml': 'endpoints:\n  gw: { baseUrl: "http://ann:file-pass-123@127.0.0.1:9/v1" }\n' });
    for (const json of [[], ['--json']]) {
      const r = await runRelay(['config', ...json], { cwd: dir, env: { RELAY_BASE_URL: 'http://bob:env-pass-456@127.0.0.1:9/v1' } });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('http://127.0.0.1:9/v1');
      for (const secret of ['file-pass-123', 'env-pass-456', 'ann:', 'bob:']) expect(r.stdout + r.stderr).not.toContain(secret);
    }
  });

  it('a base URL that does not parse is quoted in the error without its user:password (file, flag, --target)', async () => {
    const dir = folder({ 'relay.config.json': JSON.stringify({ baseUrl: 'http://u:PASSWORD123@127.0.0.1:99999/v1' }) });
    const file = await runRelay(['models'], { cwd: dir });
    expect(file.code).toBe(3);
    expect(file.stderr).toMatch(/baseUrl: "http:\/\/127\.0\.0\.1:99999\/v1" is not a valid URL/);
    const flag = await runRelay(['chat', '-m', 'm', '--base-url', 'http://u:Zq@7w@127.0.0.1:99999/v1', 'hi']);
    expect(flag.code).toBe(2);
    const target = await runRelay(['bench', '-m', 'm', '--target', 'http://u:Zq7w@127.0.0.1:1/v1']);
    expect(target.code).toBe(2);
    for (const r of [file, flag, target]) for (const secret of ['PASSWORD123', 'Zq', '7w@']) expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it('flags beat the environment, which beats the file', async () => {
    const dir = folder({ 'relay.config.json': JSON.stringify({ baseUrl: 'http://127.0.0.1:1/v1', defaultModel: 'file-model' }) });
    const env = { RELAY_BASE_URL: 'http://127.0.0.1:2/v1', RELAY_MODEL: 'env-model' };
    const fromEnv = JSON.parse((await runRelay(['config', '--json'], { cwd: dir, env })).stdout);
    expect(fromEnv.selected[0]).toMatchObject({ baseUrl: 'http://127.0.0.1:2/v1', source: 'env RELAY_BASE_URL' });
    expect(fromEnv.model).toEqual({ value: 'env-model', source: 'env RELAY_MODEL' });
    const fromFlags = JSON.parse((await runRelay(['config', '--json', '--base-url', 'http://127.0.0.1:3/v1', '-m', 'flag-model'], { cwd: dir, env })).stdout);
    expect(fromFlags.selected[0]).toMatchObject({ baseUrl: 'http://127.0.0.1:3/v1', source: '--base-url' });
    expect(fromFlags.model).toEqual({ value: 'flag-model', source: '--model' });
  });

  it('a broken config file lists every problem at once and exits 3', async () => {
    const dir = folder({
      'relay.config.json': JSON.stringify({
        timeout: -1,
        defaultModle: 'gpt-4.1',
        endpoints: { a: { baseUrl: 'not a url', via: 'sideways' }, b: { apiKey: 'sk-inline' } },
        routes: { main: { endpoints: ['a', 'missing'], strategy: 'fastest' }, other: { endpoints: ['a'], stratgy: 'latency' } },
      }),
    });
    const r = await runRelay(['chat', 'hi'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    for (const problem of [
      'timeout: must be a number >= 0',
      'endpoints.a.baseUrl: "not a url" is not a valid URL',
      'endpoints.a.via: must be "direct" or "relay"',
      'endpoints.b.baseUrl: is required',
      'endpoints.b.apiKey: keys are not read from files',
      'routes.main.endpoints: "missing" is not a configured endpoint',
      'routes.main.strategy: must be one of priority, latency, round-robin, cost',
      'defaultModle: unknown setting (did you mean defaultModel?)',
      'routes.other.stratgy: unknown setting (did you mean strategy?)',
    ]) expect(r.stderr).toContain(problem);
    expect(r.stderr).toMatch(/^relay: invalid configuration \(9 problems\):/);
    expect(r.stderr).not.toContain('sk-inline');
  });

  it('a YAML syntax error says what is wrong and where (exit 3)', async () => {
    const dir = folder({ '.relayrc.yaml': 'endpoints: [\n  broken' });
    const r = await runRelay(['config'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toBe(`relay: cannot read the config file: YAML Error in ${join(dir, '.relayrc.yaml')}: unexpected end of the stream within a flow collection (3:1)`);
  });

  it('RELAY_CONFIG pointing at a missing file is a configuration error (exit 3)', async () => {
    const r = await runRelay(['config'], { env: { RELAY_CONFIG: '/nonexistent/relay.yaml' } });
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toBe('relay: config file /nonexistent/relay.yaml does not exist (from RELAY_CONFIG)');
  });

  it('no endpoint anywhere: exit 2 saying how to give one', async () => {
    const r = await runRelay(['chat', '-m', 'x', 'hi'], { cwd: folder({}) });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('relay: no endpoint: pass --base-url URL or set RELAY_BASE_URL (for an offline one, run `relay sim`)');
  });
});
