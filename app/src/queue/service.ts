import { randomUUID } from 'node:crypto';
import { AppError, fromRedisError } from '../lib/errors';
import type { Metrics } from '../lib/metrics';
import type { UserRepository } from '../users/repository';
import { QueueRepository, TokenRecord } from './repository';

export interface TokenView {
  token: string;
  status: 'WAITING' | 'ACTIVE';
  position: number;
  estimatedWaitingTime: number;
  activeExpiresAt: string | null;
}

export interface Holder { userId: number; token: string }

const TOKEN_FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class QueueService {
  constructor(
    private readonly repo: QueueRepository,
    private readonly users: UserRepository,
    private readonly metrics: Metrics,
    private readonly maxActive: number,
    private readonly activeTtlSeconds: number,
  ) {}

  async issue(userId: number): Promise<{ created: boolean; view: TokenView }> {
    await this.users.mustExist(userId);
    const { created, token, record } = await this.repo.issue(userId, randomUUID()).catch(rethrowRedis);
    this.metrics.tokensIssued.inc({ outcome: created ? 'new' : 'existing' });
    return { created, view: this.view(token, record) };
  }

  async status(token: string | undefined): Promise<TokenView> {
    const { token: t, record } = await this.lookup(token, 'status');
    if (record.state === 'WAITING' || record.state === 'ACTIVE') return this.view(t, record);
    throw tokenEnded();
  }

  /** The gate in front of seats, holds and payments: only an ACTIVE token passes. */
  async requireActive(token: string | undefined): Promise<Holder> {
    const { token: t, record } = await this.lookup(token, 'gate');
    return this.admit(t, record);
  }

  private admit(t: string, record: TokenRecord): Holder {
    if (record.state === 'ACTIVE') return { userId: record.userId, token: t };
    if (record.state === 'WAITING') {
      throw new AppError(403, 'QUEUE_NOT_ACTIVE', `still waiting in the queue at position ${record.position}`);
    }
    throw tokenEnded();
  }

  /** Like requireActive, but also admits a token that ended by paying, so a retried payment can
   *  replay its stored outcome; `active` tells which case it is. */
  async requireActiveOrPaid(token: string | undefined): Promise<Holder & { active: boolean }> {
    const { token: t, record } = await this.lookup(token, 'gate');
    if (record.state === 'ENDED' && record.why === 'paid') return { userId: record.userId, token: t, active: false };
    return { ...this.admit(t, record), active: true };
  }

  async end(token: string): Promise<void> {
    await this.repo.end(token, 'paid').catch(rethrowRedis);
  }

  async tick(): Promise<void> {
    const { waiting, active } = await this.repo.tick();
    this.metrics.queueWaiting.set(waiting);
    this.metrics.queueActive.set(active);
  }

  private async lookup(token: string | undefined, how: 'status' | 'gate') {
    if (token === undefined || token === '') throw new AppError(401, 'TOKEN_MISSING', 'the User-Token header is required');
    if (!TOKEN_FORMAT.test(token)) throw invalidToken();
    const record = await (how === 'status' ? this.repo.find(token) : this.repo.gate(token)).catch(rethrowRedis);
    if (record.state === 'INVALID') throw invalidToken();
    return { token, record };
  }

  private view(token: string, record: TokenRecord): TokenView {
    if (record.state !== 'WAITING' && record.state !== 'ACTIVE') throw tokenEnded();
    const waitSeconds = this.maxActive === 0 ? -1 : Math.ceil((record.position * this.activeTtlSeconds) / this.maxActive);
    return {
      token,
      status: record.state,
      position: record.position,
      // A rough bound: each active slot frees up at the latest after ACTIVE_TTL_SECONDS.
      estimatedWaitingTime: record.state === 'ACTIVE' ? 0 : waitSeconds,
      activeExpiresAt: record.activeUntilMs === null ? null : new Date(record.activeUntilMs).toISOString(),
    };
  }
}

const invalidToken = () => new AppError(401, 'TOKEN_INVALID', 'the queue token is not valid');
const tokenEnded = () => new AppError(401, 'TOKEN_EXPIRED', 'the queue token has expired or was used; issue a new one');
const rethrowRedis = (err: unknown): never => { throw fromRedisError(err); };
