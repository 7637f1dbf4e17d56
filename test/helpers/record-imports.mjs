// Loaded with `node --import`: reports every package module the program resolves, so a test can
// check that `relay --help` loads nothing heavy (the hooks run on their own thread, hence writeSync).
import { register } from 'node:module';

const hooks = `
import { writeSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.includes('/node_modules/')) writeSync(2, 'RELAY_IMPORT ' + r.url + '\\n');
  return r;
}`;
register('data:text/javascript,' + encodeURIComponent(hooks));
