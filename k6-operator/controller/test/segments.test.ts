import { expect } from 'chai';
import { executionSegment, segmentArgs } from '../src/segments.js';

describe('execution segments', () => {
  it('tile 0..1 without gap or overlap, and every runner gets the same sequence', () => {
    const n = 3;
    const segs = [1, 2, 3].map((i) => executionSegment(i, n));
    expect(segs.map((s) => s.segment)).to.deep.equal(['0:1/3', '1/3:2/3', '2/3:1']);
    expect(new Set(segs.map((s) => s.sequence))).to.deep.equal(new Set(['0,1/3,2/3,1']));
  });
  it('a single runner runs everything, with no segment flags', () => {
    expect(segmentArgs(1, 1)).to.deep.equal([]);
    expect(segmentArgs(2, 2)).to.deep.equal(['--execution-segment=1/2:1', '--execution-segment-sequence=0,1/2,1']);
  });
  it('refuses a runner outside 1..n', () => {
    expect(() => executionSegment(0, 2)).to.throw(/1 ≤ i ≤ n/);
    expect(() => executionSegment(3, 2)).to.throw(/1 ≤ i ≤ n/);
  });
});
