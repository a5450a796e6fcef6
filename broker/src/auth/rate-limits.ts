import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisClientType } from 'redis';
import type { BrokerConfig } from '../config.js';

export type LimitVerdict = { blocked: false } | { blocked: true; retryAfterSeconds: number };

/**
 * Failed sign-ins and second-factor attempts, counted in Redis so that every broker instance sees the
 * same numbers: per client address, and per account for second factors (a distributed attack on one
 * account is stopped too). Only failures are counted; success does not reset an address's count.
 */
export class SignInLimits {
  private readonly perAddress: RateLimiterRedis;
  private readonly perAccount: RateLimiterRedis;

  constructor(redis: RedisClientType, config: BrokerConfig) {
    const common = {
      storeClient: redis,
      useRedisPackage: true,
      duration: config.signIn.rateLimitWindowSeconds,
    };
    this.perAddress = new RateLimiterRedis({
      ...common,
      keyPrefix: 'limit:sign-in:address',
      points: config.signIn.failuresPerAddress,
    });
    this.perAccount = new RateLimiterRedis({
      ...common,
      keyPrefix: 'limit:second-factor:account',
      points: config.signIn.secondFactorFailuresPerAccount,
    });
  }

  async check(address: string, account?: string): Promise<LimitVerdict> {
    const [byAddress, byAccount] = await Promise.all([
      this.perAddress.get(address),
      account ? this.perAccount.get(account) : Promise.resolve(null),
    ]);
    for (const [state, limiter] of [
      [byAddress, this.perAddress],
      [byAccount, this.perAccount],
    ] as const) {
      if (state && state.consumedPoints >= limiter.points) {
        return { blocked: true, retryAfterSeconds: Math.ceil(state.msBeforeNext / 1000) };
      }
    }
    return { blocked: false };
  }

  async fail(address: string, account?: string): Promise<void> {
    const consume = (limiter: RateLimiterRedis, key: string) =>
      limiter.consume(key).catch((rejection: unknown) => {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
      });
    await Promise.all([
      consume(this.perAddress, address),
      account ? consume(this.perAccount, account) : undefined,
    ]);
  }

  async succeed(account: string): Promise<void> {
    await this.perAccount.delete(account);
  }
}

/** What to record of one refused single-logout message. */
export type RefusalRecord =
  { record: 'each' } | { record: 'first-beyond' | 'none'; retryAfterSeconds: number };

/**
 * Refused single-logout messages per client address, counted apart from sign-ins: the logout endpoint has
 * nothing to guess (every message that ends anything carries the IdP's signature), and a hospital's users
 * share one address. So the count never blocks a message and never touches the sign-in limit; it bounds how
 * many refusals one address has recorded one by one in each window. Counting comes first and is one atomic
 * increment, so a burst cannot slip past the bound.
 */
export class LogoutRefusals {
  private readonly perAddress: RateLimiterRedis;

  constructor(redis: RedisClientType, config: BrokerConfig) {
    this.perAddress = new RateLimiterRedis({
      storeClient: redis,
      useRedisPackage: true,
      duration: config.signIn.rateLimitWindowSeconds,
      keyPrefix: 'limit:logout-refused:address',
      points: config.signIn.logoutRefusalsPerAddress,
    });
  }

  async count(address: string): Promise<RefusalRecord> {
    try {
      await this.perAddress.consume(address);
      return { record: 'each' };
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      return {
        record: rejection.consumedPoints === this.perAddress.points + 1 ? 'first-beyond' : 'none',
        retryAfterSeconds: Math.ceil(rejection.msBeforeNext / 1000),
      };
    }
  }
}
