import type Redis from 'ioredis';
import { ACTIVE_KEY, SEQ_KEY, tokenKey, userKey, WAITING_KEY } from './keys';
import { END, GATE, ISSUE, STATUS, TICK_ONLY } from './scripts';

type Reply = (string | number | null)[];

interface QueueCommands {
  queueIssue(user: string, tok: string, seq: string, waiting: string, active: string,
    userId: number, token: string, maxActive: number, ttlMs: number): Promise<Reply>;
  queueStatus(tok: string, waiting: string, active: string, token: string, maxActive: number, ttlMs: number): Promise<Reply>;
  queueGate(tok: string, waiting: string, active: string, token: string): Promise<Reply>;
  queueEnd(tok: string, waiting: string, active: string, token: string, why: string): Promise<number>;
  queueTick(waiting: string, active: string, maxActive: number, ttlMs: number): Promise<[number, number]>;
}

export type TokenRecord =
  | { state: 'INVALID' }
  | { state: 'ENDED'; userId: number; why: string }
  | { state: 'WAITING' | 'ACTIVE'; userId: number; position: number; activeUntilMs: number | null };

export class QueueRepository {
  private readonly redis: Redis & QueueCommands;

  constructor(redis: Redis, private readonly maxActive: number, private readonly ttlMs: number) {
    redis.defineCommand('queueIssue', { numberOfKeys: 5, lua: ISSUE });
    redis.defineCommand('queueStatus', { numberOfKeys: 3, lua: STATUS });
    redis.defineCommand('queueGate', { numberOfKeys: 3, lua: GATE });
    redis.defineCommand('queueEnd', { numberOfKeys: 3, lua: END });
    redis.defineCommand('queueTick', { numberOfKeys: 2, lua: TICK_ONLY });
    this.redis = redis as Redis & QueueCommands;
  }

  async issue(userId: number, newToken: string) {
    const [created, token, state, position, until] = await this.redis.queueIssue(
      userKey(userId), tokenKey(newToken), SEQ_KEY, WAITING_KEY, ACTIVE_KEY, userId, newToken, this.maxActive, this.ttlMs);
    return {
      created: created === 1,
      record: { state, userId, position: Number(position), activeUntilMs: until ? Number(until) : null } as TokenRecord,
      token: String(token),
    };
  }

  /** The token's state after a tick (status polling promotes). */
  async find(token: string): Promise<TokenRecord> {
    return toRecord(await this.redis.queueStatus(tokenKey(token), WAITING_KEY, ACTIVE_KEY, token, this.maxActive, this.ttlMs));
  }

  /** The token's state without a tick: the gate in front of seats, holds and payments. */
  async gate(token: string): Promise<TokenRecord> {
    return toRecord(await this.redis.queueGate(tokenKey(token), WAITING_KEY, ACTIVE_KEY, token));
  }

  async end(token: string, why: 'paid' | 'expired') {
    await this.redis.queueEnd(tokenKey(token), WAITING_KEY, ACTIVE_KEY, token, why);
  }

  async tick(): Promise<{ waiting: number; active: number }> {
    const [waiting, active] = await this.redis.queueTick(WAITING_KEY, ACTIVE_KEY, this.maxActive, this.ttlMs);
    return { waiting, active };
  }
}

function toRecord([state, userId, third, until]: Reply): TokenRecord {
  if (state === 'INVALID') return { state };
  if (state === 'ENDED') return { state, userId: Number(userId), why: String(third) };
  return {
    state: state as 'WAITING' | 'ACTIVE', userId: Number(userId), position: Number(third),
    activeUntilMs: until ? Number(until) : null,
  };
}
