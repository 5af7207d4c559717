import { expect } from 'chai';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PEAK_RPS_AT_SCALE_1, SPIKE_START_OFFSET_S } from '../src/analysis/plan.js';

// The plan restates two facts of the normal-plus-spike k6 script. The script is held to
// k6-operator/test/report-shapes.mjs by `make test-k6` (k6 inspect); here the plan is held to it.
interface Scenario { vus?: number; startTime?: number; stages?: Array<[number, number]>; think?: string }
type Shapes = Record<string, { scenarios: Record<string, Scenario> }>;
const SHAPES_FILE = join(import.meta.dirname, '..', '..', 'k6-operator', 'test', 'report-shapes.mjs');
const scenariosOf = async (name: string) => ((await import(pathToFileURL(SHAPES_FILE).href)) as { SHAPES: Shapes }).SHAPES[name].scenarios;

// journey.js browse(): a token, its status, the concerts, a concert's dates and its seats.
const REQUESTS_PER_BROWSE = 5;

describe('scenario facts the plan restates from the k6 scripts', () => {
  it("when normal-plus-spike's surge starts, then SPIKE_START_OFFSET_S says the same", async () => {
    const { spike } = await scenariosOf('normal-plus-spike');
    expect(SPIKE_START_OFFSET_S['normal-plus-spike']).to.equal(spike.startTime);
  });

  it('when normal-plus-spike peaks, then PEAK_RPS_AT_SCALE_1 is its VUs x 5 requests per iteration of 1 s think', async () => {
    const { normal, spike } = await scenariosOf('normal-plus-spike');
    expect([normal.think, spike.think]).to.deep.equal(['1', '1']);
    const peakVus = normal.vus! + Math.max(...spike.stages!.map(([, target]) => target));
    expect(PEAK_RPS_AT_SCALE_1['normal-plus-spike']).to.equal(peakVus * REQUESTS_PER_BROWSE);
  });
});
