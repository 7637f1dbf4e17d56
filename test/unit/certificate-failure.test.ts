import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/core/errors.js';
import { failureToError } from '../../src/core/failure-message.js';
import { DEFAULT_RETRY, decideRetry, type Failure } from '../../src/core/retry.js';
import { isEndpointFault } from '../../src/core/router.js';

// A refused TLS certificate is refused again on every attempt: it is not retried on the same
// endpoint, yet it still counts as the endpoint's fault so a route fails over. The message names
// the certificate and the fix that fits the code (end to end: test/e2e/tls.test.ts).

const fresh = { retriesDone: 0, deliveredToUser: false };
const connect = (code: string): Failure => ({ kind: 'connect', code });
const message = (code: string, attempts = 1) => failureToError({
  failure: connect(code), url: 'https://api.example.test/v1/chat/completions', endpoint: 'default',
  apiKeyEnv: 'RELAY_API_KEY', hasKey: true, attempts, timeoutMs: 600_000, idleTimeoutMs: 0,
});

describe('certificate failures', () => {
  const codes: Array<[string, RegExp]> = [
    ['DEPTH_ZERO_SELF_SIGNED_CERT', /point NODE_EXTRA_CA_CERTS at that CA's certificate file$/],
    ['SELF_SIGNED_CERT_IN_CHAIN', /point NODE_EXTRA_CA_CERTS/],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /point NODE_EXTRA_CA_CERTS/],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', /point NODE_EXTRA_CA_CERTS/],
    ['CERT_HAS_EXPIRED', /outside its validity dates; the server must renew it/],
    ['CERT_NOT_YET_VALID', /outside its validity dates/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', /does not name this host; check the host in --base-url$/],
  ];

  it.each(codes)('%s: not retried, one line naming the certificate and the fix', (code, hint) => {
    const d = decideRetry(connect(code), fresh, DEFAULT_RETRY, () => 0.5);
    expect(d).toEqual({ retry: false, reason: `TLS certificate not accepted (${code})` });
    const e = message(code);
    expect(e.message).toMatch(new RegExp(`^cannot connect to https://api\\.example\\.test/v1/chat/completions: its TLS certificate was not accepted \\(${code}\\); `));
    expect(e.message).toMatch(hint);
    expect(e.message).not.toContain('\n');
    expect(e).toMatchObject({ code: 'connect', exitCode: EXIT.network, retryable: false });
  });

  it('still the endpoint\'s fault, so a route fails over to another endpoint', () => {
    expect(isEndpointFault(connect('DEPTH_ZERO_SELF_SIGNED_CERT'), DEFAULT_RETRY)).toBe(true);
  });

  it('other connect failures keep their retry and their advice', () => {
    expect(decideRetry(connect('ECONNREFUSED'), fresh, DEFAULT_RETRY, () => 0.5)).toMatchObject({ retry: true, reason: 'connection refused' });
    expect(message('ECONNREFUSED', 3).message).toBe('cannot connect to https://api.example.test/v1/chat/completions (ECONNREFUSED) after 3 attempts: is the URL right and the server running?');
  });
});
