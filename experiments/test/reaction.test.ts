import { expect } from 'chai';
import { breachWindows, hpaReaction } from '../src/analysis/reaction.js';
import type { RunEvent } from '../src/model.js';
import { sample, spikeTimeline } from './synthetic.js';

describe('HPA reaction', () => {
  it('when the spike is detected from the VUs, then every time matches the hand-made timeline', () => {
    const r = hpaReaction(spikeTimeline());
    expect(r).to.include({
      loadSignal: 'k6Vus', spikeStartS: 15, spikeStartSource: 'detected', spikeEndS: 60,
      baselineLoad: 50, peakLoad: 450, baselineRps: 100, peakRps: 850, rampS: 0,
      baselineDesired: 1, maxDesired: 5,
      firstDesiredIncreaseAtS: 30, timeToFirstDesiredIncreaseS: 15,
      maxDesiredAtS: 45, timeToMaxDesiredS: 30,
      readyAtMaxAtS: 60, timeToReadyAtMaxS: 45,
      breachSecondsTotal: 15, breachSecondsWhileScaling: 15, resolutionS: 5,
    });
    expect(r.scalingWindow).to.deep.equal({ startS: 15, endS: 60 });
    expect(r.breaches).to.deep.equal([{ startS: 15, endS: 30, durationS: 15, maxP95Ms: 400, maxErrorRate: 0.05, reasons: ['p95', 'errors'] }]);
    expect(r.warnings).to.deep.equal([]);
  });

  it('when an hpa.desired event is earlier than the next sample, then its exact time counts', () => {
    const events: RunEvent[] = [{ t: 27, time: '', kind: 'hpa.desired', from: 1, to: 3 }];
    const r = hpaReaction(spikeTimeline(), events);
    expect(r.timeToFirstDesiredIncreaseS).to.equal(12);
  });

  it('when the spike start is given, then it wins over a mark and over detection', () => {
    const mark: RunEvent[] = [{ t: 11, time: '', kind: 'mark', label: 'spike.start' }];
    expect(hpaReaction(spikeTimeline(), mark).spikeStartS).to.equal(11);
    expect(hpaReaction(spikeTimeline(), mark).spikeStartSource).to.equal('mark');
    const given = hpaReaction(spikeTimeline(), mark, { spikeStartS: 10 });
    expect(given).to.include({ spikeStartS: 10, spikeStartSource: 'given', timeToFirstDesiredIncreaseS: 20, timeToReadyAtMaxS: 50 });
  });

  it('when a breach overlaps the scaling window only partly, then only the overlap counts as while scaling', () => {
    const rows = spikeTimeline().map((s) => (s.t === 100 ? { ...s, p95Ms: 300 } : s));
    const r = hpaReaction(rows);
    expect(r.breachSecondsTotal).to.equal(20);
    expect(r.breachSecondsWhileScaling).to.equal(15);
  });

  it('when the HPA never scales, then the times are null and it says so', () => {
    const rows = spikeTimeline().map((s) => ({ ...s, desiredReplicas: 1, readyReplicas: 1 }));
    const r = hpaReaction(rows);
    expect(r.timeToFirstDesiredIncreaseS).to.equal(null);
    expect(r.warnings.join()).to.match(/did not scale up/);
  });

  it('when ready never reaches the maximum, then time to ready is null and the scaling window runs to the end', () => {
    const rows = spikeTimeline().map((s) => ({ ...s, readyReplicas: Math.min(s.readyReplicas!, 3) }));
    const r = hpaReaction(rows);
    expect(r.timeToReadyAtMaxS).to.equal(null);
    expect(r.scalingWindow).to.deep.equal({ startS: 15, endS: 120 });
    expect(r.warnings.join()).to.match(/never reached/);
  });

  it('when the load is flat, then no spike is found', () => {
    const rows = [0, 5, 10, 15, 20].map((t) => sample(t, { k6Vus: 50, desiredReplicas: 1, readyReplicas: 1 }));
    const r = hpaReaction(rows);
    expect(r.spikeStartS).to.equal(null);
    expect(r.warnings.join()).to.match(/no spike/);
  });

  it('when there is no VU series, then served req/s is the load signal', () => {
    const rows = spikeTimeline().map((s) => ({ ...s, k6Vus: null, k6Rps: null }));
    const r = hpaReaction(rows);
    expect(r.loadSignal).to.equal('rps');
    expect(r.spikeStartS).to.equal(15);
  });

  it('when p95 is missing (no traffic), then the sample is no breach', () => {
    expect(breachWindows([sample(0, {}), sample(5, { p95Ms: null, errorRate: null })])).to.deep.equal([]);
  });
});
