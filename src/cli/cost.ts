import type { Command } from 'commander';
import type { Act } from './io.js';

export function registerCost(_program: Command, _act: Act): void {
  // not built yet
}
