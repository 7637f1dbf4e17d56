import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/core/errors.js';
import { runRelay } from '../helpers/relay.js';
import { answer, startReplyServer, type ReplyServer } from '../helpers/reply-server.js';

// HTTPS through relay's own connection pool (src/core/http1-pool.ts opens the TLS sockets itself,
// so certificate checking is ours to get right): the real CLI against a node:https server on
// loopback with the throwaway certificate in fixtures/tls/.

const CERT = new URL('../../fixtures/tls/cert.pem', import.meta.url).pathname;
const KEY = new URL('../../fixtures/tls/key.pem', import.meta.url).pathname;
const PARTS = ['Hello', ' over TLS'];

// NODE_EXTRA_CA_CERTS is how a user trusts a private CA; undefined drops one inherited from the shell.
const trusting = { NODE_EXTRA_CA_CERTS: CERT };
const untrusting = { NODE_EXTRA_CA_CERTS: undefined };

describe('relay over HTTPS', () => {
  let server: ReplyServer;
  beforeAll(async () => {
    server = await startReplyServer((_req, res, body) => answer(res, body, PARTS), { cert: readFileSync(CERT), key: readFileSync(KEY) });
  });
  afterAll(async () => { await server?.close(); });

  it('chat streams the reply when the certificate is trusted through NODE_EXTRA_CA_CERTS', async () => {
    const before = server.requests.length;
    const r = await runRelay(['chat', '--base-url', server.url, '-m', 'x', 'hi'], { env: trusting });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Hello over TLS');
    const sent = server.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', url: '/v1/chat/completions', body: { model: 'x', stream: true } });
  });

  it('chat --no-stream gets the JSON reply over the same TLS transport', async () => {
    const r = await runRelay(['chat', '--base-url', server.url, '-m', 'x', '--no-stream', 'hi'], { env: trusting });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Hello over TLS');
  });

  it('an untrusted certificate: network exit code, one line naming the certificate problem, nothing sent', async () => {
    const before = server.requests.length;
    const failuresBefore = server.tlsFailures();
    const r = await runRelay(['chat', '--base-url', server.url, '-m', 'x', 'hi'], { env: untrusting });
    expect(r.code).toBe(EXIT.network);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^relay: cannot connect to https:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions/);
    expect(lines[0]).toMatch(/TLS certificate was not accepted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
    expect(lines[0]).toMatch(/point NODE_EXTRA_CA_CERTS at/);
    expect(r.stderr).not.toContain('    at ');
    // relay broke off the handshake (the server saw it fail) so no request body ever left; and it
    // did so once: a refused certificate is refused again, retrying only delays the error.
    await server.tlsFailed(failuresBefore + 1);
    expect(server.tlsFailures() - failuresBefore).toBe(1);
    expect(server.requests.length).toBe(before);
  });

  it('batch of 3 lines over HTTPS: 3 ok result lines on stdout', async () => {
    const before = server.requests.length;
    const input = ['a', 'b', 'c'].map((id) => JSON.stringify({ id, prompt: `question ${id}` })).join('\n') + '\n';
    const r = await runRelay(['batch', '-', '--base-url', server.url, '-m', 'x', '-q'], { env: trusting, input });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.custom_id).sort()).toEqual(['a', 'b', 'c']);
    for (const l of lines) {
      expect(l.error).toBeNull();
      expect(l.response.status_code).toBe(200);
      expect(l.response.body.choices[0].message.content).toBe('Hello over TLS');
    }
    expect(server.requests.length - before).toBe(3);
  });
});

describe('the wrong scheme for the port', () => {
  let plain: ReplyServer;
  beforeAll(async () => { plain = await startReplyServer((_req, res, body) => answer(res, body, PARTS)); });
  afterAll(async () => { await plain?.close(); });

  it('https:// to a plain-HTTP port: one attempt, one line saying to use http://, exit network', async () => {
    const r = await runRelay(['chat', '--base-url', plain.url.replace('http://', 'https://'), '-m', 'x', 'hi'], { env: trusting });
    expect(r.code).toBe(EXIT.network);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^relay: cannot connect to https:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions: the TLS handshake failed \(EPROTO\); if the server speaks plain HTTP on that port, use http:\/\//);
    expect(r.stderr).not.toMatch(/attempts/);
  });

  it('http:// to an HTTPS port: the server hangs up without a word; one line that keeps the billing warning and suggests https://, exit network', async () => {
    const tls = await startReplyServer((_req, res, body) => answer(res, body, PARTS), { cert: readFileSync(CERT), key: readFileSync(KEY) });
    try {
      const r = await runRelay(['chat', '--base-url', tls.url.replace('https://', 'http://'), '-m', 'x', 'hi'], { env: trusting });
      expect(r.code).toBe(EXIT.network);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^relay: connection to default lost after the request was sent \(ECONNRESET\); the request may have been billed, .*; http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions has not answered at all: if it serves HTTPS on that port, use https:\/\/ in the base URL$/m);
      expect(tls.requests).toHaveLength(0);
    } finally {
      await tls.close();
    }
  });
});
