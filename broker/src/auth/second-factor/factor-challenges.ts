import { createHash, randomBytes } from 'node:crypto';
import type { RedisClientType } from 'redis';
import { z } from 'zod';
import {
  CHALLENGE_LIFETIME_MS,
  CHALLENGE_PURPOSES,
  judgeChallenge,
  type ChallengeCondition,
  type ChallengePurpose,
  type IssuedChallenge,
} from './factor-flow.js';

const Stored = z.object({
  purpose: z.enum(CHALLENGE_PURPOSES),
  userId: z.string(),
  sessionId: z.string(),
  issuedAt: z.number(),
  factorId: z.string().optional(),
});

const ChallengeText = z.string().regex(/^[A-Za-z0-9_-]{16,128}$/);

// Kept by hash: whoever reads Redis does not learn a challenge someone could still answer.
const key = (challenge: string): string =>
  `factor:challenge:${createHash('sha256').update(challenge).digest('hex')}`;

/**
 * Second-factor challenges in Redis, so every broker instance sees them: each bound to its purpose, user
 * and session, answered once (taking one removes it), and judged stale after its purpose's lifetime.
 */
export class FactorChallenges {
  constructor(
    private readonly redis: RedisClientType,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new challenge (32 random bytes, base64url): what WebAuthn signs, or what a form sends back. */
  async issue(
    purpose: ChallengePurpose,
    binding: { userId: string; sessionId: string },
    factorId?: string,
  ): Promise<string> {
    const challenge = randomBytes(32).toString('base64url');
    const issued: IssuedChallenge = {
      purpose,
      ...binding,
      issuedAt: this.now(),
      ...(factorId ? { factorId } : {}),
    };
    // Kept a minute past its lifetime, so a late answer is told it came too late rather than that it is unknown.
    await this.redis.set(key(challenge), JSON.stringify(issued), {
      EX: Math.ceil(CHALLENGE_LIFETIME_MS[purpose] / 1000) + 60,
    });
    return challenge;
  }

  /** Takes a presented challenge out of the store, whatever the answer to it will be: it is never used twice. */
  async take(challenge: unknown): Promise<IssuedChallenge | undefined> {
    const text = ChallengeText.safeParse(challenge);
    if (!text.success) return undefined;
    const raw = await this.redis.getDel(key(text.data));
    if (!raw) return undefined;
    try {
      return Stored.parse(JSON.parse(raw));
    } catch {
      return undefined;
    }
  }

  /** Takes the presented challenge and judges it against what the step expects. */
  async answer(
    challenge: unknown,
    expected: { purpose: ChallengePurpose; userId: string; sessionId: string },
  ): Promise<{ condition: ChallengeCondition; issued: IssuedChallenge | undefined }> {
    const issued = await this.take(challenge);
    return { condition: judgeChallenge(issued, expected, this.now()), issued };
  }
}
