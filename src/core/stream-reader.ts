import { createAssembler, extractServerError } from './assemble.js';
import { createSseDecoder } from './sse.js';
import { clip, printable } from './server-text.js';
import type { Assembled, SseEvent, StreamDelta } from './types.js';

// Glues the SSE decoder, JSON and the assembler for one HTTP stream body.
// Stops (ignores everything after) at `[DONE]`, at an error object (R07, R07b) and at data that is not
// JSON; the caller should then stop reading the body. Partial content is always kept.

export interface StreamReader {
  push(bytes: Uint8Array): void;
  /** Flushes the decoder and returns the final state (tool-call arguments finalised). */
  end(): Assembled;
  readonly state: Assembled;
  readonly stopped: boolean;
}

export interface StreamReaderOptions {
  onDelta?: (d: StreamDelta) => void;
  /** Called for every line received, comments and blank lines included (keep-alives are activity, R36). */
  onActivity?: () => void;
}

const MAX_SNIPPET = 200;

function isDone(data: string): boolean {
  if (data === '[DONE]') return true;
  // `[DONE]` followed by a stray CR or space (R03: some servers write "[DONE]\r" with LF endings).
  return data.length < 16 && data.trim() === '[DONE]';
}

/** Server data quoted in a message: masked and made printable before it is cut (server-text.ts). */
function snippet(s: string): string {
  return clip(printable(s), MAX_SNIPPET);
}

export function createStreamReader(opts: StreamReaderOptions = {}): StreamReader {
  const assembler = createAssembler(opts.onDelta);
  const state = assembler.state;
  let stopped = false;
  let ending = false;

  function onEvent(e: SseEvent): void {
    if (stopped) return;
    const data = e.data;
    if (isDone(data)) {
      state.sawDone = true;
      stopped = true;
      return;
    }
    if (e.event === 'error') {
      // `event: error` carries the error at the top level (R07b) or under `error` (Anthropic).
      let body: unknown;
      try {
        body = JSON.parse(data);
      } catch {
        body = undefined;
      }
      state.error = extractServerError(body, true) ?? { message: data.trim() === '' ? 'the server sent an error event' : snippet(data) };
      stopped = true;
      return;
    }
    if (data === '' || data.trim() === '') return; // an empty data field carries nothing
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      // A line cut off by the end of the body is a truncation (no finish), not a malformed stream.
      if (ending) return;
      state.error = { message: `the server sent data that is not JSON: ${snippet(data)}`, code: 'malformed_stream' };
      stopped = true;
      return;
    }
    assembler.apply(chunk);
    if (state.error) stopped = true;
  }

  const decoder = createSseDecoder(onEvent, undefined, opts.onActivity);

  return {
    get state() {
      return state;
    },
    get stopped() {
      return stopped;
    },
    push(bytes: Uint8Array): void {
      if (!stopped) decoder.push(bytes);
    },
    end(): Assembled {
      if (!stopped) {
        ending = true;
        decoder.end();
      }
      return assembler.finish();
    },
  };
}

/** Complete iff `[DONE]` or a non-null finish_reason was seen and the server reported no error (R08). */
export function isComplete(a: Assembled): boolean {
  return !a.error && (a.sawDone || a.finishReason !== null);
}
