import { Rng, hashString, mix32 } from './random.js';
import { WORDS } from './words.js';

// Tool calls: when a request offers `tools` (and tool_choice is not "none"), the simulator calls
// one, as a model would: the function tool_choice names, else the first function tool, with
// arguments filled from its JSON-schema properties (seeded, so the same request gets the same
// call). Streamed as OpenAI does: a first delta with id, type and name and empty arguments, then
// argument fragments, then finish_reason "tool_calls".

export interface SimToolCall {
  id: string;
  name: string;
  /** The complete arguments, a JSON object text. */
  arguments: string;
  /** `arguments` cut into fragments, each JSON-string-escaped, ready for a template. */
  fragments: string[];
}

interface FunctionTool {
  type?: unknown;
  function?: { name?: unknown; parameters?: { properties?: Record<string, { type?: unknown; enum?: unknown }> } };
}

function chooseTool(request: Record<string, unknown>): FunctionTool | undefined {
  const tools = Array.isArray(request.tools) ? (request.tools as FunctionTool[]) : [];
  const choice = request.tool_choice;
  if (tools.length === 0 || choice === 'none') return undefined;
  const named = choice && typeof choice === 'object' ? (choice as { function?: { name?: unknown } }).function?.name : undefined;
  const fns = tools.filter((t) => t && t.type === 'function' && typeof t.function?.name === 'string');
  return (named !== undefined ? fns.find((t) => t.function!.name === named) : undefined) ?? fns[0];
}

function argumentValue(rng: Rng, schema: { type?: unknown; enum?: unknown } | undefined): unknown {
  if (schema && Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[rng.u32() % schema.enum.length];
  switch (schema?.type) {
    case 'integer': return rng.u32() % 100;
    case 'number': return Math.round(rng.next() * 10_000) / 100;
    case 'boolean': return (rng.u32() & 1) === 1;
    case 'array': return [WORDS[rng.u32() % WORDS.length]];
    case 'object': return {};
    default: return `${WORDS[rng.u32() % WORDS.length]} ${WORDS[rng.u32() % WORDS.length]}`;
  }
}

export function simToolCall(seed: number, key: string, request: Record<string, unknown>, choice = 0): SimToolCall | undefined {
  const tool = chooseTool(request);
  if (!tool) return undefined;
  const base = hashString(key, mix32(seed >>> 0) ^ 0x746f6f6c);
  const rng = new Rng(mix32(base ^ Math.imul(choice + 1, 0x85ebca6b)));
  const args: Record<string, unknown> = {};
  const props = tool.function!.parameters?.properties ?? {};
  for (const name of Object.keys(props).slice(0, 8)) args[name] = argumentValue(rng, props[name]);
  const text = JSON.stringify(args);
  const fragments: string[] = [];
  for (let at = 0; at < text.length; at += 8) fragments.push(JSON.stringify(text.slice(at, at + 8)).slice(1, -1));
  return { id: `call_${((base ^ choice) >>> 0).toString(16).padStart(8, '0')}${choice}`, name: String(tool.function!.name), arguments: text, fragments };
}
