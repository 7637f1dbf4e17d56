// Library entry point: `import { RelayClient } from 'relay'`. The same core the CLI uses.
export * from './core/types.js';
export * from './core/errors.js';
export { RelayClient, type ClientOptions, type ChatCallOptions, type Endpoint, type RetryInfo } from './core/client.js';
export { Router, type RouterOptions, type RoutedResult, type Failover, type EndpointHealth } from './core/router.js';
export { DEFAULT_RETRY, decideRetry, serverWaitMs, type RetryPolicy, type Failure, type RetryDecision } from './core/retry.js';
export { parseRateLimitHeaders, parseGoDuration } from './core/ratelimit-headers.js';
export { createSseDecoder } from './core/sse.js';
export { createStreamReader, isComplete } from './core/stream-reader.js';
export { assembleCompletion } from './core/assemble.js';
export { normalizeUsage } from './core/usage.js';
export { startSim, type SimOptions, type SimServer } from './sim/server.js';
