import type { AddressInfo } from 'node:net';
import { AggregatorRegistry } from 'prom-client';
import { createApp } from './app';
import type { Config } from './lib/config';
import type { Logger } from './lib/logger';

/** Starts one HTTP worker and returns a graceful stop: readiness turns 503 first, then the
 *  listener closes after SHUTDOWN_DELAY_MS, in-flight requests finish, and the pools close. */
export async function startServer(config: Config, log: Logger, scrape?: () => Promise<string>) {
  const service = createApp(config, log, scrape);
  if (scrape) {
    // A clustered worker answers the primary's metric requests from its first moment: a scrape
    // that arrives while a sibling is still starting must not wait for it and time out.
    AggregatorRegistry.setRegistries([service.metrics.registry]);
    new AggregatorRegistry();
  }
  // Commands fail fast while Redis is not connected, so give it a moment before taking traffic;
  // if it stays away the service still starts, and /readyz says why.
  await service.redisReady(2000);
  await service.app.ready();
  const server = service.app.server;
  // Longer than common load-balancer idle timeouts, so they close first and never hit a dead socket.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, resolve);
  });
  service.startQueueTicks();
  const port = (server.address() as AddressInfo).port;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      service.lifecycle.ready = false;
      await new Promise((r) => setTimeout(r, config.SHUTDOWN_DELAY_MS));
      const forced = setTimeout(() => {
        log.warn('drain timed out; closing the remaining connections');
        server.closeAllConnections();
      }, config.SHUTDOWN_TIMEOUT_MS);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      clearTimeout(forced);
      await service.close();
    })();
    return stopping;
  };
  return { port, server, service, stop };
}

export type RunningServer = Awaited<ReturnType<typeof startServer>>;
