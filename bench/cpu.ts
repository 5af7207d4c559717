// CPU accounting from /proc: how busy each of the two cores was, and how much CPU the service,
// vegeta, PostgreSQL (every process of its server) and Redis used between two samples.

import fs from 'node:fs';
import os from 'node:os';
import { cfg, sleep } from './config';
import { databaseProcesses } from './services';
import { CLK_TCK, postgresTicks, procTicks } from './system';

type CoreTimes = Map<string, { busy: number; total: number }>;

function coreTimes(): CoreTimes {
  const out: CoreTimes = new Map();
  for (const line of fs.readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    out.set(m[1], { busy: total - f[3] - f[4], total });
  }
  return out;
}

interface CpuSample { at: number; cores: CoreTimes; svc: number; gen: number; pg: number; redis: number }

export function sample(svcPid?: number, genPid?: number): CpuSample {
  const db = databaseProcesses();
  return {
    at: Date.now(), cores: coreTimes(), svc: procTicks(svcPid), gen: procTicks(genPid),
    pg: db.postmasterPid ? postgresTicks(db.postmasterPid) : 0, redis: procTicks(db.redisPid),
  };
}

/** Cores used per second of wall time by each side, and the busy share of each core. */
export interface Cpu { svc: number; gen: number; pg: number; redis: number; serviceCore: number; loadCore: number }

export function cpuBetween(a: CpuSample, b: CpuSample): Cpu {
  const secs = (b.at - a.at) / 1000;
  const core = (id: string) => {
    const x = a.cores.get(id), y = b.cores.get(id);
    return x && y && y.total > x.total ? (y.busy - x.busy) / (y.total - x.total) : 0;
  };
  return {
    svc: (b.svc - a.svc) / CLK_TCK / secs,
    gen: (b.gen - a.gen) / CLK_TCK / secs,
    pg: (b.pg - a.pg) / CLK_TCK / secs,
    redis: (b.redis - a.redis) / CLK_TCK / secs,
    serviceCore: core(cfg.serviceCpu),
    loadCore: core(cfg.loadCpu),
  };
}

/** The machine before the bench starts anything: its load average, how busy each core was with
 *  other work over a second, and whether that is enough to call the machine shared. */
export interface Before { loadAverage: string; busy: Cpu; shared: boolean }

export async function machineBefore(): Promise<Before> {
  const loadAverage = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const a = sample();
  await sleep(1000);
  const busy = cpuBetween(a, sample());
  return { loadAverage, busy, shared: busy.serviceCore > 0.1 || busy.loadCore > 0.1 };
}
