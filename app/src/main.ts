import cluster, { Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { ConfigError, loadConfig, Config } from './lib/config';
import { createLogger, Logger } from './lib/logger';
import { startServer } from './server';

// Entry point. With WEB_CONCURRENCY > 1 a primary process forks that many HTTP workers sharing
// the port and answers /metrics for all of them; with 1 the single process serves directly.

const METRICS_REQUEST = 'headroom:metrics';
const METRICS_REPLY = 'headroom:metrics:reply';

function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\nFix the environment variables above and start again.\n`);
    process.exit(1);
  }
  const log = createLogger(config.LOG_LEVEL);
  if (config.WEB_CONCURRENCY > 1 && cluster.isPrimary) runPrimary(config, log);
  else void runWorker(config, log);
}

function runPrimary(config: Config, log: Logger) {
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  const fork = () => cluster.fork();
  for (let i = 0; i < config.WEB_CONCURRENCY; i++) fork();

  cluster.on('message', (worker: Worker, msg: { type?: string; id?: number }) => {
    if (msg?.type !== METRICS_REQUEST) return;
    aggregator.clusterMetrics()
      .then((body) => worker.send({ type: METRICS_REPLY, id: msg.id, body }))
      .catch((err) => worker.send({ type: METRICS_REPLY, id: msg.id, error: String(err) }));
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    log.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
    setTimeout(fork, 500);
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    setTimeout(() => process.exit(1), config.SHUTDOWN_DELAY_MS + config.SHUTDOWN_TIMEOUT_MS + 5000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  log.info({ workers: config.WEB_CONCURRENCY, port: config.PORT }, 'booking service started');
}

async function runWorker(config: Config, log: Logger) {
  const clustered = cluster.isWorker;
  const running = await startServer(config, log, clustered ? scrapeViaPrimary : undefined).catch((err) => {
    log.fatal({ err }, 'could not start; check PORT, DATABASE_URL and REDIS_URL');
    process.exit(1);
  });
  if (!clustered) log.info({ port: running.port }, 'booking service started');
  const stop = (signal: NodeJS.Signals) => {
    log.info({ signal }, 'draining');
    running.stop().then(() => process.exit(0), (err) => { log.error({ err }, 'unclean stop'); process.exit(1); });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

let nextScrape = 0;
function scrapeViaPrimary(): Promise<string> {
  const id = ++nextScrape;
  return new Promise((resolve, reject) => {
    const onMessage = (msg: { type?: string; id?: number; body?: string; error?: string }) => {
      if (msg?.type !== METRICS_REPLY || msg.id !== id) return;
      cleanup();
      if (msg.error) reject(new Error(msg.error)); else resolve(msg.body ?? '');
    };
    const timer = setTimeout(() => { cleanup(); reject(new Error('metrics aggregation timed out')); }, 5000);
    const cleanup = () => { clearTimeout(timer); process.off('message', onMessage); };
    process.on('message', onMessage);
    process.send?.({ type: METRICS_REQUEST, id });
  });
}

main();
