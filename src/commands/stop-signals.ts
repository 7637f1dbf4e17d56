// Ctrl-C and SIGTERM (timeout, docker stop, a cancelled CI job) for a long run that stops
// gracefully. Once either came, the handlers stay (doing nothing after dispose) until the process
// exits: a repeat, from GNU timeout signalling the process and then its group or from an impatient
// second Ctrl-C, must not kill it while the report or the output still drains into a slow pipe.

export interface StopSignals {
  /** The run is over: without a signal so far, let the process take signals as usual again. */
  dispose(): void;
}

export function onStopSignals(handler: (signal: NodeJS.Signals) => void): StopSignals {
  let seen = false;
  let over = false;
  const listener = (signal: NodeJS.Signals) => {
    seen = true;
    if (!over) handler(signal);
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return {
    dispose() {
      over = true;
      if (seen) return;
      process.off('SIGINT', listener);
      process.off('SIGTERM', listener);
    },
  };
}
