// The waiting room's Redis keys, for the repository and the Lua scripts alike: the scripts build
// per-user and per-token keys themselves (the tick expires tokens it finds only by name), so
// scripts.ts interpolates these prefixes into their source. Renaming one abandons every live queue.

/** Counter giving each new token its FIFO score. */
export const SEQ_KEY = 'q:seq';
/** zset token -> seq. */
export const WAITING_KEY = 'q:waiting';
/** zset token -> active-until (ms). */
export const ACTIVE_KEY = 'q:active';
/** + user id: the user's live token. */
export const USER_PREFIX = 'q:user:';
/** + token: hash {u: userId, e: why it ended ('expired' | 'paid')}. */
export const TOKEN_PREFIX = 'q:tok:';

export const userKey = (userId: number) => `${USER_PREFIX}${userId}`;
export const tokenKey = (token: string) => `${TOKEN_PREFIX}${token}`;
