import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { RelayError, EXIT, configError } from '../core/errors.js';
import { validateConfig, type RelayConfig } from './schema.js';

export interface LoadedConfig {
  config: RelayConfig;
  /** Path of the file the configuration came from, if any. */
  file?: string;
}

// Listed explicitly (DESIGN 3) so relay never picks up a file under a name we did not document.
const SEARCH_PLACES = [
  'package.json',
  '.relayrc',
  '.relayrc.json',
  '.relayrc.yaml',
  '.relayrc.yml',
  'relay.config.json',
  'relay.config.yaml',
  'relay.config.yml',
  'relay.config.js',
  'relay.config.mjs',
];

export async function loadConfig(opts: { env: NodeJS.ProcessEnv; cwd: string; configPath?: string }): Promise<LoadedConfig> {
  const explicit = opts.configPath ?? opts.env.RELAY_CONFIG;
  const { cosmiconfig } = await import('cosmiconfig');
  const explorer = cosmiconfig('relay', { searchPlaces: SEARCH_PLACES, searchStrategy: 'global', cache: false });
  let result;
  try {
    if (explicit) {
      const path = resolve(opts.cwd, explicit);
      if (!existsSync(path)) {
        throw new RelayError(`config file ${explicit} does not exist (from ${opts.configPath ? '--config' : 'RELAY_CONFIG'})`, {
          code: 'config', exitCode: EXIT.config,
        });
      }
      result = await explorer.load(path);
    } else {
      result = await explorer.search(opts.cwd);
    }
  } catch (e) {
    if (e instanceof RelayError) throw e;
    const where = explicit || 'the config file';
    // Parsers put the reason on the lines after "Error in FILE:"; keep it, on one line.
    const reason = (e as Error).message.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 2).join(' ');
    throw new RelayError(`cannot read ${where}: ${reason}`, {
      code: 'config', exitCode: EXIT.config, cause: e,
    });
  }
  if (!result || result.isEmpty) return { config: {}, file: result?.filepath };
  const problems = validateConfig(result.config);
  if (problems.length) throw configError(problems.map((p) => `${result.filepath}: ${p}`));
  return { config: result.config as RelayConfig, file: result.filepath };
}
