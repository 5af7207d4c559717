import { expect } from 'chai';
import { hpaAdvice, linearReplicas, planReplicas, prewarmReplicas, spikeScale, targetCpuUtilisation, uslReplicas } from '../src/analysis/plan.js';
import { uslThroughput } from '../src/analysis/usl.js';

describe('plan', () => {
  it("when headroom is 0, then the linear plan is the reports' own arithmetic: 30,000 / 600 = 50", () => {
    expect(linearReplicas(30_000, 600, 0)).to.equal(50);
  });

  it('when headroom is 30 %, then linear replicas = ceil(target / perPod / 0.7)', () => {
    expect(linearReplicas(30_000, 600)).to.equal(72);
    expect(linearReplicas(1_000, 100)).to.equal(15);
    expect(linearReplicas(700, 100)).to.equal(10);
  });

  it('when the headroom or the per-pod TPS is impossible, then it throws', () => {
    expect(() => linearReplicas(1000, 0)).to.throw(/positive/);
    expect(() => linearReplicas(1000, 100, 1)).to.throw(/headroom/);
  });

  const usl = { lambda: 600, sigma: 0.05, kappa: 0.0001 };

  it('when the target is reachable, then USL gives the smallest N whose X(N) covers target / (1 − headroom)', () => {
    const r = uslReplicas(usl, 1_000);
    expect(r).to.deep.include({ reachable: true, replicas: 3 });
    expect(uslThroughput(usl, 3)).to.be.at.least(1000 / 0.7);
    expect(uslThroughput(usl, 2)).to.be.below(1000 / 0.7);
    for (const target of [500, 2_000, 5_000]) {
      const got = uslReplicas(usl, target);
      let brute = 1;
      while (uslThroughput(usl, brute) < target / 0.7) brute++;
      expect(got).to.deep.include({ reachable: true, replicas: brute });
    }
  });

  it('when the target is above the USL peak, then it is unreachable with the ceiling and where it is', () => {
    const r = uslReplicas(usl, 30_000);
    expect(r.reachable).to.equal(false);
    if (!r.reachable) {
      expect(r.atReplicas).to.equal(97);
      expect(r.ceilingTps).to.be.closeTo(uslThroughput(usl, 97), 1e-9);
    }
  });

  it('when κ = 0 and σ > 0, then targets at or above λ/σ are unreachable', () => {
    expect(uslReplicas({ lambda: 100, sigma: 0.1, kappa: 0 }, 700, 0)).to.deep.include({ reachable: true });
    expect(uslReplicas({ lambda: 100, sigma: 0.1, kappa: 0 }, 1_000, 0)).to.deep.include({ reachable: false, ceilingTps: 1000 });
  });

  it('when σ ≥ 1 (every added replica costs more than it brings), then one replica is the answer or nothing is', () => {
    const shared = { lambda: 3079, sigma: 2.24, kappa: 0 };
    expect(uslReplicas(shared, 1_000)).to.deep.equal({ reachable: true, replicas: 1, throughput: 3079 });
    expect(uslReplicas(shared, 10_000)).to.deep.equal({ reachable: false, ceilingTps: 3079, atReplicas: 1 });
  });

  it('when planning the default targets, then each row carries linear and USL answers', () => {
    const rows = planReplicas({ perPodTps: 600, usl });
    expect(rows.map((r) => r.targetTps)).to.deep.equal([1_000, 10_000, 30_000]);
    expect(rows.map((r) => r.linearReplicas)).to.deep.equal([3, 24, 72]);
    expect(rows[2].usl!.reachable).to.equal(false);
    expect(planReplicas({ perPodTps: null, usl: null })[0]).to.include({ linearReplicas: null, usl: null });
  });

  it('when the lag outlasts the ramp, then pre-warm covers the whole peak; when it is shorter, only B + G·L', () => {
    expect(prewarmReplicas({ baseTps: 100, peakTps: 1000, rampS: 10, lagS: 30, perPodTps: 200 })).to.equal(5);
    expect(prewarmReplicas({ baseTps: 100, peakTps: 1000, rampS: 10, lagS: 5, perPodTps: 200 })).to.equal(3);
    expect(prewarmReplicas({ baseTps: 100, peakTps: 1000, rampS: 0, lagS: 5, perPodTps: 200 })).to.equal(5);
  });

  it('when advising the HPA, then the target CPU is the knee CPU less the headroom and the formula is stated', () => {
    expect(targetCpuUtilisation(0.3)).to.equal(70);
    expect(targetCpuUtilisation(0.3, 0.8)).to.equal(56);
    const a = hpaAdvice({ perPodTps: 200, lagS: 5, baseTps: 100, peakTps: 1000, rampS: 10 });
    expect(a).to.include({ minReplicas: 3, targetCpuUtilisationPercent: 70 });
    expect(a.formula).to.contain('ceil(min(1000, 100 + 90·5) / 200) = 3');
  });

  describe('spikeScale', () => {
    const base = { minReplicas: 1, peakRpsAtScale1: 2250, minScale: 0.1 };
    it('when one pod serves 450 req/s, then the spike asks for 900 req/s: SCALE 0.4', () => {
      expect(spikeScale({ ...base, perPodTps: 450 })).to.equal(0.4);
    });
    it('when the minimum is two replicas, then the spike doubles with it', () => {
      expect(spikeScale({ ...base, perPodTps: 450, minReplicas: 2 })).to.equal(0.8);
    });
    it('when the pod is large, then the spike stops at the reports\' size 1; when it is tiny, at the floor', () => {
      expect(spikeScale({ ...base, perPodTps: 3420 })).to.equal(1);
      expect(spikeScale({ ...base, perPodTps: 50 })).to.equal(0.1);
    });
    it('when the ratio is not a round number, then it is rounded up to 0.01', () => {
      expect(spikeScale({ ...base, perPodTps: 500 })).to.equal(0.45);
      expect(spikeScale({ ...base, perPodTps: 501 })).to.equal(0.45);
      expect(spikeScale({ ...base, perPodTps: 507 })).to.equal(0.46);
    });
  });
});
