// CPU time the hypervisor gave to other guests ("steal", /proc/stat) while a measurement ran.
// On a shared virtual machine it can take a third of the CPU for seconds at a time; a latency or
// throughput figure taken then says more about the neighbours than about relay, so each figure
// is printed with it. Linux only; elsewhere nothing is printed.
import { readFileSync } from 'node:fs';

function sample() {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    return { steal: cpu[7] ?? 0, total: cpu.reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

/** Starts a meter; calling the result gives ", CPU steal N%" for the time since, or '' when unknown. */
export function stealMeter() {
  const a = sample();
  return () => {
    const b = sample();
    if (!a || !b || b.total <= a.total) return '';
    return `, CPU steal ${(((b.steal - a.steal) / (b.total - a.total)) * 100).toFixed(1)}%`;
  };
}
