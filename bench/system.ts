// What one request costs the whole system, not only the Node process: the CPU of PostgreSQL's
// processes and of Redis, the statements PostgreSQL ran (pg_stat_statements) and the commands
// Redis ran (INFO commandstats). Read before and after each step; the bench divides by requests.

import fs from 'node:fs';
import type pg from 'pg';
import type Redis from 'ioredis';

export const CLK_TCK = 100;

/** The fields of /proc/<pid>/stat from the state on (pid and name left out), or undefined once it has ended. */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

// utime is the 14th field in proc(5), i.e. index 11 of statFields; stime, cutime and cstime follow;
// the parent's pid is index 1.
const ticksOf = (f: string[], reaped = false) => Number(f[11]) + Number(f[12]) + (reaped ? Number(f[13]) + Number(f[14]) : 0);

/** utime + stime of a process (all its threads), and with `reaped` also of its waited-for children. */
export function procTicks(pid: number | undefined, reaped = false): number {
  const f = pid ? statFields(pid) : undefined;
  return f ? ticksOf(f, reaped) : 0;
}

/** Every PostgreSQL process of one server: the postmaster (with the backends it has reaped, so a
 *  backend that ends between two readings still counts) plus its live children. */
export function postgresTicks(postmaster: number): number {
  let ticks = procTicks(postmaster, true);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(entry);
    if (f && Number(f[1]) === postmaster) ticks += ticksOf(f);
  }
  return ticks;
}

/** Statements by text, as pg_stat_statements counts them (top level: a function's inner
 *  statements are one call), in the bench database, leaving out the bench's own readings. */
export async function statementCalls(pool: pg.Pool): Promise<Map<string, number>> {
  const { rows } = await pool.query(`SELECT query, sum(calls)::bigint AS calls FROM pg_stat_statements
    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%'
    GROUP BY query`);
  return new Map(rows.map((r: { query: string; calls: string }) => [r.query, Number(r.calls)]));
}

/** Commands by name from INFO commandstats (commands a Lua script runs count as well). */
export async function redisCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const out = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (m[1] !== 'info') out.set(m[1], Number(m[2]));
  }
  return out;
}

/** after - before, per key, keeping only keys that grew. */
export function growth(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d > 0) out.set(k, d);
  }
  return out;
}

export const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** The few largest entries, for the report: "3.0 evalsha, 1.0 get". */
export function topPerRequest(m: Map<string, number>, requests: number, n = 4): string {
  if (requests === 0) return '';
  return [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([k, v]) => `${(v / requests).toFixed(2)} ${k.replace(/\s+/g, ' ').slice(0, 60)}`).join('; ');
}
