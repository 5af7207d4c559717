/**
 * Writes the report of a results directory: report.md, summary.json and the SVG charts.
 *
 *   writeReport(dir: string): Promise<{ summary: Summary; files: string[] }>
 *
 * Re-running it on the same directory rewrites the same files from the same inputs.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseRun, type Summary } from './analyse.js';
import { latencyChart, renderSvg, replicasChart, uslChart } from './charts.js';
import { renderMarkdown, whereMeasured, type ChartFiles } from './markdown.js';
import { loadRun } from './run.js';

export { analyseRun, type Summary } from './analyse.js';
export { loadRun, RunInfoSchema, STEP_MIXES, type RunInfo, type RunData, type ScalingPoint, type LoadTestRow, type Prospective } from './run.js';
export { renderSvg } from './charts.js';

export async function writeReport(dir: string): Promise<{ summary: Summary; files: string[] }> {
  const run = loadRun(dir);
  const summary = analyseRun(run);
  const where = whereMeasured(run.info);
  const files: string[] = [];
  const charts: ChartFiles = {};
  const write = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    files.push(join(dir, name));
  };

  if (run.samples?.length) {
    write('replicas.svg', await renderSvg(replicasChart(run.samples, summary.reaction, where)));
    charts.replicas = 'replicas.svg';
    write('latency.svg', await renderSvg(latencyChart(run.samples, summary.reaction, summary.slo, where)));
    charts.latency = 'latency.svg';
  }
  if (run.scaling?.length && summary.usl) {
    write('usl.svg', await renderSvg(uslChart(summary.counts, summary.usl, where)));
    charts.usl = 'usl.svg';
  }
  write('summary.json', JSON.stringify(summary, replaceInfinity, 2) + '\n');
  write('report.md', renderMarkdown(run, summary, charts));
  return { summary, files };
}

/** JSON has no Infinity: an unbounded ceiling is written as null. */
function replaceInfinity(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
