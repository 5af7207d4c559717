import { expect } from 'chai';
import { judge, metricTags, parseThreshold, splitKey } from '../src/thresholds.js';

describe('thresholds', () => {
  it('parses what k6 accepts', () => {
    expect(parseThreshold('p(95)<500')).to.deep.equal({ stat: 'p(95)', op: '<', value: 500 });
    expect(parseThreshold(' rate >= 0.999 ')).to.deep.equal({ stat: 'rate', op: '>=', value: 0.999 });
    expect(parseThreshold('count==0')).to.deep.equal({ stat: 'count', op: '==', value: 0 });
    expect(parseThreshold('p(99.9)<1e3')).to.deep.equal({ stat: 'p(99.9)', op: '<', value: 1000 });
    expect(parseThreshold('whatever')).to.equal(undefined);
  });
  it('judges an interval: pass or fail only when all of it agrees', () => {
    expect(judge({ low: 100, high: 400 }, '<', 500)).to.equal(true);
    expect(judge({ low: 600, high: 700 }, '<', 500)).to.equal(false);
    expect(judge({ low: 400, high: 600 }, '<', 500)).to.equal(null);
    expect(judge({ low: 500, high: 500 }, '<', 500)).to.equal(false);
    expect(judge({ low: 500, high: 500 }, '<=', 500)).to.equal(true);
    expect(judge({ low: 0, high: 0 }, '==', 0)).to.equal(true);
    expect(judge({ low: 0, high: 2 }, '==', 0)).to.equal(null);
    expect(judge({ low: 120, high: 130 }, '>', 100)).to.equal(true);
    expect(judge({ low: 1, high: 1 }, '!=', 0)).to.equal(true);
  });
  it('splits summary keys of sub-metrics', () => {
    expect(splitKey('http_req_duration{scenario:spike}: p(95)<500')).to.deep.equal({ metric: 'http_req_duration{scenario:spike}', expression: 'p(95)<500' });
    expect(metricTags('http_req_duration{scenario:spike,expected_response:true}')).to.deep.equal({
      name: 'http_req_duration', tags: { scenario: 'spike', expected_response: 'true' },
    });
  });
});
