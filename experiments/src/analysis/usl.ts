/**
 * Universal Scalability Law: X(N) = λN / (1 + σ(N−1) + κN(N−1)).
 *
 *   SIGMA_MAX = 10, KAPPA_MAX = 1                   the fit's upper bounds on σ and κ
 *   fitUsl(points: UslPoint[]): UslFit
 *   uslThroughput(params: UslParams, n: number): number
 *   uslPeak(params: UslParams): { n: number; x: number } | null
 *   uslRanges(points: UslInterval[], options?: { draws?, seed? }): UslRanges
 *
 * λ is the throughput of one replica, σ the contention (serialised share), κ the coherency cost
 * (crosstalk between replicas). The fit is least squares under the bounds λ > 0,
 * 0 ≤ σ ≤ SIGMA_MAX, 0 ≤ κ ≤ KAPPA_MAX. For fixed (σ, κ) the best λ has a closed form, which
 * leaves a 2-D box; its minimum lies inside the box, inside one of its four edges or at a corner,
 * so each is searched on its own and the lowest SSE wins: the inside by a damped Newton method
 * from the local minima of a (σ, κ) grid and from points just off each edge's best, each edge by
 * the same with its bound held, from the local minima of a 1-D grid whose ends are the corners. A
 * descent that only projects onto the box stops where it first meets a bound; this one cannot.
 *
 * Why not a library: ml-levenberg-marquardt 5.1.0 (analytic Jacobian, 10,000 iterations, from
 * the old fitter's grid start), like the projected LM this replaces, clamps a step that leaves
 * the box to the bound and carries on, so it stalls on a bound instead of sliding along it.
 * SSE against scipy's bounded trf (test/fixtures/usl-reference.json):
 *   fixture                 scipy       ml-LM               old projected LM        this file
 *   1:3091 2:1794 3:1838    33,375.59   115,170.52 (+245 %)  34,509.27 (+3.4 %)      33,375.59
 *   σ = 0 edge               2,299.77     3,126.39 (+36 %)    2,299.77 (+2e-6)        2,299.77
 *   κ = 0 edge               2,973.16     3,048.28 (+2.5 %)   2,974.76 (+0.05 %)      2,973.16
 *   σ > 1                      935.97     2,509.22 (+168 %)     936.50 (+0.06 %)        935.97
 *   σ = SIGMA_MAX edge      12,719.75    13,172.04 (+3.6 %)   no σ bound              12,719.75
 * On the other eight fixtures (optimum inside the box, or at σ = κ = 0) all agree with scipy to 1e-10.
 *
 * Fewer than three distinct replica counts cannot pin three parameters, so those fits are linear
 * (σ = κ = 0) and say so in `warnings`.
 *
 * uslRanges is a bootstrap over interval-censored measurements: each draw takes every count's
 * throughput uniformly inside its [lo, hi], refits, and the 5th/50th/95th percentiles of the
 * draws are the range. The draws come back too, so a plan can turn them into a replica range.
 */

// Bounds. σ ≥ 1 already means one replica is the most there is (uslPeak); σ = 10 has two
// replicas serve 2/11 of what one does, steeper than any scaling run worth fitting, and a finite
// bound is what lets the edges be searched. κ ≥ 1 puts the peak N* = sqrt((1−σ)/κ) at one replica
// whatever σ, so a larger κ says nothing more about where to scale.
export const SIGMA_MAX = 10;
export const KAPPA_MAX = 1;

export interface UslPoint {
  /** replica count (or concurrency), at least 1 */
  n: number;
  /** measured throughput, requests per second */
  x: number;
}

export interface UslParams {
  lambda: number;
  sigma: number;
  kappa: number;
}

export interface UslFit extends UslParams {
  /** coefficient of determination over the input points */
  r2: number;
  /** `least-squares` with three or more distinct n; `linear` otherwise */
  method: 'least-squares' | 'linear';
  /** uslPeak's n: 1 when σ ≥ 1, max(1, sqrt((1−σ)/κ)) when κ > 0; null when κ = 0 and σ < 1 (no retrograde region) */
  peakN: number | null;
  /** throughput at peakN; null with peakN */
  peakX: number | null;
  /** the limit of X(N) as N grows: peakX when there is a peak, λ/σ when only σ > 0, Infinity for a straight line */
  ceilingX: number;
  points: number;
  warnings: string[];
  predict(n: number): number;
}

/** A count's throughput is known to lie in [lo, hi]; lo === hi for an exact value. */
export interface UslInterval {
  n: number;
  lo: number;
  hi: number;
}

/** 5th, 50th and 95th percentile over the bootstrap draws. */
export interface Range {
  lo: number;
  mid: number;
  hi: number;
}

export interface UslRanges {
  lambda: Range;
  sigma: Range;
  kappa: Range;
  /** over the draws that have a peak (uslPeak not null); null when fewer than half of them do */
  peakN: Range | null;
  draws: UslParams[];
}

export function uslThroughput(p: UslParams, n: number): number {
  return (p.lambda * n) / (1 + p.sigma * (n - 1) + p.kappa * n * (n - 1));
}

/** The highest point of X(N) for N ≥ 1, or null when X keeps rising (κ = 0, σ < 1). */
export function uslPeak(p: UslParams): { n: number; x: number } | null {
  // σ ≥ 1: each added replica costs more than it brings, so one replica is the most there is.
  if (p.sigma >= 1) return { n: 1, x: p.lambda };
  if (p.kappa <= 0) return null;
  const n = Math.max(1, Math.sqrt((1 - p.sigma) / p.kappa));
  return { n, x: uslThroughput(p, n) };
}

export function fitUsl(input: UslPoint[]): UslFit {
  const points = input.filter((p) => Number.isFinite(p.n) && Number.isFinite(p.x) && p.n >= 1 && p.x >= 0);
  const warnings: string[] = [];
  if (points.length < input.length) warnings.push(`${input.length - points.length} point(s) with n below 1 or a negative or missing x were ignored`);
  if (points.length === 0) throw new Error('fitUsl: no usable (n, x) points');

  const data = group(points);
  const distinct = data.groups.length;
  const params = fitGroups(data);
  const method: UslFit['method'] = distinct < 3 ? 'linear' : 'least-squares';
  if (distinct < 3) warnings.push(`only ${distinct} distinct replica count(s): linear fit (σ = κ = 0), contention and coherency unknown`);
  if (distinct === 3) warnings.push('exactly 3 distinct replica counts for 3 parameters: the fit passes through the points and R² says nothing');
  if (params.sigma === SIGMA_MAX) warnings.push(`σ stopped at its bound ${SIGMA_MAX}: throughput falls faster with replicas than the USL can follow`);
  if (params.kappa === KAPPA_MAX) warnings.push(`κ stopped at its bound ${KAPPA_MAX}: throughput falls faster with replicas than the USL can follow`);

  const peak = uslPeak(params);
  return {
    ...params,
    r2: rSquared(points, params),
    method,
    peakN: peak ? peak.n : null,
    peakX: peak ? peak.x : null,
    ceilingX: peak ? peak.x : params.sigma > 0 ? params.lambda / params.sigma : Infinity,
    points: points.length,
    warnings,
    predict: (n: number) => uslThroughput(params, n),
  };
}

export function uslRanges(points: UslInterval[], options: { draws?: number; seed?: number } = {}): UslRanges {
  const { draws = 400, seed = 0x5eed } = options;
  if (!(Number.isInteger(draws) && draws > 0)) throw new Error(`uslRanges: draws must be a positive integer, got ${draws}`);
  const bad = points.filter((p) => !(Number.isFinite(p.n) && p.n >= 1 && Number.isFinite(p.lo) && Number.isFinite(p.hi) && p.lo >= 0 && p.lo <= p.hi));
  if (bad.length) throw new Error(`uslRanges: intervals need n ≥ 1 and 0 ≤ lo ≤ hi: ${JSON.stringify(bad)}`);
  if (points.length === 0) throw new Error('uslRanges: no intervals');

  const random = mulberry32(seed);
  const fits: UslParams[] = [];
  for (let d = 0; d < draws; d++) fits.push(fitGroups(group(points.map((p) => ({ n: p.n, x: p.lo + (p.hi - p.lo) * random() })))));
  const peaks = fits.map(uslPeak).filter((p) => p !== null);
  return {
    lambda: range(fits.map((f) => f.lambda)),
    sigma: range(fits.map((f) => f.sigma)),
    kappa: range(fits.map((f) => f.kappa)),
    // Below half, "the peak" is what a minority of draws say; the plan then has no peak to quote.
    peakN: peaks.length * 2 >= draws ? range(peaks.map((p) => p.n)) : null,
    draws: fits,
  };
}

/**
 * Points grouped by n. The SSE splits into the spread inside each group (`pureError`, which no
 * curve changes) and each group mean's miss weighted by its size, so the search works on means,
 * and sse adds small squares instead of subtracting two large sums.
 */
interface Data {
  groups: Array<{ n: number; w: number; mean: number }>;
  pureError: number;
  /** Σwm², which no σ or κ changes */
  meanSquares: number;
}

function group(points: UslPoint[]): Data {
  const byN = new Map<number, number[]>();
  for (const p of points) byN.set(p.n, [...(byN.get(p.n) ?? []), p.x]);
  let pureError = 0;
  const groups = [...byN].sort(([a], [b]) => a - b).map(([n, xs]) => {
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    pureError += xs.reduce((s, x) => s + (x - mean) ** 2, 0);
    return { n, w: xs.length, mean };
  });
  const meanSquares = groups.reduce((s, { w, mean }) => s + w * mean * mean, 0);
  return { groups, pureError, meanSquares };
}

function shape(sigma: number, kappa: number, n: number): number {
  return n / (1 + sigma * (n - 1) + kappa * n * (n - 1));
}

/** Σwmg and Σwg² (m a group's mean, g = shape(σ, κ, n)): bestLambda's and screen's sums. */
function shapeSums(data: Data, sigma: number, kappa: number): { mg: number; gg: number } {
  let mg = 0;
  let gg = 0;
  for (const { n, w, mean } of data.groups) {
    const g = shape(sigma, kappa, n);
    mg += w * mean * g;
    gg += w * g * g;
  }
  return { mg, gg };
}

/** For fixed σ and κ, X = λ·g(N) is linear in λ: least squares gives λ = Σxg / Σg². */
function bestLambda(data: Data, sigma: number, kappa: number): number {
  const { mg, gg } = shapeSums(data, sigma, kappa);
  return gg > 0 ? Math.max(mg / gg, Number.MIN_VALUE) : Number.MIN_VALUE;
}

function profile(data: Data, sigma: number, kappa: number): { params: UslParams; sse: number } {
  const params = { lambda: bestLambda(data, sigma, kappa), sigma, kappa };
  return { params, sse: sse(data, params) };
}

/**
 * The profiled SSE in one pass, Σwm² − (Σwmg)²/Σwg² + pure error: cheap, but it subtracts two
 * large sums, so it only ranks grid cells; every result is scored by sse.
 */
function screen(data: Data, sigma: number, kappa: number): number {
  const { mg, gg } = shapeSums(data, sigma, kappa);
  return data.pureError + data.meanSquares - (gg > 0 ? (mg * mg) / gg : 0);
}

function sse(data: Data, p: UslParams): number {
  let s = data.pureError;
  for (const { n, w, mean } of data.groups) s += w * (mean - uslThroughput(p, n)) ** 2;
  return s;
}

function rSquared(points: UslPoint[], p: UslParams): number {
  const mean = points.reduce((s, pt) => s + pt.x, 0) / points.length;
  const tot = points.reduce((s, pt) => s + (pt.x - mean) ** 2, 0);
  const res = points.reduce((s, pt) => s + (pt.x - uslThroughput(p, pt.n)) ** 2, 0);
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}

// Log-spaced: σ and κ of real services span decades (κ of 1e-6 still bends a curve at a thousand
// replicas), so a linear grid would be all coarse where they usually are. The 2-D grid holds
// starts for the inside only; each edge's grid runs from its 0 to its bound, corners included.
const logSpace = (from: number, to: number, perDecade: number) =>
  Array.from({ length: Math.round((to - from) * perDecade) + 1 }, (_, i) => 10 ** (from + i / perDecade));
const SIGMAS_2D = logSpace(-4, Math.log10(SIGMA_MAX), 6).filter((s) => s < SIGMA_MAX);
const KAPPAS_2D = logSpace(-7, Math.log10(KAPPA_MAX), 6).filter((k) => k < KAPPA_MAX);
const SIGMAS_1D = [0, ...logSpace(-5, Math.log10(SIGMA_MAX), 8)];
const KAPPAS_1D = [0, ...logSpace(-8, Math.log10(KAPPA_MAX), 8)];
// Where the curve hardly depends on a parameter, rounding makes runs of false local minima; a
// real third valley in so few points is rare enough that the lowest few cover it.
const STARTS = 3;

type Fit = { params: UslParams; sse: number };

function fitGroups(data: Data): UslParams {
  if (data.groups.length < 3) return profile(data, 0, 0).params;

  // Candidates come with the most parameters on a bound first, and a later one wins only by more
  // than rounding: exact σ-only points then fit κ = 0, not κ = 1e-17 with a peak at 10⁸ replicas.
  const sumSquares = data.pureError + data.meanSquares;
  const lowest = (fits: Fit[]) => fits.reduce((a, b) => (b.sse < a.sse - 1e-12 * a.sse - 1e-20 * sumSquares ? b : a));

  // The four edges: one of σ, κ held at its bound, from the lowest local minima of a 1-D grid
  // whose ends are the corners (a corner that is the optimum is such a minimum).
  const edge = (grid: UslParams[], free: Free): Fit =>
    lowest(localMinima(grid.map((p) => [screen(data, p.sigma, p.kappa)])).flatMap(([i]) => {
      const start = profile(data, grid[i].sigma, grid[i].kappa);
      return [start, dampedNewton(data, start.params, free)];
    }));
  const edges = [
    edge(SIGMAS_1D.map((sigma) => ({ lambda: 0, sigma, kappa: 0 })), { sigma: true, kappa: false }),
    edge(SIGMAS_1D.map((sigma) => ({ lambda: 0, sigma, kappa: KAPPA_MAX })), { sigma: true, kappa: false }),
    edge(KAPPAS_1D.map((kappa) => ({ lambda: 0, sigma: 0, kappa })), { sigma: false, kappa: true }),
    edge(KAPPAS_1D.map((kappa) => ({ lambda: 0, sigma: SIGMA_MAX, kappa })), { sigma: false, kappa: true }),
  ];

  // The inside: from the lowest local minima of a (σ, κ) grid, and from each edge's best point
  // moved just off its bound. The second kind finds a valley that runs along an edge, narrower
  // than the grid's spacing, which the grid alone can step over.
  const grid = SIGMAS_2D.map((sigma) => KAPPAS_2D.map((kappa) => screen(data, sigma, kappa)));
  const starts = [
    ...localMinima(grid).map(([i, j]) => profile(data, SIGMAS_2D[i], KAPPAS_2D[j]).params),
    ...edges.map(({ params: { sigma, kappa } }) => profile(data, clamp(sigma, 1e-6, SIGMA_MAX * (1 - 1e-6)), clamp(kappa, 1e-9, KAPPA_MAX * (1 - 1e-6))).params),
  ];
  return lowest([...edges, ...starts.map((p) => dampedNewton(data, p, { sigma: true, kappa: true }))]).params;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** Indices of the STARTS lowest cells no lower than any neighbour (8 of them in 2-D). */
function localMinima(grid: number[][]): Array<[number, number]> {
  const found: Array<{ at: [number, number]; v: number }> = [];
  grid.forEach((row, i) => row.forEach((v, j) => {
    for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) if ((grid[i + di]?.[j + dj] ?? Infinity) < v) return;
    found.push({ at: [i, j], v });
  }));
  return found.sort((a, b) => a.v - b.v).slice(0, STARTS).map((f) => f.at);
}

type Free = { sigma: boolean; kappa: boolean };

/**
 * Newton's method on (λ, σ, κ) with Levenberg–Marquardt damping, with σ or κ held where `free`
 * says. The Hessian is the full one, JᵀWJ − Σ w·r·∇²X: Gauss–Newton (JᵀWJ alone, plain LM)
 * converges only linearly when residuals are large, and on points with outliers it was still a
 * few parts per million short after 100 steps. A step must lower the SSE, else μ grows until it
 * is a short step down the gradient. It stays strictly inside the box: a step that would cross a
 * bound goes nine tenths of the way to it. So it settles on a minimum inside its face of the box;
 * where the minimum is on the face's edge it stops short, harmlessly, since the search of that
 * edge (or corner) owns that case.
 */
function dampedNewton(data: Data, start: UslParams, free: Free): Fit {
  const on = [true, free.sigma, free.kappa];
  let p = start;
  let err = sse(data, p);
  let mu = 1e-3;
  for (let iter = 0; iter < 100; iter++) {
    const h = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
    const gn = [0, 0, 0];
    const v = [0, 0, 0];
    for (const { n, w, mean } of data.groups) {
      const [a, b] = [n - 1, n * (n - 1)];
      const d = 1 + p.sigma * a + p.kappa * b;
      const r = mean - (p.lambda * n) / d;
      const j = [n / d, (-p.lambda * n * a) / (d * d), (-p.lambda * n * b) / (d * d)];
      // ∇²X: ∂²/∂λ² = 0, ∂²/∂λ∂θ = ∂X/∂θ / λ, ∂²/∂θ∂φ = 2λn·θ'φ'/d³ for θ, φ in σ, κ.
      const k = (2 * p.lambda * n) / (d * d * d);
      const x2 = [[0, -n * a / (d * d), -n * b / (d * d)], [0, k * a * a, k * a * b], [0, 0, k * b * b]];
      for (let i = 0; i < 3; i++) {
        v[i] += w * j[i] * r;
        gn[i] += w * j[i] * j[i];
        for (let l = i; l < 3; l++) h[i][l] += w * (j[i] * j[l] - r * x2[i][l]);
      }
    }
    let improved = false;
    for (; mu < 1e12; mu *= 10) {
      // (H + μ·diag(JᵀWJ)) δ = JᵀWr over the free parameters; a held one gets the row δ = 0.
      const m = [0, 1, 2].map((i) => [0, 1, 2].map((l) => {
        if (!on[i] || !on[l]) return i === l ? 1 : 0;
        return i === l ? h[i][i] + mu * Math.max(gn[i], 1e-300) : h[Math.min(i, l)][Math.max(i, l)];
      }));
      const delta = solve3(m, v.map((x, i) => (on[i] ? x : 0)));
      if (!delta) continue;
      const t = Math.min(1, 0.9 * room(p.lambda, delta[0], Infinity), 0.9 * room(p.sigma, delta[1], SIGMA_MAX), 0.9 * room(p.kappa, delta[2], KAPPA_MAX));
      const cand = { lambda: p.lambda + t * delta[0], sigma: p.sigma + t * delta[1], kappa: p.kappa + t * delta[2] };
      const candErr = sse(data, cand);
      if (candErr < err) {
        improved = (err - candErr) / err > 1e-13;
        p = cand;
        err = candErr;
        mu = Math.max(mu / 10, 1e-12);
        break;
      }
    }
    if (!improved) break;
  }
  return { params: p, sse: err };
}

/** How far along a step of size d a value v inside [0, max] can go before it meets a bound. */
function room(v: number, d: number, max: number): number {
  return d < 0 ? v / -d : d > 0 ? (max - v) / d : Infinity;
}

/** Gaussian elimination with partial pivoting for the 3×3 Newton system. */
function solve3(m: number[][], v: number[]): number[] | null {
  const a = m.map((row, i) => [...row, v[i]]);
  for (let c = 0; c < 3; c++) {
    let pivot = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) pivot = r;
    if (Math.abs(a[pivot][c]) < 1e-300) return null;
    [a[c], a[pivot]] = [a[pivot], a[c]];
    for (let r = 0; r < 3; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      for (let k = c; k < 4; k++) a[r][k] -= f * a[c][k];
    }
  }
  const out = [a[0][3] / a[0][0], a[1][3] / a[1][1], a[2][3] / a[2][2]];
  return out.every(Number.isFinite) ? out : null;
}

/** Type-7 percentiles (linear between order statistics), as numpy and R default to. */
function range(values: number[]): Range {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => {
    const h = q * (s.length - 1);
    const i = Math.floor(h);
    return i + 1 < s.length ? s[i] + (h - i) * (s[i + 1] - s[i]) : s[i];
  };
  return { lo: at(0.05), mid: at(0.5), hi: at(0.95) };
}

/** mulberry32: a small seeded PRNG, so a report's ranges come out the same on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
