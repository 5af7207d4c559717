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

  it('when p95 is exactly the SLO, then the step fails (p95 must stay below it)', () => {
    expect(checkSlo({ offeredRps: 100, achievedRps: 100, p95Ms: 200, errorRate: 0, droppedIterations: 0 }).ok).to.equal(false);
  });

  for (const capacity of [37, 400, 1234]) {
    it(`when the controller follows nextStep against a pod that holds ${capacity} req/s, then the knee is within 5 % below it`, () => {
      const pod = podAt(capacity);
      const history: StepResult[] = [];
      let phases = new Set<string>();
      for (;;) {
        const next = nextStep(history, { startRps: 25, maxRps: 5000 });
        if (next.done) {
          expect(next.knee.kneeOfferedRps).to.be.at.most(capacity);
          expect(next.knee.kneeOfferedRps!).to.be.at.least(capacity * 0.95 - 5);
          expect(next.knee.perPodTps).to.equal(next.knee.kneeOfferedRps! * 0.995);
          break;
        }
        phases.add(next.phase);
        history.push(pod(next.offeredRps));
      }
      expect(history.length).to.be.at.most(12);
      expect([...phases]).to.include.members(['ramp', 'bisect']);
    });
  }

  it('when every step passes up to the maximum rate, then the search stops and says it is a lower bound', () => {
    const pod = podAt(10_000);
    const history: StepResult[] = [];
    let next = nextStep(history, { startRps: 100, maxRps: 1000 });
    while (!next.done) {
      history.push(pod(next.offeredRps));
      next = nextStep(history, { startRps: 100, maxRps: 1000 });
    }
    expect(history.map((h) => h.offeredRps)).to.deep.equal([100, 200, 400, 800, 1000]);
    expect(next.reason).to.match(/maximum rate/);
    expect(next.knee.warnings.join()).to.match(/lower bound/);
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

  it('when the step limit is reached, then the search stops', () => {
    const pod = podAt(400);
    const next = nextStep([pod(25), pod(50)], { maxSteps: 2 });
    expect(next.done).to.equal(true);
  });
});
