import { describe, expect, it } from 'vitest';
import { failureToError } from '../../src/core/failure-message.js';
import { registerSecret } from '../../src/core/redact.js';
import { createStreamReader } from '../../src/core/stream-reader.js';
import { shownUrl } from '../../src/core/http1-head.js';

// What a server says is quoted in relay's one-line errors; it is the server's text, so it can
// carry terminal escapes or echo the key back. Neither may reach the user.

const KEY = 'sk-unit-test-KEY-abcdefghijklmnopqrstuvwxyz012345';
registerSecret(KEY);

const http = (status: number, body: unknown) => failureToError({
  failure: { kind: 'http', status, headers: {}, body }, url: 'http://127.0.0.1:1/v1/chat/completions', endpoint: 'default',
  apiKeyEnv: 'RELAY_API_KEY', hasKey: true, attempts: 1, timeoutMs: 600_000, idleTimeoutMs: 0,
}).message;

describe('the server\'s words in an error message', () => {
  it('terminal control characters are dropped (a 401 reason, a 500 message, a plain-text body)', () => {
    const evil = 'ok\u001b[2J\u001b[31mFAKE: all good\u0007\rdone';
    for (const m of [http(401, { error: { message: evil } }), http(500, { error: { message: evil } }), http(502, evil)]) {
      expect(m).toContain('FAKE: all good');
      expect(m).not.toMatch(/[\u0000-\u001f\u007f]/);
    }
  });

  it.each([10, 150, 190, 199, 230])('a key echoed at character %i is masked before the 200-character cut, never shown in part', (at) => {
    const text = `${'x'.repeat(at)} key=${KEY} is invalid ${'y'.repeat(100)}`;
    for (const m of [http(401, { error: { message: text } }), http(400, text)]) {
      expect(m).not.toContain(KEY.slice(0, 12));
    }
  });
});

describe('errors inside a stream', () => {
  const streamError = (error: { message: string; type?: string; code?: string }) => failureToError({
    failure: { kind: 'stream_error', error }, url: 'http://127.0.0.1:1/v1/chat/completions', endpoint: 'default',
    apiKeyEnv: 'RELAY_API_KEY', hasKey: true, attempts: 1, timeoutMs: 600_000, idleTimeoutMs: 0,
  }).message;

  it('message, type and code lose their control characters', () => {
    const m = streamError({ message: 'bad\u001b]0;PWNED\u0007 thing', type: 't\u001b[31m', code: 'c\u0007' });
    expect(m).toContain('PWNED');
    expect(m).not.toMatch(/[\u0000-\u001f\u007f]/);
  });

  it.each(['event: error\ndata: ', 'data: '])('data that is not JSON (after "%s") is masked before it is cut to 200 characters', (prefix) => {
    const reader = createStreamReader();
    const text = `\u001b]0;PWNED\u0007${'x'.repeat(165)} key=${KEY} end`;
    reader.push(Buffer.from(`data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n${prefix}${text}\n\n`));
    const state = reader.end();
    expect(state.error?.message).toBeDefined();
    expect(state.error!.message).not.toContain(KEY.slice(0, 12));
    expect(state.error!.message).not.toMatch(/[\u0000-\u001f\u007f]/);
  });
});

describe('URLs in messages', () => {
  it.each([
    ['http://u:Zq@7w@127.0.0.1:1/v1', 'http://127.0.0.1:1/v1'], // the parser splits at the last @
    ['http:u:Zq7w@127.0.0.1:1/v1', 'http:127.0.0.1:1/v1'], // no slashes: still parses as a URL
    ['http://TOKEN1234567@h:1/v1', 'http://h:1/v1'],
    ['http://u:p@127.0.0.1:99999/v1', 'http://127.0.0.1:99999/v1'], // does not parse (port), still cut
    ['https://h/v1?x=a@b', 'https://h/v1?x=a@b'], // an @ in the query is not a user
  ])('%s is shown as %s', (url, shown) => {
    expect(shownUrl(url)).toBe(shown);
  });
});
