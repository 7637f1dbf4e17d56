import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** relay's own version, read from package.json on first use (it goes into every report). */
export function relayVersion(): string {
  if (!cached) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    cached = pkg.version;
  }
  return cached;
}
