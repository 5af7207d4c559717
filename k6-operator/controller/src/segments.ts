/**
 * k6 execution segments for N runners: runner i (1..N) runs the slice (i-1)/N:i/N of every
 * scenario's VUs and rates, and every runner is told the whole sequence so the slices tile
 * exactly (k6 then gives VUs and iterations to runners without overlap or gap).
 */
export interface Segment {
  /** `--execution-segment` of runner i, e.g. `1/3:2/3` */
  segment: string;
  /** `--execution-segment-sequence`, the same for every runner, e.g. `0,1/3,2/3,1` */
  sequence: string;
}

const point = (k: number, n: number) => (k === 0 ? '0' : k === n ? '1' : `${k}/${n}`);

export function executionSegment(i: number, n: number): Segment {
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(i) && i >= 1 && i <= n)) throw new Error(`runner ${i} of ${n}: needs 1 ≤ i ≤ n`);
  return {
    segment: `${point(i - 1, n)}:${point(i, n)}`,
    sequence: Array.from({ length: n + 1 }, (_, k) => point(k, n)).join(','),
  };
}

/** The segment flags for runner i of n; none for a single runner (it runs everything). */
export function segmentArgs(i: number, n: number): string[] {
  if (n === 1) return [];
  const { segment, sequence } = executionSegment(i, n);
  return [`--execution-segment=${segment}`, `--execution-segment-sequence=${sequence}`];
}
