import { usageError } from './errors.js';

// The request line and header block of an HTTP/1.1 request, built once per endpoint: a request is
// then this text, its content-length and its body, written in one call.

export function requestHead(method: 'GET' | 'POST', url: URL, headers: Record<string, string>): string {
  let out = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  const merged = new Map<string, string>(); // later names win whatever their case, as in a Headers object
  for (const [name, value] of Object.entries(headers)) merged.set(name.toLowerCase(), value);
  for (const [k, value] of merged) {
    // A line break in a value would let a config or --header smuggle a second request.
    if (/[\r\n]/.test(k + value)) throw usageError(`header ${k} contains a line break; remove it from --header or the config`);
    if (k !== 'host' && k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') out += `${k}: ${value}\r\n`;
  }
  return out;
}

/**
 * An endpoint's URL for `path`: appended to the base URL's path, its query kept (Azure-style
 * `?api-version=`), user and password dropped (they are never sent, and must not be printed).
 */
export function endpointUrl(baseUrl: string, path: string): URL {
  const u = new URL(baseUrl);
  u.pathname = u.pathname.replace(/\/+$/, '') + path;
  u.username = '';
  u.password = '';
  return u;
}

/** The whole request as one string (written as UTF-8 in one call). */
export function requestText(head: string, body: string): string {
  return body ? `${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}` : `${head}\r\n`;
}

/**
 * A URL as it may be printed: a user and password in it are credentials, never shown. Also for
 * text that does not parse as a URL (it goes into error messages): the authority is cut at its
 * last "@", as a URL parser splits it, whatever slashes follow the scheme ("http:u:p@h" parses).
 */
export function shownUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:[\\/]*)([^\\/?#]*)([\s\S]*)$/i.exec(url);
  if (!m) return url;
  const at = m[2]!.lastIndexOf('@');
  return at < 0 ? url : m[1]! + m[2]!.slice(at + 1) + m[3]!;
}
