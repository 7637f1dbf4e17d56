// The CSV guard lives in src/output/csv.ts now (batch and bench reports use it too); this keeps
// existing imports working.
export { neutralizeCell, toCsv, type Cell } from '../output/csv.js';
