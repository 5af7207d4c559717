/**
 * Re-renders the report of an existing results directory.
 *
 *   npx tsx experiments/src/cli/report.ts experiments/results/<run-id>
 */

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeReport } from '../report/index.js';

async function main(argv: string[]): Promise<number> {
  if (argv.length !== 1 || argv[0].startsWith('-')) {
    process.stderr.write('usage: npx tsx experiments/src/cli/report.ts <results-dir>\n');
    return 2;
  }
  const dir = resolve(argv[0]);
  if (!existsSync(dir)) {
    process.stderr.write(`no such directory: ${dir}\n`);
    return 2;
  }
  const { summary, files } = await writeReport(dir);
  for (const f of files) process.stdout.write(`wrote ${f}\n`);
  for (const w of summary.warnings) process.stdout.write(`note: ${w}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: Error) => {
    process.stderr.write(`report: ${err.message}\n`);
    process.exitCode = 1;
  },
);
