import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { encodeChat } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import { countTokens, estimatePromptTokens, roughTokens } from '../../src/core/tokens.js';
import type { ChatMessage } from '../../src/core/types.js';

describe('countTokens (o200k_base)', () => {
  const table: Array<[string, number]> = [['', 0], ['hello world', 2], ['<|endoftext|>', 7]];
  for (const [text, n] of table) {
    it(`${JSON.stringify(text)} → ${n}`, async () => expect(await countTokens(text)).toBe(n));
  }
});

describe('estimatePromptTokens', () => {
  it('matches the chat encoding of gpt-tokenizer for plain messages (3 per message + 3 priming)', async () => {
    const chats: ChatMessage[][] = [
      [{ role: 'user', content: 'Hi' }],
      [{ role: 'system', content: 'You answer briefly.' }, { role: 'user', content: 'What is the capital of Denmark? Привет, 日本語.' }],
      [{ role: 'user', content: '' }],
    ];
    for (const msgs of chats) {
      const reference = encodeChat(msgs as Parameters<typeof encodeChat>[0], 'gpt-4o').length;
      expect(await estimatePromptTokens(msgs)).toBe(reference);
    }
  });

  it('a name costs its tokens plus one', async () => {
    const base = await estimatePromptTokens([{ role: 'user', content: 'Hi' }]);
    expect(await estimatePromptTokens([{ role: 'user', content: 'Hi', name: 'bob' }])).toBe(base + (await countTokens('bob')) + 1);
  });

  it('counts text parts of array content and the JSON of tool calls; images are not counted', async () => {
    const text = await estimatePromptTokens([{ role: 'user', content: 'look at this' }]);
    const parts = await estimatePromptTokens([{ role: 'user', content: [{ type: 'text', text: 'look at this' }, { type: 'image_url', image_url: { url: 'data:,' } }] }]);
    expect(parts).toBe(text);
    const calls = [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }];
    const withCalls = await estimatePromptTokens([{ role: 'assistant', content: null, tool_calls: calls }]);
    const bare = await estimatePromptTokens([{ role: 'assistant', content: null }]);
    expect(withCalls - bare).toBe(await countTokens(JSON.stringify(calls)));
  });

  it('grows with the number of messages even when they are empty', async () => {
    expect(await estimatePromptTokens([])).toBe(3);
    expect(await estimatePromptTokens([{ role: 'user', content: '' }, { role: 'user', content: '' }])).toBe(3 + 2 * (3 + 1));
  });
});

describe('roughTokens', () => {
  const table: Array<[string, number]> = [
    ['', 0], ['a', 1], ['abcd', 1], ['abcde', 2], ['x'.repeat(400), 100],
    ['привет', 3], // 2 chars per token for Cyrillic
    ['日本語', 3], // one per CJK character
    ['🐕', 1], // a surrogate pair is one character
  ];
  for (const [text, n] of table) it(`${JSON.stringify(text.length > 20 ? `${text.slice(0, 8)}…` : text)} → ${n}`, () => expect(roughTokens(text)).toBe(n));

  it('stays within a factor of 2 of the tokenizer on ordinary English prose', async () => {
    const prose = 'The quick brown fox jumps over the lazy dog while the band plays on in the square. '.repeat(20);
    const exact = await countTokens(prose);
    expect(roughTokens(prose)).toBeGreaterThan(exact / 2);
    expect(roughTokens(prose)).toBeLessThan(exact * 2);
  });
});

describe('lazy loading', () => {
  it('importing tokens.ts does not load gpt-tokenizer; the first count does', { timeout: 20_000 }, () => {
    const hook = `data:text/javascript,${encodeURIComponent(
      `export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.includes('/gpt-tokenizer/')) process.stderr.write('LOADED\\n'); return r; }`,
    )}`;
    const tokens = fileURLToPath(new URL('../../src/core/tokens.ts', import.meta.url));
    const script = `
      import { register } from 'node:module';
      register(${JSON.stringify(hook)});
      const t = await import(${JSON.stringify(tokens)});
      t.roughTokens('x');
      process.stderr.write('IMPORTED\\n');
      await t.countTokens('x');
      process.stderr.write('COUNTED\\n');`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 15_000 });
    const lines = r.stderr.split('\n').filter((l) => ['LOADED', 'IMPORTED', 'COUNTED'].includes(l));
    expect(lines[0]).toBe('IMPORTED');
    expect(lines).toContain('LOADED');
    expect(lines.at(-1)).toBe('COUNTED');
  });
});
