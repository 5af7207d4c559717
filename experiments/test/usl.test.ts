import { expect } from 'chai';
import { fitUsl, uslPeak, uslThroughput, type UslParams } from '../src/analysis/usl.js';
import { lcg, TRUTH } from './synthetic.js';

const within = (actual: number, expected: number, share: number) => expect(Math.abs(actual - expected) / expected, `${actual} vs ${expected}`).to.be.at.most(share);

describe('USL fit', () => {
  const truths: UslParams[] = [
    { lambda: 1000, sigma: 0.05, kappa: 0.02 },
    { lambda: 600, sigma: 0.1, kappa: 0.005 },
    { lambda: 250, sigma: 0.02, kappa: 0.04 },
  ];

  for (const truth of truths) {
    it(`when X(N) for N=1..8 is exact (λ=${truth.lambda}, σ=${truth.sigma}, κ=${truth.kappa}), then σ and κ come back within 5 % and R² is 1`, () => {
      const fit = fitUsl(Array.from({ length: 8 }, (_, i) => ({ n: i + 1, x: uslThroughput(truth, i + 1) })));
      within(fit.sigma, truth.sigma, 0.05);
      within(fit.kappa, truth.kappa, 0.05);
      within(fit.lambda, truth.lambda, 0.01);
      expect(fit.r2).to.be.greaterThan(0.99999);
      expect(fit.method).to.equal('least-squares');
      within(fit.peakN!, Math.sqrt((1 - truth.sigma) / truth.kappa), 0.05);
    });
  }

  // σ is the weakly identified parameter: with ±0.5 % noise about 1 seed in 20 lands σ 5.2 % off.
  // ±0.25 % keeps every seed inside 5 %; ±2 % is checked on predictions, which stay tight.
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`when three runs per N carry ±0.25 % noise (seed ${seed}), then σ and κ still come back within 5 %`, () => {
      const rnd = lcg(seed);
      const points = Array.from({ length: 8 }, (_, i) => i + 1).flatMap((n) => [0, 1, 2].map(() => ({ n, x: uslThroughput(TRUTH, n) * (1 + 0.0025 * (2 * rnd() - 1)) })));
      const fit = fitUsl(points);
      within(fit.sigma, TRUTH.sigma, 0.05);
      within(fit.kappa, TRUTH.kappa, 0.05);
      expect(fit.r2).to.be.greaterThan(0.999);
    });
  }

  it('when the points carry ±2 % noise, then the fitted curve stays within 3 % of the true one', () => {
    const rnd = lcg(7);
    const points = Array.from({ length: 8 }, (_, i) => i + 1).flatMap((n) => [0, 1, 2].map(() => ({ n, x: uslThroughput(TRUTH, n) * (1 + 0.02 * (2 * rnd() - 1)) })));
    const fit = fitUsl(points);
    for (let n = 1; n <= 8; n++) within(fit.predict(n), uslThroughput(TRUTH, n), 0.03);
    expect(fit.r2).to.be.greaterThan(0.95);
  });

  it('when the system scales linearly, then σ and κ are 0 and there is no peak', () => {
    const fit = fitUsl([1, 2, 4, 8].map((n) => ({ n, x: 300 * n })));
    expect(fit.sigma).to.be.closeTo(0, 1e-6);
    expect(fit.kappa).to.be.closeTo(0, 1e-9);
    expect(fit.peakN).to.equal(null);
    expect(fit.ceilingX).to.equal(Infinity);
    expect(fit.predict(10)).to.be.closeTo(3000, 1);
  });

  it('when there is contention but no coherency cost, then the ceiling is λ/σ', () => {
    const truth = { lambda: 500, sigma: 0.2, kappa: 0 };
    const fit = fitUsl([1, 2, 3, 4, 6, 8].map((n) => ({ n, x: uslThroughput(truth, n) })));
    within(fit.sigma, 0.2, 0.01);
    expect(fit.kappa).to.be.lessThan(1e-6);
    if (fit.peakN === null) within(fit.ceilingX, 2500, 0.01);
  });

  it('when adding replicas lowers throughput (σ > 1, pods sharing one node), then the ceiling is one replica\'s λ', () => {
    const truth = { lambda: 3000, sigma: 2, kappa: 0 };
    const fit = fitUsl([1, 2, 3, 4].map((n) => ({ n, x: uslThroughput(truth, n) })));
    within(fit.sigma, 2, 0.05);
    within(fit.ceilingX, 3000, 0.01);
  });

  it('when there is one point, then the fit is linear and flagged', () => {
    const fit = fitUsl([{ n: 1, x: 420 }]);
    expect(fit).to.include({ lambda: 420, sigma: 0, kappa: 0, method: 'linear' });
    expect(fit.warnings.join(' ')).to.match(/linear fit/);
    expect(fit.predict(3)).to.equal(1260);
  });

  it('when there are two replica counts, then λ is the least-squares slope through the origin, flagged', () => {
    const fit = fitUsl([{ n: 1, x: 100 }, { n: 2, x: 180 }, { n: 2, x: 190 }]);
    expect(fit.method).to.equal('linear');
    expect(fit.lambda).to.be.closeTo((100 + 2 * 180 + 2 * 190) / (1 + 4 + 4), 1e-9);
    expect(fit.warnings).to.have.length(1);
  });

  it('when points are unusable, then they are dropped with a warning, and none at all is an error', () => {
    const fit = fitUsl([{ n: 1, x: 100 }, { n: 0, x: 5 }, { n: 2, x: NaN }]);
    expect(fit.points).to.equal(1);
    expect(fit.warnings[0]).to.match(/2 point\(s\)/);
    expect(() => fitUsl([])).to.throw(/no usable/);
  });

  it('when κ > 0, then the peak is at sqrt((1−σ)/κ) and is the maximum of X', () => {
    const p = { lambda: 100, sigma: 0.1, kappa: 0.01 };
    const peak = uslPeak(p)!;
    expect(peak.n).to.be.closeTo(Math.sqrt(90), 1e-9);
    expect(uslThroughput(p, peak.n)).to.be.greaterThan(uslThroughput(p, peak.n - 0.5));
    expect(uslThroughput(p, peak.n)).to.be.greaterThan(uslThroughput(p, peak.n + 0.5));
  });
});
