// Compares every scenario script with the report's test it replays (report-shapes.mjs): `k6 inspect`
// at SCALE=1 with the large seed gives the script's scenarios and thresholds, and each must match
// the table: executor, VUs, rates, durations, stages, think time (THINK_S), graceful stops at k6's
// default unless the table sets one, and exactly the report's thresholds plus ours (each with its
// reason). Scenarios that need the large seed must refuse the small one at SCALE=1. Prints each
// scenario's listed differences. Exit 1 on any mismatch. Usage: node shapes.mjs (K6=<k6 binary>).
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NEED_LARGE_SEED, NOT_FROM_A_REPORT, SHAPES } from './report-shapes.mjs';

const SCRIPTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts');
const K6 = process.env.K6 ?? 'k6';

function inspect(script, env) {
  const args = ['inspect', ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), `${script}.js`];
  return JSON.parse(execFileSync(K6, args, { cwd: SCRIPTS, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** k6 durations ("1m30s", "500ms", null) in seconds. */
function seconds(d) {
  if (d === null || d === undefined) return null;
  if (typeof d === 'number') return d;
  let s = 0;
  for (const [, n, unit] of d.matchAll(/([\d.]+)(ms|h|m|s)/g)) s += Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit];
  return s;
}

const DURATIONS = ['duration', 'startTime', 'maxDuration', 'gracefulStop', 'gracefulRampDown'];
/** The script's scenario in the table's terms. */
function normalise(sc) {
  const out = { ...sc, think: sc.env?.THINK_S ?? null };
  for (const k of DURATIONS) if (k in out) out[k] = seconds(out[k]);
  if (out.stages) out.stages = out.stages.map((s) => [seconds(s.duration), s.target]);
  return out;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
let failed = 0;
const fail = (msg) => { failed++; console.log(`FAIL ${msg}`); };

for (const [name, want] of Object.entries(SHAPES)) {
  const script = want.script ?? name;
  let got;
  try {
    got = inspect(script, { SCALE: '1', SEED: 'large', ...want.env });
  } catch (err) {
    fail(`${name}: k6 inspect failed: ${err.stderr || err.message}`);
    continue;
  }
  const before = failed;
  const scenarios = got.scenarios ?? {};
  for (const extra of Object.keys(scenarios).filter((s) => !(s in want.scenarios))) fail(`${name}: scenario '${extra}' is not in the report's test`);
  for (const [sname, spec] of Object.entries(want.scenarios)) {
    if (!scenarios[sname]) { fail(`${name}: no scenario '${sname}'`); continue; }
    const have = normalise(scenarios[sname]);
    for (const [k, v] of Object.entries(spec)) if (!same(have[k] ?? null, v)) fail(`${name}/${sname}: ${k} is ${JSON.stringify(have[k] ?? null)}, the report's ${JSON.stringify(v)}`);
    for (const k of ['gracefulStop', 'gracefulRampDown']) {
      if (!(k in spec) && have[k] !== null && have[k] !== undefined) fail(`${name}/${sname}: ${k} ${have[k]} s, not k6's default (30 s) and not the report's`);
    }
  }
  const wantThresholds = { ...want.thresholds, ...Object.fromEntries(Object.entries(want.ours).map(([k, [exprs]]) => [k, exprs])) };
  const haveThresholds = got.thresholds ?? {};
  for (const k of new Set([...Object.keys(wantThresholds), ...Object.keys(haveThresholds)])) {
    const h = (haveThresholds[k] ?? []).map((t) => (typeof t === 'string' ? t : t.threshold)).sort();
    const w = [...(wantThresholds[k] ?? [])].sort();
    if (!same(h, w)) fail(`${name}: threshold ${k} is ${JSON.stringify(h)}, the report's${k in want.ours ? ' (+ ours)' : ''} ${JSON.stringify(w)}`);
  }
  if (failed === before) {
    console.log(`ok   ${name} (report ${want.report}): ${Object.keys(want.scenarios).length} scenario(s), ${Object.keys(wantThresholds).length} threshold metric(s)`);
    for (const [k, [, why]] of Object.entries(want.ours)) console.log(`       ours: ${k}: ${why}`);
    for (const d of want.differences) console.log(`       differs: ${d}`);
  }
}

for (const name of NEED_LARGE_SEED) {
  try {
    inspect(name, { SCALE: '1', SEED: 'small' });
    fail(`${name}: runs at SCALE=1 with the small seed (its users would repeat)`);
  } catch (err) {
    if (/load the large seed/.test(String(err.stderr))) console.log(`ok   ${name} refuses SCALE=1 with SEED=small, saying to load the large seed`);
    else fail(`${name}: failed at SCALE=1 SEED=small, but not with the large-seed message: ${err.stderr}`);
  }
}

const covered = new Set([...Object.values(SHAPES).map((s) => s.script).filter(Boolean), ...Object.keys(SHAPES), ...Object.keys(NOT_FROM_A_REPORT)]);
for (const f of readdirSync(SCRIPTS).filter((f) => f.endsWith('.js') && f !== 'journey.js')) {
  if (!covered.has(f.replace(/\.js$/, ''))) fail(`${f}: in no row of report-shapes.mjs`);
}
console.log(failed ? `${failed} difference(s) from the reports not fixed or listed` : 'every scenario is its report\'s test, or says why not');
process.exitCode = failed ? 1 : 0;
