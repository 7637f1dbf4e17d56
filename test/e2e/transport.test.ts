import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/core/errors.js';
import { runRelay } from '../helpers/relay.js';
import { answer, jsonReply, sseReply, startReplyServer, type Handler, type ReplyServer } from '../helpers/reply-server.js';

// Transport edge cases of relay's own HTTP/1.1 pool (src/core/http1-*.ts), end to end: the real
// CLI against node:http servers on loopback that misbehave in one precise way each. relay sim
// cannot produce these wire shapes, and undici used to absorb them for us.

const FIXTURES = join(import.meta.dirname, '../../fixtures/sse');
const PARTS = ['Hello', ' there'];
const TEXT = PARTS.join('');

const servers: ReplyServer[] = [];
async function serve(handler: Handler): Promise<ReplyServer> {
  const s = await startReplyServer(handler);
  servers.push(s);
  return s;
}
afterEach(async () => { await Promise.all(servers.splice(0).map((s) => s.close())); });

/** A server that answers every request with a recorded stream from fixtures/sse, whatever was asked. */
function serveStream(fixture: string): Promise<ReplyServer> {
  const sse = readFileSync(join(FIXTURES, fixture), 'utf8');
  return serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(sse);
  });
}

const chat = (s: ReplyServer, ...extra: string[]) => runRelay(['chat', '--base-url', s.url, '-m', 'x', ...extra, 'hi'], { timeout: 20_000 });

function batch(s: ReplyServer, n: number, ...extra: string[]) {
  const input = Array.from({ length: n }, (_, i) => JSON.stringify({ id: `q${i}`, prompt: `question ${i}` })).join('\n') + '\n';
  return runRelay(['batch', '-', '--base-url', s.url, '-m', 'x', '-q', ...extra], { input, timeout: 20_000 });
}

const lines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l));

describe('relay over its own HTTP/1.1 transport', () => {
  it('a server that keeps the stream open after [DONE]: the reply is printed and relay exits 0 without waiting for the end', async () => {
    // Some proxies never end the response after [DONE]. The hold here is unbounded (until the test
    // closes the server), so only relay hanging up can end this test before its timeout.
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sseReply(PARTS));
    });
    const r = await chat(s);
    expect(r.signal).toBeNull(); // not killed by the runner's 20 s guard
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(TEXT);
    expect(r.stderr).toBe('');
    await s.closed(1); // relay's side of the connection went away although the server never ended it
  }, 30_000);

  it.each([
    ['a content-length body', false],
    ['a body that ends with the connection', true],
  ])('Connection: close after the first reply (%s): a batch of 5 with -c 1 opens a new connection and all succeed', async (_name, closeDelimited) => {
    const s = await serve((_req, res, body, index) => {
      if (index === 0) {
        res.setHeader('connection', 'close');
        // Without chunking or a length, the body is framed by the connection's end (RFC 9112 6.3).
        if (closeDelimited) res.useChunkedEncodingByDefault = false;
        const json = jsonReply(TEXT);
        res.writeHead(200, { 'content-type': 'application/json', ...(closeDelimited ? {} : { 'content-length': Buffer.byteLength(json) }) });
        res.end(json);
      } else {
        answer(res, body, PARTS);
      }
    });
    const r = await batch(s, 5, '-c', '1');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out.map((l) => l.custom_id).sort()).toEqual(['q0', 'q1', 'q2', 'q3', 'q4']);
    for (const l of out) {
      expect(l.error).toBeNull();
      expect(l.response.body.choices[0].message.content).toBe(TEXT);
      expect(l.relay.attempts).toBe(1); // no line needed a retry: the closed connection was never reused
    }
    expect(s.requests).toHaveLength(5);
    expect(s.connections()).toBe(2); // the closed one, then one kept alive for the other four
  });

  it('a server that hangs up after every reply without Connection: close: a batch of 5 with -c 1 waits for the next connection, and all succeed', async () => {
    // Line 2 is sent while the pool still watches line 1's connection for such a close; when the
    // close comes, nothing else keeps the process open: it must not exit with lines unsent.
    const s = await serve((req, res, body) => {
      res.on('finish', () => req.socket.end());
      answer(res, body, PARTS);
    });
    const r = await batch(s, 5, '-c', '1');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(lines(r.stdout).map((l) => [l.custom_id, l.error])).toEqual(['q0', 'q1', 'q2', 'q3', 'q4'].map((id) => [id, null]));
    expect(s.connections()).toBe(5);
  });

  it.each([
    ['R08b: a complete stream without [DONE]', 'R08b-finish-reason-but-no-done.sse', null],
    ['R07: an error object inside the stream', 'R07-error-object-in-stream.sse', 'model_not_found'],
  ])('a server that streams although batch asked it not to (%s): the stream is read as one', async (_name, fixture, code) => {
    const s = await serveStream(fixture);
    const r = await batch(s, 1, '--retries', '2');
    const [line] = lines(r.stdout);
    expect(line.relay.attempts).toBe(1); // neither a success nor model_not_found is retried
    if (code === null) {
      expect(r.code).toBe(0);
      expect(line.error).toBeNull();
      expect(line.response.body.choices[0].finish_reason).toBe('stop');
    } else {
      expect(r.code).not.toBe(0);
      expect(line.error.code).toBe(code);
      expect(line.error.message).toMatch(/does not exist/);
    }
  });

  it('R08: a stream cut short fails the line as truncated, and the text it had delivered is kept on the record', async () => {
    const s = await serveStream('R08-eof-without-done-or-finish-reason.sse');
    const r = await batch(s, 1, '--retries', '0');
    expect(r.code).not.toBe(0);
    const [line] = lines(r.stdout);
    expect(line.error.code).toBe('truncated');
    expect(line.error.message).toMatch(/partial output kept/);
    expect(line.relay.partial_content).toBe('{"items": [1, 2');
  });

  it('interim 100 Continue and 103 Early Hints before the real reply: chat --no-stream prints the reply', async () => {
    const s = await serve((_req, res, body) => {
      res.writeContinue();
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' }, () => answer(res, body, PARTS));
    });
    const r = await chat(s, '--no-stream');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(TEXT);
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]!.body).toMatchObject({ stream: false });
  });

  it('a JSON reply that arrives in parts, cut inside a UTF-8 character: chat --no-stream prints it whole', async () => {
    // relay reads every connection into one shared buffer; a body kept across reads must be a copy.
    const text = 'Grüße aus Köln 🎉 und noch mehr Text, damit der Körper länger ist.';
    const s = await serve((_req, res) => {
      const json = Buffer.from(jsonReply(text));
      const cut = json.indexOf(Buffer.from('🎉')) + 2;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': json.length });
      res.write(json.subarray(0, 30));
      // A slow server: the parts leave in separate packets and so arrive in separate reads.
      setTimeout(() => res.write(json.subarray(30, cut)), 15);
      setTimeout(() => res.end(json.subarray(cut)), 30);
    });
    const r = await chat(s, '--no-stream');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(text);
  });

  it('a server that has answered before hangs up on a new connection: the line fails as a lost connection, with no https:// hint', async () => {
    const s = await serve((req, res, body, index) => {
      if (index === 1) {
        req.socket.destroy(); // not a byte of an answer
        return;
      }
      res.setHeader('connection', 'close'); // so the second request comes on a new connection
      answer(res, body, PARTS);
    });
    const r = await batch(s, 2, '-c', '1');
    expect(r.code).toBe(EXIT.threshold);
    const out = lines(r.stdout);
    const lost = out.find((l) => l.error);
    expect(lost.error.code).toBe('disconnect');
    expect(lost.error.message).toMatch(/lost after the request was sent \(ECONNRESET\); the request may have been billed/);
    expect(lost.error.message).not.toMatch(/https/);
    expect(s.connections()).toBe(2);
  });

  it('a 400 whose JSON error body comes chunked, in pieces: the server\'s message on one line, API exit code, no retry', async () => {
    const message = 'max_tokens is too large: 99999999. This model supports at most 16384 completion tokens.';
    const s = await serve((_req, res) => {
      const err = JSON.stringify({ error: { message, type: 'invalid_request_error', param: 'max_tokens', code: null } });
      res.writeHead(400, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.write(err.slice(0, 10));
      res.write(err.slice(10, 40));
      res.end(err.slice(40));
    });
    const r = await chat(s);
    expect(r.code).toBe(EXIT.api);
    expect(r.stdout).toBe('');
    const err = r.stderr.trim().split('\n');
    expect(err).toHaveLength(1);
    expect(err[0]).toBe(`relay: 400 from ${s.url}/chat/completions: ${message}`);
    expect(s.requests).toHaveLength(1);
  });

  describe('a server that sends the head and half of a content-length body, then drops the connection', () => {
    const halfThenDrop: Handler = (req, res) => {
      const json = jsonReply(TEXT);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
      // Dropped only once the half is on the wire, so relay really has a started reply.
      res.write(json.slice(0, json.length >> 1), () => req.socket.destroy());
    };

    it('chat --no-stream: network exit code, one line saying the connection was lost after the request was sent', async () => {
      const s = await serve(halfThenDrop);
      const r = await chat(s, '--no-stream');
      expect(r.code).toBe(EXIT.network);
      expect(r.stdout).toBe('');
      const err = r.stderr.trim().split('\n');
      expect(err).toHaveLength(1);
      expect(err[0]).toMatch(/^relay: connection to default lost after the request was sent \(\w+\); the request may have been billed, so it was not retried/);
      expect(r.stderr).not.toContain('    at ');
      expect(s.requests).toHaveLength(1); // an unknown outcome is not sent again without --retry-unknown
    });

    it('batch: the line fails with error code "disconnect" and the run exits over --max-error-rate', async () => {
      const s = await serve(halfThenDrop);
      const r = await batch(s, 1);
      expect(r.code).toBe(EXIT.threshold);
      const [line, ...rest] = lines(r.stdout);
      expect(rest).toEqual([]);
      expect(line.custom_id).toBe('q0');
      expect(line.error.code).toBe('disconnect');
      expect(line.error.message).toMatch(/lost after the request was sent/);
      expect(line.relay.attempts).toBe(1);
      expect(r.stderr).toMatch(/^relay: 1 of 1 lines? failed/m);
      expect(s.requests).toHaveLength(1);
    });
  });
});
