import { expect } from 'chai';
import { coresOver } from '../src/record/counters.js';

const series = (values: Array<[number, number]>) => ({ metric: {}, values });

describe('CPU over an exact window', () => {
  it('when samples are sparse around the window, then the counter is interpolated at its edges', () => {
    // 0.5 core throughout, sampled every 15 s; the window 20..50 s holds two samples only
    expect(coresOver([series([[0, 0], [15, 7.5], [30, 15], [45, 22.5], [60, 30]])], 20, 50)).to.be.closeTo(0.5, 1e-12);
    // one sample inside the window: rate() would say nothing, interpolation still can
    expect(coresOver([series([[0, 0], [30, 30], [60, 45]])], 20, 40)).to.be.closeTo((35 - 20) / 20, 1e-12);
  });

  it('when a pod lives only inside the window, then it counts at its own average over the part it covers, and series add up', () => {
    const k6 = series([[25, 1], [40, 13]]); // 0.8 core from 25 to 40 s
    const db = series([[0, 0], [60, 6]]); // 0.1 core
    expect(coresOver([k6, db], 20, 50)).to.be.closeTo(0.8 + 0.1, 1e-12);
  });

  it('when no series has two samples overlapping the window, then it is unknown, not zero', () => {
    expect(coresOver([series([[10, 1]])], 0, 60)).to.equal(null);
    expect(coresOver([series([[0, 0], [10, 5]])], 20, 50)).to.equal(null);
    expect(coresOver([], 0, 60)).to.equal(null);
  });

  it('when a counter resets inside the window, then the reset is not read as negative use', () => {
    expect(coresOver([series([[0, 100], [10, 105], [20, 2], [30, 7]])], 0, 30)).to.be.at.least(0);
  });
});
