/**
 * CPU cores used over an exact window, from raw counter samples.
 *
 *   coresOver(series: PromMatrix, startS: number, endS: number): number | null
 *
 * cAdvisor refreshes a cgroup's counters on its own housekeeping clock (10–15 s here, and later
 * for idle or busy cgroups), so rate() over a window as short as a load step often finds fewer
 * than two samples and answers nothing. Instead each series' raw samples are read around the
 * window and the counter is interpolated linearly at the window's edges. A series that starts or
 * ends inside the window (a k6 runner pod lives for its step only) counts over the part it
 * covers, at its own average rate: cores = Δcounter / Δt over that part. Series are summed.
 */

import type { PromMatrix } from './prometheus.js';

export function coresOver(series: PromMatrix, startS: number, endS: number): number | null {
  let total = 0;
  let any = false;
  for (const s of series) {
    const pts = s.values.filter(([, v]) => Number.isFinite(v)).sort((a, b) => a[0] - b[0]);
    if (pts.length < 2) continue;
    const a = Math.max(startS, pts[0][0]);
    const b = Math.min(endS, pts[pts.length - 1][0]);
    if (!(b > a)) continue;
    total += increase(pts, a, b) / (b - a);
    any = true;
  }
  return any ? total : null;
}

/** The counter's growth over [a, b]: each sample interval counts for its share inside [a, b],
 *  as if the counter grew evenly between samples; after a reset (a restarted container) the
 *  newer value alone is that interval's growth. */
function increase(pts: Array<[number, number]>, a: number, b: number): number {
  let sum = 0;
  for (let i = 1; i < pts.length; i++) {
    const [t0, v0] = pts[i - 1];
    const [t1, v1] = pts[i];
    const overlap = Math.min(b, t1) - Math.max(a, t0);
    if (overlap <= 0 || t1 <= t0) continue;
    sum += ((v1 >= v0 ? v1 - v0 : v1) * overlap) / (t1 - t0);
  }
  return sum;
}
