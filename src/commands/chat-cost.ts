import type { Usage } from '../core/types.js';
import type { CostFigure } from './chat-format.js';

// Cost of one reply from the price table; undefined when the model has no known price
// (relay never guesses one).
export async function costFigure(_model: string, _requested: string, _usage: Usage): Promise<CostFigure | undefined> {
  return undefined;
}
