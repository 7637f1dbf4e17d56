// Secrets never leave the process: every line relay prints or writes passes through redact().
// Keys are registered as soon as they are read from the environment or a config file.

const secrets = new Set<string>();

const CREDENTIAL_HEADERS = new Set([
  'authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'x-goog-api-key',
  'anthropic-api-key', 'cookie', 'set-cookie', 'x-portkey-api-key', 'openai-api-key',
]);

export function registerSecret(value: string | undefined): void {
  // Very short values would redact ordinary words; real keys are long.
  if (value && value.length >= 8) secrets.add(value);
}

export function isCredentialHeader(name: string): boolean {
  const n = name.toLowerCase();
  return CREDENTIAL_HEADERS.has(n) || n.includes('api-key') || n.includes('token') || n.includes('secret');
}

/** `sk-…last4`: enough to tell two keys apart, never enough to use one. */
export function maskKey(key: string | undefined): string {
  if (!key) return '(not set)';
  if (key.length < 12) return '…';
  const prefix = key.startsWith('sk-') ? 'sk-' : '';
  return `${prefix}…${key.slice(-4)}`;
}

/** Only the keys relay was given (every key it sends is one): for text relay did not compose itself. */
export function redactKnown(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join(maskKey(s));
  }
  return out;
}

export function redact(text: string): string {
  const out = redactKnown(text);
  // Bearer tokens we were never told about (a key pasted into --header, a server echo). The test
  // first: batch passes every result line through here, and most have no such word.
  return BEARER.test(out) ? out.replace(BEARER_TOKEN, '$1[redacted]') : out;
}

const BEARER = /bearer\s/i;
const BEARER_TOKEN = /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi;

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = isCredentialHeader(k) ? '[redacted]' : redact(v);
  return out;
}
