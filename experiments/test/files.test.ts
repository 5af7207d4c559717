import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_COLUMNS } from '../src/model.js';
import { EventsJsonl, parseCsvLine, readEventsJsonl, readSamplesCsv, SamplesCsv, toCsvRow } from '../src/record/files.js';
import { sample } from './synthetic.js';

describe('samples.csv and events.jsonl', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'headroom-files-'));

  it('when samples are appended, then the CSV has the header once and reads back equal, nulls as empty cells', () => {
    const path = join(dir(), 'nested', 'samples.csv');
    const rows = [sample(0, { desiredReplicas: 1, readyReplicas: 1, rps: 12.345678, p95Ms: 80 }), sample(5, { k6Vus: 50, errorRate: 0.25 })];
    const csv = new SamplesCsv(path);
    rows.forEach((r) => csv.append(r));
    new SamplesCsv(path).append(sample(10, {}));
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines[0]).to.equal(SAMPLE_COLUMNS.map(([c]) => c).join(','));
    expect(lines).to.have.length(4);
    expect(lines[1]).to.match(/^0,2025-01-01T00:00:00.000Z,1,,1,12.3457,80,/);
    const back = readSamplesCsv(path);
    expect(back[0]).to.deep.equal({ ...rows[0], rps: 12.3457 });
    expect(back[1]).to.deep.equal(rows[1]);
    expect(back[2].rps).to.equal(null);
  });

  it('when a sample has the node CPU split and the client p95, then those columns round-trip too', () => {
    const path = join(dir(), 'samples.csv');
    const row = sample(5, {
      p95Ms: 80, k6P95Ms: 143.25, cpuServiceCores: 0.8125, cpuPostgresCores: 0.25, cpuRedisCores: 0.0625,
      cpuLoadGenCores: 0.375, cpuNodeCores: 1.875, cpuRestCores: 0.375, nodeCpuCores: 2, cpuThrottledShare: 0.125,
    });
    new SamplesCsv(path).append(row);
    expect(readFileSync(path, 'utf8').split('\n')[0]).to.match(/,k6_vus,k6_p95_ms,cpu_service_cores,cpu_postgres_cores,cpu_redis_cores,cpu_loadgen_cores,cpu_node_cores,cpu_rest_cores,node_cpu_cores,cpu_throttled_share$/);
    expect(readSamplesCsv(path)).to.deep.equal([row]);
  });

  it('when a samples.csv predates the new columns, then it still reads and they are null', () => {
    const path = join(dir(), 'old.csv');
    const old = SAMPLE_COLUMNS.slice(0, SAMPLE_COLUMNS.findIndex(([c]) => c === 'k6_p95_ms'));
    expect(old.map(([c]) => c)).to.deep.equal(['t_s', 'time', 'desired_replicas', 'current_replicas', 'ready_replicas', 'rps', 'p95_ms',
      'error_rate', 'cpu_pods', 'cpu_min_cores', 'cpu_mean_cores', 'cpu_max_cores', 'cpu_mean_util', 'hpa_cpu_util_percent', 'k6_rps', 'k6_vus']);
    const row = sample(5, { desiredReplicas: 2, p95Ms: 80, k6Vus: 40 });
    writeFileSync(path, [old.map(([c]) => c).join(','), toCsvRow(old.map(([, k]) => row[k]))].join('\n') + '\n');
    const [back] = readSamplesCsv(path);
    expect(back).to.deep.equal(row);
    expect(back.k6P95Ms).to.equal(null);
    expect(back.cpuNodeCores).to.equal(null);
  });

  it('when the columns come in another order, then they are read by name', () => {
    const path = join(dir(), 'reordered.csv');
    const cols = [...SAMPLE_COLUMNS].reverse();
    const row = sample(10, { rps: 7, k6P95Ms: 250, cpuRestCores: 0.5 });
    writeFileSync(path, [cols.map(([c]) => c).join(','), toCsvRow(cols.map(([, k]) => row[k]))].join('\n') + '\n');
    expect(readSamplesCsv(path)).to.deep.equal([row]);
  });

  it('when a cell holds commas, quotes or newlines, then it is quoted and parses back', () => {
    const line = toCsvRow(['a,b', 'say "hi"', 'x\ny', 3, null, NaN]);
    expect(line).to.equal('"a,b","say ""hi""","x\ny",3,,');
    expect(parseCsvLine('"a,b","say ""hi""",3,,')).to.deep.equal(['a,b', 'say "hi"', '3', '', '']);
  });

  it('when a CSV misses a column, then reading it names the column', () => {
    const path = join(dir(), 'bad.csv');
    writeFileSync(path, 't_s,time\n0,x\n');
    expect(() => readSamplesCsv(path)).to.throw(/desired_replicas/);
  });

  it('when events are appended, then each is one JSON line and reads back equal', () => {
    const path = join(dir(), 'events.jsonl');
    const log = new EventsJsonl(path);
    const events = [
      { t: 1.5, time: '2025-01-01T00:00:01.500Z', kind: 'hpa.desired', from: 1, to: 3 },
      { t: 2, time: '2025-01-01T00:00:02.000Z', kind: 'hpa.condition', type: 'ScalingLimited', status: 'True', message: 'a "quoted",\nmessage' },
    ];
    events.forEach((e) => log.append(e));
    expect(readFileSync(path, 'utf8').split('\n')).to.have.length(3);
    expect(readEventsJsonl(path)).to.deep.equal(events);
  });

  it('when a JSONL line is broken, then reading it names the line', () => {
    const path = join(dir(), 'events.jsonl');
    writeFileSync(path, '{"t":0,"time":"","kind":"a"}\n{oops\n');
    expect(() => readEventsJsonl(path)).to.throw(/:2: not JSON/);
  });
});
