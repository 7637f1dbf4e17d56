import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// `import { RelayClient } from 'relay'` as a user's program would do it, through package.json exports.

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

describe('relay as a library', () => {
  it('a program imports RelayClient and startSim from the package name and streams a reply', () => {
    const program = `
      import { RelayClient, startSim, RelayError } from 'relay';
      const sim = await startSim({ seed: 2 });
      const client = new RelayClient({ endpoint: { name: 'sim', baseUrl: sim.url } });
      let streamed = '';
      const r = await client.chat({ model: 'sim-1', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 },
        { onDelta: (d) => { if (d.kind === 'content') streamed += d.text; } });
      console.log(JSON.stringify({ same: streamed === r.content, tokens: r.normalizedUsage.completionTokens, complete: r.complete, isClass: typeof RelayError }));
      await client.close(); await sim.close();`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', program], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ same: true, tokens: 5, complete: true, isClass: 'function' });
  });
});
