/**
 * Writes the report of a results directory: report.md, report.html (the same, with the charts
 * drawn live in the page), summary.json and the SVG charts.
 *
 *   writeReport(dir: string): Promise<{ summary: Summary; files: string[] }>
 *
 * Re-running it on the same directory rewrites the same files from the same inputs.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseRun, type Summary } from './analyse.js';
import type { TopLevelSpec } from 'vega-lite';
import { latencyChart, renderSvg, replicasChart, uslChart } from './charts.js';
import { renderHtml } from './html.js';
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
  const specs: Record<string, TopLevelSpec> = {};
  const write = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    files.push(join(dir, name));
  };
  const chart = async (name: 'replicas' | 'latency' | 'usl', spec: TopLevelSpec) => {
    write(`${name}.svg`, await renderSvg(spec));
    charts[name] = `${name}.svg`;
    specs[`${name}.svg`] = spec;
  };

  if (run.samples?.length) {
    await chart('replicas', replicasChart(run.samples, summary.reaction, where));
    await chart('latency', latencyChart(run.samples, summary.reaction, summary.slo, where));
  }
  if (run.scaling?.length && summary.usl) await chart('usl', uslChart(summary.counts, summary.usl, where));
  write('summary.json', JSON.stringify(summary, replaceInfinity, 2) + '\n');
  const markdown = renderMarkdown(run, summary, charts);
  write('report.md', markdown);
  write('report.html', renderHtml(markdown, specs, `headroom report: ${where}`));
  return { summary, files };
}

/** JSON has no Infinity: an unbounded ceiling is written as null. */
function replaceInfinity(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
