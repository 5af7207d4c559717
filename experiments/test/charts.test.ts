import { expect } from 'chai';
import { DEFAULT_SLO } from '../src/analysis/knee.js';
import { hpaReaction } from '../src/analysis/reaction.js';
import { latencyChart, renderSvg } from '../src/report/charts.js';
import { spikeTimeline } from './synthetic.js';

describe('latency chart', () => {
  it('when the samples have the client p95, then it is drawn beside the server p95 against the SLO, shaded from the client view', async () => {
    const samples = spikeTimeline().map((s) => ({ ...s, k6P95Ms: s.t >= 20 && s.t <= 35 ? 650 : 110 }));
    const spec = latencyChart(samples, hpaReaction(samples), DEFAULT_SLO, 'synthetic');
    const layers = (spec as { layer: Array<{ data: { values: Array<Record<string, unknown>> } }> }).layer;
    expect(layers[0].data.values).to.deep.equal([{ start: 15, end: 35 }]);
    expect(layers[2].data.values).to.deep.equal([{ y: DEFAULT_SLO.p95Ms }]);
    const svg = await renderSvg(spec);
    expect(svg).to.contain('client p95 (k6)').and.contain('server p95').and.contain('client view');
  });

  it('when the samples have no client p95 (an older run), then only the server p95 is drawn and named', async () => {
    const svg = await renderSvg(latencyChart(spikeTimeline(), null, DEFAULT_SLO, 'synthetic'));
    expect(svg).to.contain('server p95').and.not.contain('client p95');
  });
});
