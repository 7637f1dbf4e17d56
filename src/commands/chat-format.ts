import type { ChatResult, Usage } from '../core/types.js';
import type { Failover } from '../core/router.js';
import type { Style } from '../output/style.js';

// The stats line and the --json document of a chat reply. Every figure is measured or labelled.

export interface CostFigure { usd: number; text: string; label: string }

function tokensText(u: Usage): string {
  return `${u.promptTokens} in / ${u.completionTokens} out tokens${u.estimated ? ' (estimated)' : ''}`;
}

export function statsLine(r: ChatResult & { failovers?: Failover[] }, model: string, style: Style, cost: CostFigure | undefined, simulated: boolean): string {
  const parts = [`${r.model ?? model} via ${r.endpoint}${simulated ? ' (simulated)' : ''}`];
  const out = r.normalizedUsage.completionTokens;
  if (r.streamed === false) {
    // One JSON document: no first token to time, so the rate is over the whole request, and says so.
    const e2e = r.timings.e2e ?? 0;
    parts.push(`reply in ${Math.round(e2e)} ms`);
    if (e2e > 0 && out > 0) parts.push(`${(out / (e2e / 1000)).toFixed(1)} tok/s over the whole request`);
  } else {
    if (r.timings.ttft !== undefined) parts.push(`TTFT ${Math.round(r.timings.ttft)} ms`);
    const gen = r.timings.e2e !== undefined && r.timings.ttft !== undefined ? (r.timings.e2e - r.timings.ttft) / 1000 : 0;
    if (gen > 0 && out > 1) parts.push(`${((out - 1) / gen).toFixed(1)} tok/s`);
  }
  parts.push(tokensText(r.normalizedUsage));
  parts.push(cost ? `${cost.text} (${cost.label})` : 'cost unknown (no price for this model)');
  if (r.attempts > 1) parts.push(`${r.attempts} attempts`);
  for (const f of r.failovers ?? []) parts.push(`failover ${f.from} -> ${f.to} (${f.reason}, switched in ${f.switchMs.toFixed(1)} ms)`);
  return style.dim(parts.join(' · '));
}

export function jsonDocument(r: ChatResult & { failovers?: Failover[] }, cost: CostFigure | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: r.model,
    endpoint: r.endpoint,
    id: r.id,
    request_id: r.requestId,
    content: r.content,
    reasoning: r.reasoning || null,
    tool_calls: r.toolCalls.length ? r.toolCalls : null,
    finish_reason: r.finishReason,
    complete: r.complete,
    usage: r.usage ?? null,
    tokens: r.normalizedUsage,
    cost: cost ? { usd: cost.usd, source: cost.label, estimated: r.normalizedUsage.estimated } : null,
    timings: {
      ttfb_ms: round(r.timings.ttfb), ttft_ms: round(r.timings.ttft), e2e_ms: round(r.timings.e2e),
    },
    attempts: r.attempts,
    failovers: r.failovers ?? [],
    simulated: Boolean(r.simulated),
    warnings: r.warnings,
    ...extra,
  };
}

const round = (v: number | undefined) => (v === undefined ? null : Math.round(v * 1000) / 1000);
