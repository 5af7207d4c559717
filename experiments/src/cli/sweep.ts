/**
 * The comparison table of `make sweep`: reads finished runs and writes comparison.md and
 * comparison.json into the sweep's directory.
 *
 *   npx tsx experiments/src/cli/sweep.ts --out experiments/results/<sweep-id> <run-dir>...
 */

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { analyseRun, loadRun } from '../report/index.js';
import { compareRuns, renderComparison } from '../report/compare.js';

function main(): number {
  const { values, positionals } = parseArgs({ options: { out: { type: 'string' } }, allowPositionals: true });
  if (!values.out || positionals.length === 0) {
    process.stderr.write('usage: npx tsx experiments/src/cli/sweep.ts --out <dir> <run-dir>...\n');
    return 2;
  }
  const missing = positionals.filter((d) => !existsSync(join(d, 'run.json')));
  if (missing.length) {
    process.stderr.write(`not a results directory (no run.json): ${missing.join(', ')}; run 'make experiment PROFILE=...' for it first\n`);
    return 2;
  }
  const summaries = positionals.map((d) => analyseRun(loadRun(resolve(d))));
  const rows = compareRuns(summaries);
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const md = renderComparison(rows, summaries, summaries.map((_, i) => join(relative(out, resolve(positionals[i])), 'report.md')));
  writeFileSync(join(out, 'comparison.md'), md);
  writeFileSync(join(out, 'comparison.json'), JSON.stringify(rows, null, 2) + '\n');
  process.stdout.write(`${md}\nwrote ${join(out, 'comparison.md')} and comparison.json\n`);
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  process.stderr.write(`sweep: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
