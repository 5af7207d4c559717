import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { analyseRun, loadRun } from '../src/report/index.js';
import { compareRuns, renderComparison } from '../src/report/compare.js';
import { resourceLimits } from '../src/report/run.js';
import { syntheticRunDir } from './synthetic.js';

describe('sweep comparison', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const runDir = (profile: string, cpuLimit: string) => {
    const dir = syntheticRunDir({ profile, cpuLimit });
    dirs.push(dir);
    return dir;
  };

  it('when the limits are read, then millicores become cores and a missing or broken value is null', () => {
    expect(resourceLimits(JSON.stringify({ limits: { cpu: '500m', memory: '1Gi' } }))).to.deep.equal({ cpu: 0.5, memory: '1Gi' });
    expect(resourceLimits(JSON.stringify({ limits: { cpu: '2' } }))).to.deep.equal({ cpu: 2, memory: null });
    expect(resourceLimits(JSON.stringify({ requests: { cpu: '1' } }))).to.deep.equal({ cpu: null, memory: null });
    expect(resourceLimits('not json')).to.deep.equal({ cpu: null, memory: null });
    expect(resourceLimits(undefined)).to.deep.equal({ cpu: null, memory: null });
  });

  it('when two profiles are compared, then each row carries its per-pod TPS, TPS per core, plan, HPA lag, spike test, hold-out error and prospective check', () => {
    const summaries = [runDir('500m-1g', '500m'), runDir('1cpu-2g', '1')].map((d) => analyseRun(loadRun(d)));
    const rows = compareRuns(summaries);
    expect(rows.map((r) => r.profile)).to.deep.equal(['500m-1g', '1cpu-2g']);
    expect(rows.map((r) => r.cpuLimitCores)).to.deep.equal([0.5, 1]);
    expect(rows.map((r) => r.tpsPerCore)).to.deep.equal([796, 398]);
    expect(rows[0].uslSigma).to.be.closeTo(0.08, 0.004);
    expect(rows[0].replicas.map((r) => r.linear)).to.deep.equal([4, 36, 108]);
    expect(rows[0].timeToReadyAtMaxS).to.equal(45);
    expect(rows[0].spike).to.deep.equal({ requests: 54321, p95Ms: 390.9, failures: 27 });
    expect(rows[0].prospective).to.deep.equal({ targetTps: 1427, replicas: null, verdict: 'confirmed' });
    expect(rows[0].holdOutErrorPct).to.be.closeTo(0, 0.5);

    const md = renderComparison(rows, summaries, ['a/report.md', 'b/report.md']);
    expect(md).to.contain('| profile | CPU limit | memory limit | per-pod TPS | TPS per core |');
    expect(md).to.contain('| [500m-1g](a/report.md) | 500m | 2Gi | 398 (398–425) | 796 |');
    expect(md).to.contain('| [1cpu-2g](b/report.md) | 1 | 2Gi | 398 (398–425) | 398 |');
    expect(md).to.contain('1,427 req/s on none: confirmed');
    const table = md.split('\n').filter((l) => l.startsWith('|'));
    expect(new Set(table.map((l) => l.split(/(?<!\\)\|/).length)).size).to.equal(1);
  });

  it('when the sweep CLI is given runs, then it writes comparison.md and .json; given a directory that is no run, it exits 2', async () => {
    const out = mkdtempSync(join(tmpdir(), 'headroom-sweep-'));
    dirs.push(out);
    const a = runDir('250m-512m', '250m');
    const b = runDir('500m-1g', '500m');
    const run = promisify(execFile);
    const cwd = join(import.meta.dirname, '..');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/sweep.ts', '--out', out, a, b], { cwd });
    expect(stdout).to.contain('| [250m-512m](');
    expect(stdout, 'a quarter core is written as Kubernetes does').to.match(/\| \[250m-512m\]\([^)]*\) \| 250m \|/);
    expect(JSON.parse(readFileSync(join(out, 'comparison.json'), 'utf8')).map((r: { profile: string }) => r.profile)).to.deep.equal(['250m-512m', '500m-1g']);
    expect(existsSync(join(out, 'comparison.md'))).to.equal(true);
    const err = await run(process.execPath, ['--import', 'tsx', 'src/cli/sweep.ts', '--out', out, tmpdir()], { cwd }).then(() => null, (e: { code: number; stderr: string }) => e);
    expect(err!.code).to.equal(2);
    expect(err!.stderr).to.match(/no run\.json/);
  });
});
