import type { Request, Response } from 'express';
import type { RedisStore } from 'connect-redis';
import type { RedisClientType } from 'redis';
import type { AuditTrail } from '@hcw/common';
import type { BrokerConfig } from '../config.js';
import { AuditUnavailableError, recordFirst } from '../audit/record-first.js';
import { noticePage } from '../http/pages.js';
import type { FlowSession } from './second-factor/factor-flow.js';
import type { SignedInUser } from './signed-in-user.js';
import { deadlineKey, endSession } from './session.js';
import { auditActor } from '../audit/audit-actor.js';

declare module 'express-session' {
  interface SessionData {
    /** Signed in at the IdP, second factor still to come. */
    pendingUser?: SignedInUser;
    pendingSince?: number;
    /** What this session has shown of the second factor (see second-factor/factor-flow.ts). */
    secondFactor?: FlowSession;
    recoveryCodesToShow?: string[];
  }
}

export const userSessionKey = (userId: string): string => `user:session:${userId}`;
const PENDING_LIFETIME_MS = 10 * 60 * 1000;

export interface SignInFlowDeps {
  config: BrokerConfig;
  redis: RedisClientType;
  sessionStore: RedisStore;
  audit: AuditTrail;
}

/** Where the sign-in goes after the IdP: straight in when the IdP did multi-factor, else to the second factor. */
export async function afterIdentityProvider(
  deps: SignInFlowDeps,
  req: Request,
  res: Response,
  user: SignedInUser,
): Promise<void> {
  await regenerate(req);
  if (user.mfaByIdp) {
    await completeSignIn(deps, req, res, user, 'idp-mfa');
    return;
  }
  req.session.pendingUser = user;
  req.session.pendingSince = Date.now();
  res.redirect(303, '/auth/second-factor');
}

export function pendingUser(req: Request): SignedInUser | undefined {
  const since = req.session.pendingSince;
  if (!req.session.pendingUser || since === undefined || Date.now() - since > PENDING_LIFETIME_MS)
    return undefined;
  return req.session.pendingUser;
}

/**
 * The last step of every sign-in: one desktop per user (the policy decides whether an earlier session
 * elsewhere ends or this one is refused), the audit record, then a fresh session ID. The record comes
 * first and is awaited: while the audit trail cannot be written, nobody is signed in (AuditUnavailableError,
 * answered with a page saying so).
 */
export async function completeSignIn(
  deps: SignInFlowDeps,
  req: Request,
  res: Response,
  user: SignedInUser,
  factor: string,
): Promise<void> {
  const who = auditActor(user, req);
  const earlierSessionId = await deps.redis.get(userSessionKey(user.id));
  const isSignedInElsewhere = Boolean(
    earlierSessionId &&
    earlierSessionId !== req.sessionID &&
    (await sessionExists(deps.sessionStore, earlierSessionId)),
  );
  if (isSignedInElsewhere && deps.config.signIn.singleDesktopPolicy === 'refuse') {
    await destroyIfUnrecorded(req, () =>
      recordFirst(deps.audit, [
        { type: 'sign-in', outcome: 'failure', ...who, details: { reason: 'already signed in elsewhere' } },
      ]),
    );
    await destroy(req);
    res
      .status(409)
      .type('html')
      .send(
        noticePage('別の端末で使用中です', {
          ja: '別の端末でサインイン中のため、サインインできません。先にそちらでサインアウトしてください。',
          en: 'You are signed in on another device. Please sign out there first.',
        }),
      );
    return;
  }
  await destroyIfUnrecorded(req, () =>
    recordFirst(deps.audit, [
      ...(isSignedInElsewhere
        ? [
            {
              type: 'session-end' as const,
              outcome: 'success' as const,
              ...who,
              details: { reason: 'signed in on another device' },
            },
          ]
        : []),
      {
        type: 'sign-in',
        outcome: 'success',
        ...who,
        details: { roles: user.roles.join(','), secondFactor: factor },
      },
    ]),
  );
  try {
    if (isSignedInElsewhere) {
      await endSession(deps.redis, deps.sessionStore, earlierSessionId!, 'taken-over');
    }
    await regenerate(req);
    req.session.user = user;
    req.session.signedInAt = Date.now();
    // The IdP's multi-factor at this sign-in lets the user enrol a factor of ours, for sign-ins where it does not.
    if (factor === 'idp-mfa') req.session.secondFactor = { grant: 'idp-mfa' };
    await new Promise<void>((resolve, reject) => req.session.save((e) => (e ? reject(e) : resolve())));
    const lifetimeSeconds = Math.ceil(deps.config.session.maxHours * 3600);
    await deps.redis.set(userSessionKey(user.id), req.sessionID, { EX: lifetimeSeconds });
    // The tunnel's revocation watcher reads this to end a live desktop connection at the absolute deadline,
    // even while the user keeps working (activity only ever extends the idle timeout).
    await deps.redis.set(
      deadlineKey(req.sessionID),
      String(req.session.signedInAt + lifetimeSeconds * 1000),
      {
        EX: lifetimeSeconds + 3600,
      },
    );
  } catch (error) {
    // Recorded as a success a moment ago: the trail says it did not happen after all.
    await deps.audit
      .record({
        type: 'sign-in',
        outcome: 'failure',
        ...who,
        details: { reason: 'session could not be started' },
      })
      .catch(() => undefined);
    throw error;
  }
  res.redirect(303, '/');
}

/** Runs the recording; if the audit trail cannot take it, the sign-in goes no further, its session neither. */
async function destroyIfUnrecorded(req: Request, record: () => Promise<void>): Promise<void> {
  try {
    await record();
  } catch (error) {
    if (error instanceof AuditUnavailableError) await destroy(req);
    throw error;
  }
}

function destroy(req: Request): Promise<void> {
  return new Promise<void>((resolve) => req.session.destroy(() => resolve()));
}

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((e) => (e ? reject(e) : resolve())));
}

function sessionExists(store: RedisStore, id: string): Promise<boolean> {
  return new Promise((resolve) => store.get(id, (error, data) => resolve(!error && Boolean(data))));
}
