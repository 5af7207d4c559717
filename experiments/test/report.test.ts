import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeReport } from '../src/report/index.js';
import { syntheticRunDir } from './synthetic.js';

function expectSvg(svg: string, ...texts: string[]): void {
  expect(svg.startsWith('<svg')).to.equal(true);
  expect(svg.trimEnd().endsWith('</svg>')).to.equal(true);
  expect(svg).to.match(/<path [^>]*d="M[^"]+"/);
  const opens = (svg.match(/<g[\s>]/g) ?? []).length;
  const closes = (svg.match(/<\/g>/g) ?? []).length;
  expect(opens, 'balanced <g>').to.equal(closes);
  for (const t of texts) expect(svg).to.contain(t);
}

describe('report', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('when a synthetic run directory is rendered, then report.md, report.html, summary.json and three SVG charts are written', async () => {
    const dir = syntheticRunDir();
    dirs.push(dir);
    const { summary, files } = await writeReport(dir);
    expect(files.map((f) => f.slice(dir.length + 1)).sort()).to.deep.equal(['latency.svg', 'replicas.svg', 'report.html', 'report.md', 'summary.json', 'usl.svg']);

    expect(summary.knee!.kneeOfferedRps).to.equal(400);
    expect(summary.usl!.sigma).to.be.closeTo(0.08, 0.004);
    expect(summary.reaction!.timeToReadyAtMaxS).to.equal(45);
    expect(summary.plan.map((p) => p.linearReplicas)).to.deep.equal([4, 36, 108]);
    expect(summary.hpaAdvice!.targetCpuUtilisationPercent).to.equal(70);

    // The subtitle, wrapped at 100 characters: each line is one text element of the SVG.
    const where = ['profile 2cpu-2g, 2 CPU / 24 GiB node (single-node local cluster), shared with PostgreSQL, Redis,', 'Prometheus, k6 runners, control plane'];
    expectSvg(readFileSync(join(dir, 'replicas.svg'), 'utf8'), 'Replicas and throughput over time', 'desired replicas', 'ready replicas', ...where);
    expectSvg(readFileSync(join(dir, 'usl.svg'), 'utf8'), 'Throughput per replica count', 'USL fit', ...where);
    expectSvg(readFileSync(join(dir, 'latency.svg'), 'utf8'), 'p95 latency over time', ...where);
    for (const f of ['replicas.svg', 'usl.svg', 'latency.svg']) {
      const width = Number(/<svg[^>]* width="(\d+)"/.exec(readFileSync(join(dir, f), 'utf8'))![1]);
      expect(width, `${f} width`).to.be.below(1100);
    }

    const json = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(json.run.command).to.equal('make experiment PROFILE=2cpu-2g');
    expect(json.knee.perPodTps).to.equal(398);
    expect(json.usl).to.not.have.property('predict');
  });

  it('when report.html is read, then it is self-contained and draws the three charts of report.md from their specs', async () => {
    const dir = syntheticRunDir();
    dirs.push(dir);
    await writeReport(dir);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).to.match(/^<!doctype html>/);
    expect(html).to.contain('<h1>headroom report: 20250101-000000-2cpu-2g</h1>');
    expect(html).to.contain('<strong>Per-pod TPS: 398 req/s, range 398–425</strong>');
    // Nothing fetched: no external script, stylesheet or image; the Vega runtime is inline.
    expect(html).to.not.match(/<(script|img|link)[^>]+(src|href)=/);
    expect(html).to.contain('vega.View');
    const specs = JSON.parse(/const specs = (.*);\n/.exec(html)![1].replace(/<\\\//g, '</'));
    expect(Object.keys(specs)).to.deep.equal(['chart-1', 'chart-2', 'chart-3']);
    for (const id of Object.keys(specs)) expect(html).to.contain(`<div id="${id}" class="chart"`);
    // Interactive: the time charts pan and zoom, every mark has a tooltip.
    expect(JSON.stringify(specs)).to.contain('"tooltip"');
    expect(JSON.stringify(specs)).to.contain('zoom');
  });

  it('when the report is read, then it names its inputs and command and carries every table', async () => {
    const dir = syntheticRunDir();
    dirs.push(dir);
    await writeReport(dir);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    for (const s of ['# headroom report: 20250101-000000-2cpu-2g', '2 CPU / 24 GiB node', 'PostgreSQL, Redis', 'make experiment PROFILE=2cpu-2g',
      '| profile | 2cpu-2g |', '| scenario | normal-plus-spike |', '| kubernetes version | v1.33.13 |',
      '**Per-pod TPS: 398 req/s, range 398–425**', '| spike start → ready at max | 45 s |', '![Throughput per replica count with the fitted USL curve](usl.svg)',
      '![Desired and ready replicas and throughput over time](replicas.svg)', '| 30,000 | 108 (101–108) |',
      '| 8 | yes | 1,302 | 412 | 2 % | no | no |', '**confirmed**: the plan said no count reaches 1427 req/s; 8 replica(s), where the curve peaks, missed it.',
      '| 6 | 1,297 |', '| pass |', '## Hold-out check']) {
      expect(md).to.contain(s);
    }
    expect(md).to.match(/\| 2cpu-2g \| normal-plus-spike \| 54,321 \| 80\.5 \| 210 \| 391 \| 453 \| 91 % \| 27 \|/);
    for (const table of md.split('\n\n').filter((b) => b.startsWith('|'))) {
      const widths = table.split('\n').map((l) => l.split(/(?<!\\)\|/).length);
      expect(new Set(widths).size, table).to.equal(1);
    }
  });

  it('when only run.json and samples exist, then the report still renders and lists what is missing', async () => {
    const dir = syntheticRunDir();
    dirs.push(dir);
    for (const f of ['saturation.json', 'scaling.json', 'loadtests.json', 'prospective.json']) rmSync(join(dir, f));
    const { summary } = await writeReport(dir);
    expect(existsSync(join(dir, 'usl.svg'))).to.equal(false);
    expect(summary.warnings.join()).to.match(/no saturation results/).and.match(/fewer than 2 measured replica counts: no USL fit/);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).to.contain('_No scaling results (scaling.json) in this run._');
    expect(md).to.contain('_No prospective check (prospective.json) in this run._');
  });

  it('when the CLI re-renders a results directory, then it writes the files and exits 0; without one it exits 2', async () => {
    const dir = syntheticRunDir();
    dirs.push(dir);
    rmSync(join(dir, 'usl.svg'), { force: true });
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/report.ts', dir], { cwd: join(import.meta.dirname, '..') });
    expect(stdout).to.contain(`wrote ${join(dir, 'report.md')}`);
    expect(existsSync(join(dir, 'usl.svg'))).to.equal(true);
    const err = await run(process.execPath, ['--import', 'tsx', 'src/cli/report.ts'], { cwd: join(import.meta.dirname, '..') }).then(() => null, (e: { code: number }) => e);
    expect(err!.code).to.equal(2);
  });
});
