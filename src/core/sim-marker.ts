/** Response header by which relay sim marks every reply, so any figure taken from it can say it is simulated. */
export const SIM_MARKER = 'x-relay-sim';
