// Library entry point: `import { RelayClient } from 'relay'`.
export * from './core/types.js';
export * from './core/errors.js';
export { normalizeUsage } from './core/usage.js';
