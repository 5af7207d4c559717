import { expect } from 'chai';
import { cheapestProfiles, memoryGiB, priceTarget, pricesFrom, type PriceInput } from '../src/analysis/cost.js';

describe('cost', () => {
  const prices = { cpuHour: 0.04, gbHour: 0.005 };
  const base: PriceInput = {
    targetTps: 1_000, prices,
    replicas: { lo: 4, mid: 5, hi: 7 },
    basis: 'usl',
    pod: { cpu: 0.25, memoryGiB: 0.5 },
    postgresCores: { lo: 0.5, mid: 1, hi: 1.5 },
    redisCores: { lo: 0.1, mid: 0.2, hi: 0.3 },
    postgresMemoryGiB: 2, redisMemoryGiB: 1,
  };

  it('when a target is priced, then pods cost replicas × (CPU + memory) and the shared parts cores × CPU + memory, each with its range', () => {
    const c = priceTarget(base);
    const pod = 0.25 * 0.04 + 0.5 * 0.005; // 0.0125 per pod-hour
    expect(c.service.mid).to.be.closeTo(5 * pod, 1e-12);
    expect(c.service.hi).to.be.closeTo(7 * pod, 1e-12);
    expect(c.postgres!.mid).to.be.closeTo(1 * 0.04 + 2 * 0.005, 1e-12);
    expect(c.redis!.lo).to.be.closeTo(0.1 * 0.04 + 1 * 0.005, 1e-12);
    expect(c.total.mid).to.be.closeTo(5 * pod + 0.05 + 0.013, 1e-12);
    expect(c.meets).to.equal(true);
    expect(c.unpriced).to.deep.equal([]);
  });

  it('when a shared part\'s memory limit is unknown, then it is priced on CPU alone and named', () => {
    const c = priceTarget({ ...base, postgresMemoryGiB: null });
    expect(c.postgres!.mid).to.be.closeTo(0.04, 1e-12);
    expect(c.unpriced).to.deep.equal(['PostgreSQL memory']);
  });

  it('when profiles are ranked, then the cheapest that reaches each target wins, and one that cannot reach it never does', () => {
    const small = priceTarget(base); // 5 small pods
    const big = priceTarget({ ...base, replicas: { lo: 1, mid: 2, hi: 2 }, pod: { cpu: 2, memoryGiB: 2 } }); // 2 big pods: 0.18 per hour of pods
    const unreachable = priceTarget({ ...base, replicas: { lo: 3, mid: Infinity, hi: Infinity }, pod: { cpu: 0.1, memoryGiB: 0.1 } });
    expect(unreachable.meets).to.equal(false);
    const [c] = cheapestProfiles([{ profile: '2cpu-2g', costs: [big] }, { profile: '250m-512m', costs: [small] }, { profile: '100m-256m', costs: [unreachable] }]);
    expect(c.profile).to.equal('250m-512m');
    expect(c.total!.mid).to.be.closeTo(small.total.mid, 1e-12);
    expect(cheapestProfiles([{ profile: '100m-256m', costs: [unreachable] }])[0]).to.deep.equal({ targetTps: 1_000, profile: null, total: null, basis: null });
  });

  it('when a profile\'s shared-part memory is unpriced, then it is never ranked cheapest (its memory would look free)', () => {
    const full = priceTarget(base);
    const partial = priceTarget({ ...base, postgresMemoryGiB: null, redisMemoryGiB: null }); // cheaper only because memory is missing
    expect(partial.total.mid).to.be.below(full.total.mid);
    expect(cheapestProfiles([{ profile: 'old-run', costs: [partial] }, { profile: 'new-run', costs: [full] }])[0].profile).to.equal('new-run');
  });

  it('when prices are given, then both are needed and must be numbers ≥ 0', () => {
    expect(pricesFrom(undefined, undefined)).to.equal(null);
    expect(pricesFrom('0.04', '0.005')).to.deep.equal(prices);
    expect(() => pricesFrom('0.04', undefined)).to.throw(/both PRICE_CPU_HOUR and PRICE_GB_HOUR/);
    expect(() => pricesFrom('cheap', '0.005')).to.throw(/numbers ≥ 0/);
    expect(() => pricesFrom('-1', '0.005')).to.throw(/numbers ≥ 0/);
  });

  it('when memory quantities are read, then binary and decimal suffixes give GiB', () => {
    expect(memoryGiB('512Mi')).to.equal(0.5);
    expect(memoryGiB('2Gi')).to.equal(2);
    expect(memoryGiB(String(2 ** 30))).to.equal(1);
    expect(memoryGiB('1G')).to.be.closeTo(1e9 / 2 ** 30, 1e-12);
    expect(memoryGiB('lots')).to.equal(null);
    expect(memoryGiB(undefined)).to.equal(null);
  });
});
