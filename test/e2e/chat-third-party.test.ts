import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRelay } from '../helpers/relay.js';
import { startMockLlm, type Started } from '../helpers/third-party.js';

// relay against a server we did not write: @dwmkerr/mock-llm echoes the last user message.

describe('relay chat against @dwmkerr/mock-llm', () => {
  let server: Started;
  beforeAll(async () => { server = await startMockLlm(); });
  afterAll(async () => { await server?.stop(); });

  it('streams the echoed reply to stdout and marks the tokens as estimated (the server sends no usage)', async () => {
    const r = await runRelay(['chat', '--base-url', server.url, '-m', 'gpt-4', '--stats', 'Hello from relay']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Hello from relay');
    expect(r.stderr).toMatch(/gpt-4 via default/);
    expect(r.stderr).toMatch(/\(estimated\)/);
    expect(r.stderr).not.toMatch(/\x1b\[/);
  });

  it('answers --json --no-stream with one document', async () => {
    const r = await runRelay(['chat', '--base-url', server.url, '-m', 'gpt-4', '--json', '--no-stream', 'two words']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ content: 'two words', finish_reason: 'stop', complete: true, endpoint: 'default' });
    expect(doc.tokens.estimated).toBe(true);
  });

  it('lists the server\'s models', async () => {
    const r = await runRelay(['models', '--base-url', server.url, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).models.map((m: { id: string }) => m.id)).toContain('gpt-5.2');
    expect(JSON.parse(r.stdout).simulated).toBe(false); // a third-party server: nothing says simulated
  });
});
