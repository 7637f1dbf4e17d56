import type { Command } from 'commander';
import type { Act } from './io.js';

export function registerChat(_program: Command, _act: Act): void {
  // being built
}
