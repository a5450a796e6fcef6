import type { RedisClientType } from 'redis';
import type { BrokerConfig } from '../config.js';

export type LimitVerdict = { blocked: false } | { blocked: true; retryAfterSeconds: number };

/** An attempt let through: counted already; `succeeded` gives it back. */
export type Attempt =
  { allowed: true; succeeded(): Promise<void> } | { allowed: false; retryAfterSeconds: number };

/**
 * The actions the broker limits, and the counters each draws on. Password guessing is the IdP's to stop
 * (its own lockout); these limit what reaches the broker: SAML responses at the assertion consumer service
 * and every second-factor check (authenticator-app codes, passkeys, recovery codes, enrolment codes).
 */
export const LIMITED_ACTIONS = {
  'sign-in': ['address'],
  'second-factor': ['address', 'account'],
} as const satisfies Record<string, readonly ('address' | 'account')[]>;
export type LimitedAction = keyof typeof LIMITED_ACTIONS;

/**
 * Takes one attempt from every counter, or from none when any is used up: checking and counting are one
 * step, run inside Redis, so a burst of parallel requests cannot all pass the check before any is counted.
 * A window starts at a counter's first attempt. Returns {1, 0} when taken, {0, ms until the window ends}
 * when refused.
 */
const TAKE_ATTEMPT = `
for i, key in ipairs(KEYS) do
  local used = tonumber(redis.call('GET', key) or '0')
  if used >= tonumber(ARGV[i + 1]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then
      redis.call('PEXPIRE', key, ARGV[1])
      ttl = tonumber(ARGV[1])
    end
    return {0, ttl}
  end
end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
end
return {1, 0}
`;

/** Gives an attempt back to each counter that still holds one. */
const GIVE_BACK = `
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 0
`;

/** Counts one more in a window: the new count, and the milliseconds left of the window. */
const COUNT_ONE = `
local used = redis.call('INCR', KEYS[1])
if used == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {used, redis.call('PTTL', KEYS[1])}
`;

/**
 * Failed sign-ins and second-factor attempts, counted in Redis so that every broker instance sees the same
 * numbers: per client address, and per account for second factors (a distributed attack on one account is
 * stopped too). An attempt is counted before it is tried; one that succeeds is given back (and clears its
 * account's count), so in effect only failures count, and never more than the limit are tried at once.
 */
export class SignInLimits {
  private readonly windowMs: number;
  private readonly limits: Record<'address' | 'account', number>;

  constructor(
    private readonly redis: RedisClientType,
    config: Pick<BrokerConfig, 'signIn'>,
  ) {
    this.windowMs = config.signIn.rateLimitWindowSeconds * 1000;
    this.limits = {
      address: config.signIn.failuresPerAddress,
      account: config.signIn.secondFactorFailuresPerAccount,
    };
  }

  private keys(action: LimitedAction, who: { address: string; account?: string }) {
    return LIMITED_ACTIONS[action].map((counter) => {
      if (counter === 'address') return { counter, key: `limit:sign-in:address:${who.address}` };
      if (who.account === undefined) throw new Error(`the ${action} limit needs an account`);
      return { counter, key: `limit:second-factor:account:${who.account}` };
    });
  }

  /** Takes an attempt at `action` for this client address (and account), or says how long to wait. */
  async attempt(action: LimitedAction, who: { address: string; account?: string }): Promise<Attempt> {
    const counters = this.keys(action, who);
    const reply = (await this.redis.eval(TAKE_ATTEMPT, {
      keys: counters.map((c) => c.key),
      arguments: [String(this.windowMs), ...counters.map((c) => String(this.limits[c.counter]))],
    })) as [number, number];
    if (reply[0] !== 1) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(reply[1] / 1000)) };
    return {
      allowed: true,
      succeeded: async () => {
        const address = counters.filter((c) => c.counter === 'address').map((c) => c.key);
        const account = counters.filter((c) => c.counter === 'account').map((c) => c.key);
        await this.redis.eval(GIVE_BACK, { keys: address });
        if (account.length > 0) await this.redis.del(account);
      },
    };
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
  private readonly windowMs: number;
  private readonly limit: number;

  constructor(
    private readonly redis: RedisClientType,
    config: Pick<BrokerConfig, 'signIn'>,
  ) {
    this.windowMs = config.signIn.rateLimitWindowSeconds * 1000;
    this.limit = config.signIn.logoutRefusalsPerAddress;
  }

  async count(address: string): Promise<RefusalRecord> {
    const [used, msLeft] = (await this.redis.eval(COUNT_ONE, {
      keys: [`limit:logout-refused:address:${address}`],
      arguments: [String(this.windowMs)],
    })) as [number, number];
    if (used <= this.limit) return { record: 'each' };
    return {
      record: used === this.limit + 1 ? 'first-beyond' : 'none',
      retryAfterSeconds: Math.max(1, Math.ceil(msLeft / 1000)),
    };
  }
}
