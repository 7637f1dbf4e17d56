// Prints the plain closing line CI reads (`N passed, N failed`) from vitest's JSON report.
// Exits non-zero when the report is missing, any test failed, or no test ran.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.relay-tmp/test-results.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  console.log('test report missing: the test run did not finish');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
// A file that fails to load runs no test; count it as a failure so a broken file cannot hide.
const brokenFiles = (report.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed')).length;
const failed = (report.numFailedTests ?? 0) + brokenFiles;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
