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
