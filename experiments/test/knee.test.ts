import { expect } from 'chai';
import { checkSlo, findKnee, nextStep, type StepResult } from '../src/analysis/knee.js';
import { podAt } from './synthetic.js';

describe('knee search', () => {
  it('when a step is slow, failing and falling behind, then every reason is named', () => {
    const v = checkSlo({ offeredRps: 100, achievedRps: 80, p95Ms: 250, errorRate: 0.02, droppedIterations: 20 });
    expect(v.ok).to.equal(false);
    expect(v.reasons).to.have.length(3);
    expect(checkSlo({ offeredRps: 100, achievedRps: 96, p95Ms: 199, errorRate: 0.009, droppedIterations: 0 }).ok).to.equal(true);
  });

  it('when a service container restarted during the step, then the step fails even if its figures look fine, and is never generator-bound', () => {
    const v = checkSlo({ offeredRps: 400, achievedRps: 300, p95Ms: 150, errorRate: 0, droppedIterations: 0, restarts: 1 });
    expect(v.ok).to.equal(false);
    expect(v.generatorBound).to.equal(false);
    expect(v.reasons.join()).to.match(/1 service container restart/);
  });

  it('when achieved falls short while p95 sits just under the SLO, then the shortfall is the server\'s, not the generator\'s', () => {
    // 2cpu-2g at 2 replicas: 1,251 offered, 1,174 served at p95 186 ms
    const v = checkSlo({ offeredRps: 1251, achievedRps: 1174, p95Ms: 186, errorRate: 0, droppedIterations: 0 });
    expect(v.ok).to.equal(false);
    expect(v.generatorBound).to.equal(false);
    expect(checkSlo({ offeredRps: 1251, achievedRps: 1174, p95Ms: 60, errorRate: 0, droppedIterations: 0 }).generatorBound).to.equal(true);
  });

  it('when p95 is exactly the SLO, then the step fails (p95 must stay below it)', () => {
    expect(checkSlo({ offeredRps: 100, achievedRps: 100, p95Ms: 200, errorRate: 0, droppedIterations: 0 }).ok).to.equal(false);
  });

  /** Follows nextStep against a pod until the search ends. */
  function drive(pod: (rps: number) => StepResult, options: Parameters<typeof nextStep>[1] = {}) {
    const history: StepResult[] = [];
    const phases = new Set<string>();
    for (;;) {
      const next = nextStep(history, options);
      if (next.done) return { next, history, phases };
      phases.add(next.phase);
      history.push(pod(next.offeredRps));
    }
  }

  for (const capacity of [37, 400, 1234, 9_000, 48_000]) {
    it(`when the controller follows nextStep against a pod that holds ${capacity} req/s, then it brackets it within 5 % with no ceiling below it, and repeats the knee`, () => {
      // from 25 req/s, or from 1,000 for capacities far above the old 5,000 req/s cap
      const { next, history, phases } = drive(podAt(capacity), { startRps: capacity > 5_000 ? 1_000 : 25 });
      if (!next.done) throw new Error('unreachable');
      const k = next.knee;
      expect(k.kneeOfferedRps).to.be.at.most(capacity);
      expect(k.firstFailingRps).to.be.above(capacity);
      expect((k.firstFailingRps! - k.kneeOfferedRps!) / k.kneeOfferedRps!).to.be.at.most(0.05 + 2 / k.kneeOfferedRps!);
      expect(k.censored).to.equal('none');
      expect(k.repeats).to.have.length(3);
      expect(k.range!.lo).to.be.at.most(capacity);
      expect(k.range!.hi).to.be.above(capacity);
      expect(k.warnings).to.deep.equal([]);
      expect(history.length).to.be.at.most(24);
      expect([...phases]).to.include.members(['ramp', 'confirm', 'bisect', 'repeat']);
    });
  }

  it('when a repeat of the knee rate fails, then the rate counts as failed and the knee moves below it', () => {
    const pod = podAt(400);
    const knee = findKnee([pod(390), { ...pod(390), p95Ms: 260 }, pod(410), pod(370)]);
    expect(knee.kneeOfferedRps).to.equal(370);
    expect(knee.firstFailingRps).to.equal(390);
    expect(knee.warnings.join()).to.match(/repeats disagreed at 390/);
    // 390 passed once: the capacity may be above it, so the range runs to 410, which failed every run
    expect(knee.range).to.deep.equal({ lo: 370 * 0.995, mid: 370 * 0.995, hi: 410 });
  });

  it('when one run fails by chance far below capacity, then the search re-offers that rate and, once most runs pass, climbs past it', () => {
    const pod = podAt(400);
    let fluked = false;
    const flaky = (rps: number): StepResult => {
      if (rps === 200 && !fluked) { fluked = true; return { ...pod(rps), p95Ms: 240 }; }
      return pod(rps);
    };
    const { next, history } = drive(flaky);
    if (!next.done) throw new Error('unreachable');
    expect(history.filter((h) => h.offeredRps === 200)).to.have.length(3);
    expect(next.knee.kneeOfferedRps).to.be.within(380, 400);
    expect(next.knee.warnings.join()).to.match(/repeats disagreed at 200/);
  });

  it('when the failure that bounds the search restarted a pod, then it is not offered again', () => {
    const pod = podAt(400);
    const next = nextStep([pod(100), pod(200), { ...pod(450), restarts: 1 }]);
    expect(next).to.deep.include({ done: false, offeredRps: 325, phase: 'bisect' });
    expect(nextStep([pod(100), pod(200), pod(450)])).to.deep.include({ done: false, offeredRps: 450, phase: 'confirm' });
  });

  it('when two of the three runs at the knee rate pass, then the rate passes and its figure and range come from the passing runs', () => {
    const pod = podAt(400);
    const knee = findKnee([pod(370), pod(390), { ...pod(390), p95Ms: 230, achievedRps: 300 }, pod(390), pod(410), pod(410)]);
    expect(knee.kneeOfferedRps).to.equal(390);
    expect(knee.repeats).to.have.length(3);
    expect(knee.perPodTps).to.equal(390 * 0.995);
    expect(knee.range).to.deep.include({ lo: 390 * 0.995, hi: 410 });
  });

  it('when the runs that should confirm a failure come back generator-bound, then the search moves on instead of re-offering it', () => {
    const pod = podAt(1_000_000);
    const history: StepResult[] = [pod(25), pod(50), pod(100), pod(200), { ...pod(400), p95Ms: 150, achievedRps: 300 }, { ...pod(400), achievedRps: 300 }, { ...pod(400), achievedRps: 300 }];
    const next = nextStep(history);
    expect(next).to.not.deep.include({ offeredRps: 400 });
  });

  it('when the load generator cannot send the rate while the server keeps its SLO, then the search stops with a lower bound and names the limit', () => {
    const pod = podAt(1_000_000);
    const sender = (rps: number): StepResult => (rps > 3_000 ? { ...pod(rps), achievedRps: 3_000 } : pod(rps));
    const { next } = drive(sender, { startRps: 100 });
    if (!next.done) throw new Error('unreachable');
    expect(next.reason).to.match(/load generator could not send 3200 rps: capacity is at least 3100 rps \(3 runs\)/);
    expect(next.knee.censored).to.equal('lower-bound');
    expect(next.knee.generatorLimitRps).to.equal(3200);
    expect(next.knee.range!.hi).to.equal(null);
    expect(next.knee.warnings.join()).to.match(/lower bound/);
  });

  it('when the very first step is more than the generator can send, then the search steps down to a rate it can send instead of stopping', () => {
    const pod = podAt(1_000_000);
    const sender = (rps: number): StepResult => (rps > 1_240 ? { ...pod(rps), achievedRps: 1_240 } : pod(rps));
    const { next, history } = drive(sender, { startRps: 1_315, growth: 1.25 });
    if (!next.done) throw new Error('unreachable');
    expect(history[1].offeredRps).to.equal(1052);
    expect(next.knee.censored).to.equal('lower-bound');
    expect(next.knee.kneeOfferedRps).to.be.within(1_240 * 0.95, 1_315);
    expect(next.knee.repeats).to.have.length(3);
  });

  it('when the generator cannot send a rate below the lowest failure, then the search bisects below the generator\'s limit, not the failure', () => {
    const pod = podAt(1_000_000);
    const history: StepResult[] = [{ ...pod(1_315), p95Ms: 508 }, pod(1_052), { ...pod(1_184), achievedRps: 1_114 }];
    const next = nextStep(history, { growth: 1.25 });
    expect(next).to.deep.include({ done: false, offeredRps: 1118, phase: 'bisect' });
  });

  it("when the failing step ran the node out of CPU below the pods' limits, then the knee is node-bound", () => {
    const node = { serviceCores: 0.8, postgresCores: 0.4, redisCores: 0.1, loadgenCores: 0.5, restCores: 0.1, usedCores: 1.9, capacityCores: 2, serviceLimitCores: 1.25 };
    const knee = findKnee([podAt(400)(300), { ...podAt(400)(450), node }]);
    expect(knee.nodeBound).to.equal(true);
    expect(knee.warnings.join()).to.match(/node-bound/);
    expect(findKnee([podAt(400)(300), podAt(400)(450)]).nodeBound).to.equal(false);
  });

  it('when the step limit is reached before the bracket closes, then the search stops and says how wide it is', () => {
    const pod = podAt(400);
    const next = nextStep([pod(100), pod(200), pod(800)], { maxSteps: 3 });
    if (!next.done) throw new Error('unreachable');
    expect(next.knee.warnings.join()).to.match(/300 % wide/);
  });

  it('when even the first rate fails, then the search halves down to the minimum', () => {
    const pod = podAt(0.5);
    const history: StepResult[] = [];
    let next = nextStep(history, { startRps: 8 });
    while (!next.done) {
      history.push(pod(next.offeredRps));
      next = nextStep(history, { startRps: 8 });
    }
    expect(next.knee.perPodTps).to.equal(null);
    expect(next.reason).to.match(/minimum rate/);
  });

  it('when a higher rate passes after a lower one failed, then the knee stays below the failure and it is flagged', () => {
    const pod = podAt(400);
    const knee = findKnee([pod(200), pod(450), { ...pod(300), p95Ms: 500 }, pod(350)]);
    expect(knee.kneeOfferedRps).to.equal(200);
    expect(knee.firstFailingRps).to.equal(300);
    expect(knee.warnings[0]).to.match(/non-monotonic/);
  });
});
