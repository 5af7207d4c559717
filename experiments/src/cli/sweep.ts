/**
 * The comparison table of `make sweep`: reads finished runs and writes comparison.md and
 * comparison.json into the sweep's directory.
 *
 *   npx tsx experiments/src/cli/sweep.ts --out experiments/results/<sweep-id> [--price-cpu-hour P --price-gb-hour P] <run-dir>...
 *
 * With prices, every run's plan is priced (the database included) and the table names the
 * cheapest profile per target.
 */

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pricesFrom } from '../analysis/cost.js';
import { analyseRun, loadRun } from '../report/index.js';
import { compareRuns, renderComparison } from '../report/compare.js';

function main(): number {
  const { values, positionals } = parseArgs({
    options: { out: { type: 'string' }, 'price-cpu-hour': { type: 'string' }, 'price-gb-hour': { type: 'string' } },
    allowPositionals: true,
  });
  const prices = pricesFrom(values['price-cpu-hour'], values['price-gb-hour']) ?? undefined;
  if (!values.out || positionals.length === 0) {
    process.stderr.write('usage: npx tsx experiments/src/cli/sweep.ts --out <dir> <run-dir>...\n');
    return 2;
  }
  const missing = positionals.filter((d) => !existsSync(join(d, 'run.json')));
  if (missing.length) {
    process.stderr.write(`not a results directory (no run.json): ${missing.join(', ')}; run 'make experiment PROFILE=...' for it first\n`);
    return 2;
  }
  const summaries = positionals.map((d) => analyseRun(loadRun(resolve(d)), { prices }));
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
