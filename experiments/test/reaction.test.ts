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

describe('HPA reaction from marks and events', () => {
  const marks = (start: number, end: number): RunEvent[] => [
    { t: start, time: '', kind: 'mark', label: 'spike.start' },
    { t: end, time: '', kind: 'mark', label: 'spike.end' },
  ];
  const scaling: RunEvent[] = [
    { t: 27, time: '', kind: 'hpa.desired', from: 1, to: 3 },
    { t: 41, time: '', kind: 'hpa.desired', from: 3, to: 5 },
    { t: 57.5, time: '', kind: 'deployment.replicas', desired: 5, ready: 5 },
  ];

  it('when spike.start and spike.end marks exist, then both win over detection and the lags are exact to the events', () => {
    const r = hpaReaction(spikeTimeline(), [...marks(13.2, 58.4), ...scaling]);
    expect(r).to.include({ spikeStartS: 13.2, spikeStartSource: 'mark', spikeEndS: 58.4, spikeEndSource: 'mark', detectedSpikeStartS: 15 });
    expect(r.timeToFirstDesiredIncreaseS).to.be.closeTo(13.8, 1e-9);
    expect(r.timeToMaxDesiredS).to.be.closeTo(27.8, 1e-9);
    expect(r.timeToReadyAtMaxS).to.be.closeTo(44.3, 1e-9);
    expect(r.timeSources).to.deep.equal({ firstDesiredIncrease: 'event', maxDesired: 'event', readyAtMax: 'event' });
    expect(r.lagResolutionS).to.deep.equal({ firstDesiredIncrease: 0, maxDesired: 0, readyAtMax: 0 });
    expect(r.warnings).to.deep.equal([]);
  });

  it('when a time comes from a sample or the start is detected, then its lag is good to the sample interval', () => {
    const marked = hpaReaction(spikeTimeline(), [...marks(13.2, 58.4), scaling[0]]);
    expect(marked.timeSources).to.deep.equal({ firstDesiredIncrease: 'event', maxDesired: 'sample', readyAtMax: 'sample' });
    expect(marked.lagResolutionS).to.deep.equal({ firstDesiredIncrease: 0, maxDesired: 5, readyAtMax: 5 });
    const detected = hpaReaction(spikeTimeline(), scaling);
    expect(detected).to.include({ spikeStartSource: 'detected', spikeEndSource: 'detected', resolutionS: 5 });
    expect(detected.lagResolutionS).to.deep.equal({ firstDesiredIncrease: 5, maxDesired: 5, readyAtMax: 5 });
  });

  it('when the spike.start mark is far from the rise of the load, then the mark counts and a warning says how far', () => {
    const r = hpaReaction(spikeTimeline(), marks(2, 58));
    expect(r).to.include({ spikeStartS: 2, spikeStartSource: 'mark', detectedSpikeStartS: 15, timeToFirstDesiredIncreaseS: 28 });
    expect(r.warnings.join()).to.match(/spike\.start mark \(2 s\) and the rise of k6Vus \(15 s\) are 13 s apart/);
  });
});

describe('SLO breaches, client view against server view', () => {
  it('when the server p95 stays under the SLO but clients saw it over, then the breach is the clients\' and the server view is clean', () => {
    // The server's 30 s p95 smooths a short stall that k6's 15 s window shows.
    const rows = spikeTimeline().map((s) => ({ ...s, p95Ms: 90, errorRate: 0, k6P95Ms: s.t >= 20 && s.t <= 35 ? 650 : 110 }));
    const r = hpaReaction(rows);
    expect(r.breachView).to.equal('client');
    expect(r.breaches).to.deep.equal([{ startS: 15, endS: 35, durationS: 20, maxP95Ms: 650, maxErrorRate: 0, reasons: ['p95'] }]);
    expect(r).to.include({ breachSecondsTotal: 20, breachSecondsWhileScaling: 20, serverBreachSecondsTotal: 0, serverBreachSecondsWhileScaling: 0 });
    expect(r.serverBreaches).to.deep.equal([]);
  });

  it('when the samples have no k6 p95, then the server view judges and both views agree', () => {
    const r = hpaReaction(spikeTimeline());
    expect(r.breachView).to.equal('server');
    expect(r.serverBreaches).to.deep.equal(r.breaches);
    expect(r.serverBreachSecondsTotal).to.equal(15);
  });

  it('when a client sample has no p95 (k6 not sending), then it is no latency breach, but 5xx still are', () => {
    const rows = [sample(0, { k6P95Ms: null, p95Ms: 900 }), sample(5, { k6P95Ms: null, errorRate: 0.5 }), sample(10, { k6P95Ms: 80 })];
    expect(breachWindows(rows, undefined, 'client')).to.deep.equal([{ startS: 0, endS: 5, durationS: 5, maxP95Ms: null, maxErrorRate: 0.5, reasons: ['errors'] }]);
    expect(breachWindows(rows, undefined, 'server').map((b) => b.reasons)).to.deep.equal([['p95', 'errors']]);
  });
});
