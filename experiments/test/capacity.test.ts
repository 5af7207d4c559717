import { expect } from 'chai';
import { chooseCounts, countPoint, fitPoints, holdOut, planRanges, prospectiveTarget, type CountPoint } from '../src/analysis/capacity.js';
import { findKnee } from '../src/analysis/knee.js';
import { fitUsl, uslThroughput } from '../src/analysis/usl.js';
import { podAt, TRUTH } from './synthetic.js';

/** Counts 1..n of a curve, each bracketed ±`width` around the true value. */
function counts(curve: (n: number) => number, n: number, width = 0.02): CountPoint[] {
  return Array.from({ length: n }, (_, i) => {
    const x = curve(i + 1);
    return { replicas: i + 1, throughputRps: x, lo: x * (1 - width), hi: x * (1 + width), censored: 'none' };
  });
}

describe('capacity', () => {
  it('when a count never failed or never passed, then it is kept in the data but not fitted', () => {
    const points: CountPoint[] = [
      ...counts((n) => uslThroughput(TRUTH, n), 3),
      { replicas: 4, throughputRps: 1500, lo: 1500, hi: null, censored: 'lower-bound' },
      { replicas: 5, throughputRps: 0, lo: 0, hi: 200, censored: 'no-pass' },
    ];
    expect(fitPoints(points).map((p) => p.n)).to.deep.equal([1, 2, 3]);
    // The old fit took (5, 0) as a measurement: κ jumps and the ceiling lands above anything measured.
    const fitted = fitUsl(fitPoints(points).map((p) => ({ n: p.n, x: points[p.n - 1].throughputRps })));
    expect(fitted.sigma).to.be.closeTo(TRUTH.sigma, 0.01);
  });

  it('when the search result is censored, then countPoint says so and keeps both ends of the bracket', () => {
    const pod = podAt(400);
    expect(countPoint(2, findKnee([pod(300), pod(300), pod(300), pod(420)]))).to.deep.include({ replicas: 2, lo: 298.5, hi: 420, censored: 'none' });
    expect(countPoint(2, findKnee([pod(100), pod(200)]))).to.deep.include({ hi: null, censored: 'lower-bound' });
    expect(countPoint(2, findKnee([pod(800)]))).to.deep.include({ throughputRps: 0, hi: 800, censored: 'no-pass' });
  });

  it('when the data follow the USL, then the hold-out prediction of the largest count passes', () => {
    const h = holdOut(counts((n) => uslThroughput(TRUTH, n), 6))!;
    expect(h.fitCounts).to.deep.equal([1, 2, 3, 4, 5]);
    expect(h.heldOutN).to.equal(6);
    expect(Math.abs(h.errorPct)).to.be.below(1);
    expect(h.pass).to.equal(true);
    expect(h.predictedRange.lo).to.be.at.most(h.observedRps);
    expect(h.predictedRange.hi).to.be.at.least(h.observedRps);
  });

  for (const [name, curve] of [
    ['a cliff at the largest count (a shared resource runs out)', (n: number) => (n < 6 ? 400 * n : 900)],
    ['a step up the USL cannot bend to (a cache that warms at 6)', (n: number) => (n < 6 ? uslThroughput(TRUTH, n) : 2 * uslThroughput(TRUTH, n))],
  ] as const) {
    it(`when the data are made non-USL by ${name}, then the hold-out check fails and says by how much`, () => {
      const h = holdOut(counts(curve, 6))!;
      expect(h.pass).to.equal(false);
      expect(Math.abs(h.errorPct)).to.be.above(10);
    });
  }

  it('when fewer than four counts are measured, then there is no hold-out check', () => {
    expect(holdOut(counts((n) => 100 * n, 3))).to.equal(null);
  });

  it('when the prospective target is chosen, then it is 10 % above the best measured and N is the curve\'s first count that reaches it', () => {
    const points = counts((n) => uslThroughput(TRUTH, n), 4);
    const t = prospectiveTarget(points, TRUTH)!;
    expect(t.targetTps).to.equal(Math.ceil(uslThroughput(TRUTH, 4) * 1.1));
    expect(uslThroughput(TRUTH, t.replicas!)).to.be.at.least(t.targetTps);
    expect(uslThroughput(TRUTH, t.replicas! - 1)).to.be.below(t.targetTps);
    expect(t.replicas).to.be.above(4);
  });

  it('when the node holds few pods at the profile\'s limit, then the choice says so and names profiles that give five counts', () => {
    const profiles = [{ name: '250m-512m', cpuCores: 0.25 }, { name: '500m-1g', cpuCores: 0.5 }, { name: '2cpu-2g', cpuCores: 2 }];
    const big = chooseCounts(2, 2, 'auto', profiles);
    expect(big.counts).to.deep.equal([1, 2, 3]);
    expect(big.fitOnNode).to.equal(1);
    expect(big.note).to.match(/node-bound/).and.match(/use 250m-512m/);
    const small = chooseCounts(2, 0.25, 'auto', profiles);
    expect(small.counts).to.deep.equal([1, 2, 3, 4, 5]);
    expect(small.note).to.not.match(/fewer than/);
    expect(chooseCounts(2, 0.25, 7, profiles).counts).to.have.length(7);
  });

  it('when the plan has ranges, then they come from the per-pod range and the refits, and rows beyond the counts say how far they extrapolate', () => {
    const draws = [0.9, 1, 1.1].flatMap((f) => [{ ...TRUTH, lambda: TRUTH.lambda * f }]);
    const [row] = planRanges({ targets: [1_000], headroom: 0.3, perPod: { lo: 380, mid: 400, hi: 420 }, draws, measuredCounts: [1, 2, 3] });
    expect(row.linearRange).to.deep.equal({ lo: 4, mid: 4, hi: 4 });
    expect(row.uslRange!.lo).to.be.at.most(row.uslRange!.mid);
    expect(row.uslRange!.mid).to.be.at.most(row.uslRange!.hi);
    expect(row.uslPrinted).to.equal(false);
    const [far] = planRanges({ targets: [30_000], headroom: 0.3, perPod: { lo: 380, mid: 400, hi: 420 }, draws: null, measuredCounts: [1, 2, 3, 4, 5] });
    expect(far.linearRange).to.deep.equal({ lo: 103, mid: 108, hi: 113 });
    expect(far.extrapolation).to.be.closeTo(108 / 5, 1e-9);
    const [never] = planRanges({ targets: [30_000], headroom: 0.3, perPod: null, draws, measuredCounts: [1, 2, 3, 4, 5] });
    expect(never.uslRange!.hi).to.equal(Infinity);
    expect(never.uslRange!.unreachableShare).to.equal(1);
  });
});
