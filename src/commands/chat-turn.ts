import type { Io } from '../cli/io.js';
import type { Chatter } from './request-setup.js';
import type { ChatRequest, ChatResult, StreamDelta } from '../core/types.js';
import type { Failover } from '../core/router.js';

// One request/reply as the terminal sees it: content to stdout as it arrives, reasoning to
// stderr (dimmed), retry notices to stderr.

export interface TurnOptions {
  stream: boolean;
  showReasoning: boolean;
  /** --json: print nothing while the reply arrives. */
  quiet: boolean;
  signal: AbortSignal;
}

export interface TurnOutput {
  /** Content that reached stdout (kept when the turn fails or is interrupted). */
  written: string;
  endedWithNewline: boolean;
}

export async function runTurn(client: Chatter, req: ChatRequest, io: Io, opts: TurnOptions, out: TurnOutput): Promise<ChatResult & { failovers?: Failover[] }> {
  let inReasoning = false;
  const onDelta = opts.quiet ? undefined : (d: StreamDelta) => {
    if (d.kind === 'reasoning') {
      if (!opts.showReasoning) return;
      inReasoning = true;
      io.stderr.write(io.err.dim(d.text));
    } else if (d.kind === 'content') {
      if (inReasoning) { io.stderr.write('\n'); inReasoning = false; }
      io.stdout.write(d.text);
      out.written += d.text;
      out.endedWithNewline = d.text.endsWith('\n');
    }
  };
  try {
    return await client.chat(req, {
      stream: opts.stream,
      signal: opts.signal,
      onDelta,
      onRetry: (r) => {
        // A failover goes to the next endpoint at once; a retry says when it will be sent.
        const next = r.failover ? '' : `; retrying in ${(r.delayMs / 1000).toFixed(1)} s (attempt ${r.attempt + 1})`;
        io.stderr.write(io.err.dim(`relay: ${r.reason}${next}`) + '\n');
      },
    });
  } finally {
    if (inReasoning) io.stderr.write('\n');
  }
}
