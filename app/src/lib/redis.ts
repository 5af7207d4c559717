import Redis from 'ioredis';

export function createRedis(url: string): Redis {
  return new Redis(url, {
    // Fail fast while Redis is away: a queued command would turn into a client timeout.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 100, 1000),
    lazyConnect: false,
    // Commands issued in the same turn of the event loop leave in one write: under load, many
    // requests' gate checks share a syscall on each side.
    enableAutoPipelining: true,
  });
}
