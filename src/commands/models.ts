import type { Io } from '../cli/io.js';
import type { RequestFlags } from '../cli/request-flags.js';
import { setupRequests } from './request-setup.js';
import { shownUrl } from '../core/http1-head.js';

export async function models(opts: RequestFlags & { json?: boolean }, io: Io): Promise<number> {
  const setup = await setupRequests(opts, io);
  const endpoint = setup.settings.endpoints[0];
  const client = setup.clientFor(endpoint);
  try {
    const list = await client.models();
    const url = shownUrl(endpoint.baseUrl);
    // Marked in the config, or answered with relay sim's marker header.
    const simulated = Boolean(endpoint.simulated) || client.simulated;
    if (opts.json) {
      io.stdout.write(JSON.stringify({ endpoint: endpoint.name, url, simulated, models: list }) + '\n');
    } else {
      for (const m of list.map((x) => x.id).sort()) io.stdout.write(m + '\n');
      if (io.stderr.isTTY) io.stderr.write(io.err.dim(`${list.length} models at ${url}${simulated ? ' (simulated)' : ''}`) + '\n');
    }
    return 0;
  } finally {
    await client.close();
  }
}
