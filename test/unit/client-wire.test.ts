import { describe, expect, it } from 'vitest';
import { RelayClient } from '../../src/core/client.js';
import type { ChatRequest } from '../../src/core/types.js';

// The request body relay sends: wireJson (the text, built without copying the request when it can)
// must say exactly what wireBody (the object) says, in every case that changes the body.

const messages = [{ role: 'user' as const, content: 'hi "there"\n' }];
const cases: Array<[string, ChatRequest]> = [
  ['plain', { model: 'm', messages, max_tokens: 5 }],
  ['a stream flag of its own', { model: 'm', messages, stream: false }],
  ['stream options of its own', { model: 'm', messages, stream_options: { include_usage: false } }],
  ['a model renamed by the endpoint', { model: 'alias', messages }],
  ['tools and unicode', { model: 'm', messages: [{ role: 'user', content: 'é 🚀' }], tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }],
];

describe('wireJson agrees with wireBody', () => {
  for (const includeUsage of [true, false]) {
    const client = new RelayClient({ endpoint: { name: 'e', baseUrl: 'http://127.0.0.1:9/v1', models: { alias: 'real-model' } }, includeUsage });
    for (const [name, req] of cases) {
      for (const stream of [true, false]) {
        it(`${name}, stream ${stream}, include usage ${includeUsage}`, () => {
          const text = client.wireJson(req, stream);
          expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(client.wireBody(req, stream))));
          expect(JSON.parse(text).stream).toBe(stream);
        });
      }
    }
  }
  it('does not change the request it was given', () => {
    const client = new RelayClient({ endpoint: { name: 'e', baseUrl: 'http://127.0.0.1:9/v1' } });
    const req: ChatRequest = { model: 'm', messages };
    client.wireJson(req, true);
    expect(req).toEqual({ model: 'm', messages });
  });
});
