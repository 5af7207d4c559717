// saturation: the experiments' stepped arrival rate against one replica. RATES (requests/s, comma
// separated) are held STEP_SECONDS each, in order; every request is one of the service's hot reads
// and writes, in the mix a ticket sale sees (token issue, status polls, dates, seat maps), or, with
// MIX=points, a points-balance read. Each
// request carries its step's rate as the tag `tps`, so the recorder reads per-step figures from
// Prometheus; the controller, not this script, judges the SLO, so there are no thresholds.
import exec from 'k6/execution';
import {
  baseOptions, cachedActiveToken, concertOf, forgetToken, get, listSeats, post, randomConcert, randomSchedule, randomUser, summary, TOKEN_MAY_END,
} from './journey.js';

const RATES = (__ENV.RATES || '50,100,200').split(',').map(Number);
if (RATES.some((r) => !Number.isFinite(r) || r <= 0 || r > 100000)) throw new Error(`RATES must be positive numbers, not '${__ENV.RATES}'`);
const STEP_S = Number(__ENV.STEP_SECONDS || 30);
if (!(STEP_S >= 5 && STEP_S <= 600)) throw new Error(`STEP_SECONDS must be within 5..600, not '${__ENV.STEP_SECONDS}'`);
// MIX=sale: the ticket-sale mix below. MIX=points: every request reads one user's points balance,
// a PostgreSQL primary-key lookup with no cache in front, so PostgreSQL's CPU limit can be made
// the bottleneck on purpose (the experiments' whole-system proof).
const MIX = __ENV.MIX || 'sale';
if (!['sale', 'points'].includes(MIX)) throw new Error(`MIX must be sale or points, not '${__ENV.MIX}'`);

const stages = [];
for (const rate of RATES) stages.push({ duration: '1s', target: rate }, { duration: `${STEP_S - 1}s`, target: rate });
const peak = Math.max(...RATES);

export const options = baseOptions({
  scenarios: {
    saturation: {
      executor: 'ramping-arrival-rate', startRate: RATES[0], timeUnit: '1s', stages,
      preAllocatedVUs: Math.min(50, peak), maxVUs: Math.max(50, Math.ceil(peak / 2)), gracefulStop: '5s',
    },
  },
});

// One user per VU, its token fetched once (an issue, perhaps a poll) and reused: nearly every
// iteration is then exactly one request, so the offered rate is the request rate. (A VU that cached
// tokens for many users sent thousands of extra requests per step: achieved ran 30 % above offered.)
const VU_USER = randomUser(200);
// A token may end mid-step (journey.js TOKEN_MAY_END): the VU fetches a new one next iteration.
function gated(res) {
  if (res && res.status === 401) forgetToken(VU_USER);
}

export default function () {
  const step = Math.min(RATES.length - 1, Math.floor((Date.now() - exec.scenario.startTime) / (STEP_S * 1000)));
  const tags = { tps: String(RATES[step]) };
  if (MIX === 'points') {
    get(`/users/${randomUser()}/points`, 'points_balance', {}, null, tags);
    return;
  }
  const pick = Math.random();
  if (pick < 0.3) {
    post('/queue/token', { userId: randomUser() }, 'issue_token', {}, null, tags);
  } else if (pick < 0.7) {
    const token = cachedActiveToken(VU_USER, 30);
    if (token) gated(get('/queue/status', 'queue_status', { 'User-Token': token }, TOKEN_MAY_END, tags));
  } else if (pick < 0.8) {
    get(`/concerts/${randomConcert()}/schedules`, 'list_schedules', {}, null, tags);
  } else {
    const token = cachedActiveToken(VU_USER, 30);
    const scheduleId = randomSchedule(randomConcert());
    if (token) gated(listSeats(token, concertOf(scheduleId), scheduleId, 'AVAILABLE', tags, TOKEN_MAY_END).res);
  }
}

export const handleSummary = summary('saturation');
