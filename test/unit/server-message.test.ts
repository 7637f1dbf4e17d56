import { describe, expect, it } from 'vitest';
import { failureToError } from '../../src/core/failure-message.js';
import { registerSecret } from '../../src/core/redact.js';

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
