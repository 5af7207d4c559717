/**
 * Universal Scalability Law: X(N) = λN / (1 + σ(N−1) + κN(N−1)).
 *
 *   fitUsl(points: UslPoint[]): UslFit
 *   uslThroughput(params: UslParams, n: number): number
 *   uslPeak(params: UslParams): { n: number; x: number } | null
 *
 * λ is the throughput of one replica, σ the contention (serialised share), κ the coherency cost
 * (crosstalk between replicas). The fit is nonlinear least squares with σ, κ ≥ 0 and λ > 0:
 * λ is profiled out in closed form on a (σ, κ) grid, then Levenberg–Marquardt refines all three
 * from the best grid point, projected onto the bounds. Fewer than three distinct replica counts
 * cannot pin three parameters, so those fits are linear (σ = κ = 0) and say so in `warnings`.
 */

export interface UslPoint {
  /** replica count (or concurrency) */
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
  /** replica count with the highest throughput, sqrt((1−σ)/κ); null when κ = 0 (no retrograde region) */
  peakN: number | null;
  /** throughput at peakN; null when κ = 0 */
  peakX: number | null;
  /** the limit of X(N) as N grows: peakX when κ > 0, λ/σ when only σ > 0, Infinity for a straight line */
  ceilingX: number;
  points: number;
  warnings: string[];
  predict(n: number): number;
}

export function uslThroughput(p: UslParams, n: number): number {
  return (p.lambda * n) / (1 + p.sigma * (n - 1) + p.kappa * n * (n - 1));
}

export function uslPeak(p: UslParams): { n: number; x: number } | null {
  if (p.kappa <= 0 || p.sigma >= 1) return null;
  const n = Math.sqrt((1 - p.sigma) / p.kappa);
  return { n, x: uslThroughput(p, n) };
}

export function fitUsl(input: UslPoint[]): UslFit {
  const points = input.filter((p) => Number.isFinite(p.n) && Number.isFinite(p.x) && p.n > 0 && p.x >= 0);
  const warnings: string[] = [];
  if (points.length < input.length) warnings.push(`${input.length - points.length} point(s) with a non-positive or missing n or x were ignored`);
  if (points.length === 0) throw new Error('fitUsl: no usable (n, x) points');

  const distinct = new Set(points.map((p) => p.n)).size;
  let params: UslParams;
  let method: UslFit['method'];
  if (distinct < 3) {
    method = 'linear';
    params = { lambda: bestLambda(points, 0, 0), sigma: 0, kappa: 0 };
    warnings.push(`only ${distinct} distinct replica count(s): linear fit (σ = κ = 0), contention and coherency unknown`);
  } else {
    method = 'least-squares';
    params = levenbergMarquardt(points, gridStart(points));
    if (distinct === 3) warnings.push('exactly 3 distinct replica counts for 3 parameters: the fit passes through the points and R² says nothing');
  }

  const peak = uslPeak(params);
  // σ ≥ 1: each added replica costs more than it brings, so one replica is the most there is.
  const ceilingX = params.sigma >= 1 ? params.lambda : peak ? peak.x : params.sigma > 0 ? params.lambda / params.sigma : Infinity;
  return {
    ...params,
    r2: rSquared(points, params),
    method,
    peakN: peak ? peak.n : null,
    peakX: peak ? peak.x : null,
    ceilingX,
    points: points.length,
    warnings,
    predict: (n: number) => uslThroughput(params, n),
  };
}

function shape(sigma: number, kappa: number, n: number): number {
  return n / (1 + sigma * (n - 1) + kappa * n * (n - 1));
}

/** For fixed σ and κ, X = λ·g(N) is linear in λ: least squares gives λ = Σxg / Σg². */
function bestLambda(points: UslPoint[], sigma: number, kappa: number): number {
  let xg = 0;
  let gg = 0;
  for (const p of points) {
    const g = shape(sigma, kappa, p.n);
    xg += p.x * g;
    gg += g * g;
  }
  return gg > 0 ? Math.max(xg / gg, Number.MIN_VALUE) : Number.MIN_VALUE;
}

function sse(points: UslPoint[], p: UslParams): number {
  return points.reduce((s, pt) => s + (pt.x - uslThroughput(p, pt.n)) ** 2, 0);
}

function rSquared(points: UslPoint[], p: UslParams): number {
  const mean = points.reduce((s, pt) => s + pt.x, 0) / points.length;
  const tot = points.reduce((s, pt) => s + (pt.x - mean) ** 2, 0);
  const res = sse(points, p);
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}

/** A coarse (σ, κ) grid with λ profiled out: a start point that LM cannot get wrong by much. */
function gridStart(points: UslPoint[]): UslParams {
  const sigmas = Array.from({ length: 101 }, (_, i) => i / 100);
  const kappas = [0, ...Array.from({ length: 61 }, (_, i) => 10 ** (-6 + i / 10))];
  let best: UslParams = { lambda: bestLambda(points, 0, 0), sigma: 0, kappa: 0 };
  let bestErr = sse(points, best);
  for (const sigma of sigmas) {
    for (const kappa of kappas) {
      const cand = { lambda: bestLambda(points, sigma, kappa), sigma, kappa };
      const err = sse(points, cand);
      if (err < bestErr) {
        best = cand;
        bestErr = err;
      }
    }
  }
  return best;
}

function levenbergMarquardt(points: UslPoint[], start: UslParams): UslParams {
  let p = { ...start };
  let err = sse(points, p);
  let mu = 1e-3;
  for (let iter = 0; iter < 500; iter++) {
    // Normal equations (JᵀJ + μ·diag(JᵀJ)) δ = Jᵀr with the analytic Jacobian of X(N).
    const jtj = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
    const jtr = [0, 0, 0];
    for (const pt of points) {
      const d = 1 + p.sigma * (pt.n - 1) + p.kappa * pt.n * (pt.n - 1);
      const x = (p.lambda * pt.n) / d;
      const j = [pt.n / d, (-p.lambda * pt.n * (pt.n - 1)) / (d * d), (-p.lambda * pt.n * pt.n * (pt.n - 1)) / (d * d)];
      const r = pt.x - x;
      for (let a = 0; a < 3; a++) {
        jtr[a] += j[a] * r;
        for (let b = 0; b < 3; b++) jtj[a][b] += j[a] * j[b];
      }
    }
    let improved = false;
    while (mu < 1e12) {
      const m = jtj.map((row, a) => row.map((v, b) => (a === b ? v + mu * Math.max(v, 1e-12) : v)));
      const delta = solve3(m, jtr);
      if (!delta) {
        mu *= 10;
        continue;
      }
      const cand: UslParams = {
        lambda: Math.max(p.lambda + delta[0], Number.MIN_VALUE),
        sigma: Math.max(p.sigma + delta[1], 0),
        kappa: Math.max(p.kappa + delta[2], 0),
      };
      const candErr = sse(points, cand);
      if (candErr < err) {
        const relChange = (err - candErr) / Math.max(err, Number.MIN_VALUE);
        p = cand;
        err = candErr;
        mu = Math.max(mu / 10, 1e-12);
        improved = relChange > 1e-15;
        break;
      }
      mu *= 10;
    }
    if (!improved) break;
  }
  return p;
}

/** Gaussian elimination with partial pivoting for the 3×3 normal equations. */
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
