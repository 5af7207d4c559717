import { expect } from 'chai';
import { ceilingCheck, componentDemands, connectionCheck, systemPlan } from '../src/analysis/demand.js';
import type { StepResult } from '../src/analysis/knee.js';

/** A step at `x` req/s whose parts spend the given CPU ms per request, plus 0.1 core of idle rest and `pgIdle` of idle PostgreSQL. */
function step(x: number, ms: { service: number; postgres: number; redis: number }, pgIdle = 0): StepResult {
  const c = (m: number) => (m * x) / 1000;
  const node = {
    serviceCores: c(ms.service), postgresCores: c(ms.postgres) + pgIdle, redisCores: c(ms.redis), loadgenCores: c(0.2), restCores: 0.1,
    usedCores: c(ms.service + ms.postgres + ms.redis + 0.2) + 0.1, capacityCores: 2, serviceLimitCores: 1,
  };
  return { offeredRps: x, achievedRps: x, p95Ms: 50, errorRate: 0, droppedIterations: 0, node };
}

describe('whole-system demand', () => {
  it('when steps carry the node\'s CPU split, then each part\'s CPU per request is the slope of its cores against req/s, its idle use the intercept', () => {
    const steps = [100, 200, 300, 400].map((x) => step(x, { service: 2, postgres: 1, redis: 0.25 }));
    steps.push({ ...step(450, { service: 9, postgres: 9, redis: 9 }), p95Ms: 900 }); // failed the SLO: not used
    const d = Object.fromEntries(componentDemands(steps).map((x) => [x.component, x]));
    expect(d.service.steps).to.equal(4);
    expect(d.service.ms.mid).to.be.closeTo(2, 1e-9);
    expect(d.postgres.ms.mid).to.be.closeTo(1, 1e-9);
    expect(d.rest.ms.mid).to.be.closeTo(0, 1e-9);
    expect(d.rest.idleCores).to.be.closeTo(0.1, 1e-9); // the 0.1 core of idle rest is not charged to requests
    expect(d.service.ms.lo).to.be.closeTo(2, 1e-9); // an exact line has no spread
  });

  it('when the cores scatter around the line, then the range widens around the slope', () => {
    const steps = [100, 200, 300, 400].map((x, i) => step(x, { service: 2 * (1 + (i % 2 ? 0.1 : -0.1)), postgres: 1, redis: 0.25 }));
    const d = componentDemands(steps).find((x) => x.component === 'service')!;
    expect(d.ms.lo).to.be.below(d.ms.mid);
    expect(d.ms.hi).to.be.above(d.ms.mid);
  });

  const demands = componentDemands([100, 200, 300].map((x) => step(x, { service: 2, postgres: 1, redis: 0.25 })));
  const limits = { postgresLimitCores: 1, redisLimitCores: 0.5, workersPerPod: 1, dbPoolPerWorker: 10, maxConnections: 200 };

  it('when planning a target, then PostgreSQL and Redis cores are D·T / 0.7, and the part that saturates first as deployed is named', () => {
    const [row] = systemPlan({ targets: [1_400], demands, limits, serviceReplicas: [5], serviceCeilingRps: Infinity });
    expect(row.postgresCores!.mid).to.be.closeTo(2, 1e-9); // 1 ms × 1,400 / 0.7
    expect(row.redisCores!.mid).to.be.closeTo(0.5, 1e-9);
    // PostgreSQL's 1 core saturates at 1,000 req/s; Redis' 0.5 at 2,000: PostgreSQL first.
    expect(row.bottleneck).to.deep.equal({ component: 'postgres', atRps: 1000 });
    expect(row.advice.join()).to.match(/PostgreSQL needs 2 cores/);
  });

  it('when one Redis thread cannot carry the target, then the plan says so; when the service tops out first, it is the bottleneck', () => {
    const [row] = systemPlan({ targets: [30_000], demands, limits: { ...limits, postgresLimitCores: 100, redisLimitCores: 4 }, serviceReplicas: [100], serviceCeilingRps: 800 });
    expect(row.redisOneInstanceCarries).to.equal(false); // 0.25 ms × 30,000 / 0.7 = 10.7 cores
    expect(row.advice.join()).to.match(/one thread/);
    expect(row.bottleneck).to.deep.equal({ component: 'service', atRps: 800 });
  });

  it('when replicas × workers × pool reach max_connections, then the plan says how to fit (smaller pool or a pooler)', () => {
    const [ok, over] = systemPlan({ targets: [1_000, 10_000], demands, limits, serviceReplicas: [19, 30], serviceCeilingRps: Infinity });
    expect(ok.connections).to.deep.equal({ needed: 190, max: 200, fits: true });
    expect(over.connections).to.deep.equal({ needed: 300, max: 200, fits: false });
    expect(over.advice.join()).to.match(/lower the pool to 6 per worker/).and.match(/pooler/);
  });

  it('when PostgreSQL idles at some CPU, then its ceiling is the limit left after the idle part, over D', () => {
    const idling = componentDemands([100, 200, 300].map((x) => step(x, { service: 2, postgres: 1, redis: 0.25 }, 0.05)));
    const [row] = systemPlan({ targets: [1_000], demands: idling, limits, serviceReplicas: [5], serviceCeilingRps: Infinity });
    expect(row.bottleneck!.component).to.equal('postgres');
    expect(row.bottleneck!.atRps).to.be.closeTo(950, 1e-6); // (1 − 0.05) cores / 1 ms
  });

  describe('connection check', () => {
    const tight = { ...limits, maxConnections: 15 }; // pool 10, one worker: 1 pod fits, 2 do not
    const seen = (held: number, byStatus: Record<string, number> = {}, byKind: Record<string, number> = {}): StepResult =>
      ({ ...step(300, { service: 2, postgres: 1, redis: 0.25 }), server: { dbConnectionsMax: held, errorsByStatus: byStatus, unavailableByKind: byKind } });

    it('when the pools exceed max_connections and PostgreSQL refuses with 503 too_many_connections and no 500, then it failed as predicted', () => {
      const [one, two] = connectionCheck([
        { replicas: 1, steps: [seen(4), seen(10)] },
        { replicas: 2, steps: [seen(9), seen(15, { 503: 40 }, { 'postgresql:too_many_connections': 40 })] },
      ], tight);
      expect(one).to.deep.include({ needed: 10, fits: true, refused: 0, verdict: 'as predicted' });
      expect(two).to.deep.include({ needed: 20, fits: false, heldMax: 15, refused: 40, internalErrors: 0, verdict: 'as predicted' });
    });

    it('when a refusal comes where the pools fit, or any request gets a 500, then the check is refuted', () => {
      const [fitsButRefused] = connectionCheck([{ replicas: 1, steps: [seen(15, { 503: 3 }, { 'postgresql:too_many_connections': 3 })] }], tight);
      expect(fitsButRefused.verdict).to.equal('refuted');
      const [crashed] = connectionCheck([{ replicas: 2, steps: [seen(15, { 500: 2, 503: 5 }, { 'postgresql:too_many_connections': 5 })] }], tight);
      expect(crashed.verdict).to.equal('refuted');
      expect(crashed.why).to.match(/2 responses were 500s/);
    });

    it('when the pools could exceed max_connections but the load never filled them, then the check is untested, not passed', () => {
      const [c] = connectionCheck([{ replicas: 2, steps: [seen(6), seen(9)] }], tight);
      expect(c.verdict).to.equal('untested');
      expect(c.why).to.match(/held at most 9/);
      expect(connectionCheck([{ replicas: 2, steps: [step(300, { service: 2, postgres: 1, redis: 0.25 })] }], tight)).to.deep.equal([]);
    });
  });

  describe('ceiling check', () => {
    // One pod holds 300 req/s; PostgreSQL spends 1 ms per request under a 0.45-core limit: the system tops out at 450.
    const onePod = { replicas: 1, throughputRps: 300, censored: 'none' as const, steps: [75, 150, 225, 300].map((x) => step(x, { service: 3, postgres: 1, redis: 0.1 })) };
    const dbLimited = { ...limits, postgresLimitCores: 0.45 };
    const count = (replicas: number, throughputRps: number) => ({ replicas, throughputRps, censored: 'none' as const });

    it('when the counts past the predicted ceiling plateau at it, then the check passes and adding pods gains nothing', () => {
      const [c] = ceilingCheck([onePod, count(2, 440), count(3, 455), count(4, 448)], dbLimited);
      expect(c.component).to.equal('postgres');
      expect(c.predictedRps.mid).to.be.closeTo(450, 1e-6);
      expect(c.beyond.map((b) => b.replicas)).to.deep.equal([2, 3, 4]);
      expect(c.observedRps).to.equal(448);
      expect(c.withinTolerance).to.equal(true);
      expect(c.gain).to.be.closeTo(8 / 440, 1e-9);
    });

    it('when the plateau sits far below the prediction, then the check fails with its size', () => {
      const [c] = ceilingCheck([onePod, count(2, 310), count(3, 300)], dbLimited);
      expect(c.error).to.be.closeTo(305 / 450 - 1, 1e-9);
      expect(c.withinTolerance).to.equal(false);
    });

    it('when no count reaches past the ceiling, or the one-replica point is censored, then there is nothing to check', () => {
      expect(ceilingCheck([onePod, count(2, 440)], limits)).to.deep.equal([]); // 1 core: 1,000 req/s, past 2 × 300
      expect(ceilingCheck([{ ...onePod, censored: 'lower-bound' }, count(2, 440)], dbLimited)).to.deep.equal([]);
    });

    it('when a count past the ceiling is node-bound, then it is not evidence for the plateau', () => {
      const [c] = ceilingCheck([onePod, { ...count(2, 452), nodeBound: true }, count(3, 300)], dbLimited);
      expect(c.observedRps).to.equal(300);
      expect(c.withinTolerance).to.equal(false);
    });

    it('when a count past the ceiling is only bounded from below, but above the ceiling by more than 10 %, then it refutes the prediction', () => {
      const [c] = ceilingCheck([onePod, count(2, 450), { ...count(3, 600), censored: 'lower-bound' }], dbLimited);
      expect(c.boundAbove).to.equal(600);
      expect(c.withinTolerance).to.equal(false);
    });

    it('when the fitted idle use fills the limit, then that part has no ceiling to check', () => {
      const busy = { ...onePod, steps: [75, 150, 225, 300].map((x) => step(x, { service: 3, postgres: 1, redis: 0.1 }, 0.5)) };
      expect(ceilingCheck([busy, count(2, 440)], dbLimited).map((c) => c.component)).to.not.include('postgres');
    });

    it('when a count past the ceiling was only bounded, then it is listed but not taken as the plateau', () => {
      const [c] = ceilingCheck([onePod, { ...count(2, 430), censored: 'lower-bound' }, count(3, 470)], dbLimited);
      expect(c.beyond.map((b) => b.censored)).to.deep.equal(['lower-bound', 'none']);
      expect(c.observedRps).to.equal(470);
    });
  });

  it('when no step has the CPU split, or fewer than three do, then there are no demands', () => {
    const { node: _n, ...bare } = step(300, { service: 2, postgres: 1, redis: 0.25 });
    expect(componentDemands([bare, bare, bare])).to.deep.equal([]);
    expect(componentDemands([step(100, { service: 2, postgres: 1, redis: 0.25 }), step(200, { service: 2, postgres: 1, redis: 0.25 })])).to.deep.equal([]);
  });
});
