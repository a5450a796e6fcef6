/**
 * The second factor as a state machine: which state a sign-in is in, what each step of the flow may do in
 * that state, and whether a challenge answered at a step was issued for that very step, user and session,
 * is unused and is still young. Pure: the routes gather the facts, this module decides, the routes act.
 *
 * A step never trusts a challenge it did not ask for. Each challenge names its purpose, so a sign-in
 * challenge can never be answered with a registration (issue 14), and a step that is not allowed in a
 * state is refused before any challenge is looked at.
 */

/** What lets a session enrol a factor without proving an earlier one. */
export type Grant =
  /** A one-time enrolment code an organisation administrator issued out of band. */
  | 'enrolment-code'
  /** The IdP asserted multi-factor authentication at this very sign-in. */
  | 'idp-mfa'
  /** A recovery code, issued at an earlier enrolment: replaces the lost factor. */
  | 'recovery-code';

export const FACTOR_STATES = [
  /** No factor, never reset: enrolment needs a grant (an enrolment code, or multi-factor at the IdP). */
  'no-factor',
  /** An administrator removed the user's factors: as `no-factor`, and the user is told why. */
  'reset',
  /** A grant was accepted in this session: the user may register a factor now. */
  'enrolling',
  /** A recovery code was used in this session: the user registers a factor that replaces the old ones. */
  'recovering',
  /** The user has a factor and must prove it (or use a recovery code). */
  'enrolled',
  /** Enrolled, and this session has proven it (by enrolling just now, or the IdP did multi-factor). */
  'verified',
] as const;
export type FactorStateName = (typeof FACTOR_STATES)[number];

export type FactorState =
  | { name: 'no-factor' | 'reset' | 'recovering' | 'enrolled' | 'verified' }
  | { name: 'enrolling'; grant: 'enrolment-code' | 'idp-mfa' };

/** What the user's account holds, from the database. */
export interface AccountFacts {
  hasFactor: boolean;
  isReset: boolean;
}

/** What this session has shown so far; kept in the server-side session. */
export interface FlowSession {
  grant?: Grant;
  verified?: boolean;
}

export function factorState(account: AccountFacts, session: FlowSession): FactorState {
  if (account.hasFactor) {
    if (session.verified || session.grant === 'idp-mfa') return { name: 'verified' };
    if (session.grant === 'recovery-code') return { name: 'recovering' };
    return { name: 'enrolled' };
  }
  // A grant given before an administrator's reset, or a session verified before it, counts for nothing now
  // unless it is a grant to enrol.
  if (session.grant === 'enrolment-code' || session.grant === 'idp-mfa') {
    return { name: 'enrolling', grant: session.grant };
  }
  return { name: account.isReset ? 'reset' : 'no-factor' };
}

/** What a session keeps after a step took it to `next`. */
export function sessionAfter(current: FlowSession, next: FactorState): FlowSession {
  switch (next.name) {
    case 'enrolling':
      return { grant: next.grant };
    case 'recovering':
      return { grant: 'recovery-code' };
    case 'verified':
      return { ...current, verified: true };
    default:
      return current;
  }
}

export const CHALLENGE_PURPOSES = ['totp-enrolment', 'passkey-registration', 'passkey-sign-in'] as const;
export type ChallengePurpose = (typeof CHALLENGE_PURPOSES)[number];

/** How long a challenge may be answered: a person scans a QR code and types; an authenticator is quick. */
export const CHALLENGE_LIFETIME_MS: Record<ChallengePurpose, number> = {
  'totp-enrolment': 10 * 60 * 1000,
  'passkey-registration': 2 * 60 * 1000,
  'passkey-sign-in': 2 * 60 * 1000,
};

/** Broker instances' clocks may differ this much: another instance may issue a challenge "in the future". */
const CLOCK_SKEW_MS = 30 * 1000;

/** A challenge as the broker issued it. */
export interface IssuedChallenge {
  purpose: ChallengePurpose;
  userId: string;
  sessionId: string;
  issuedAt: number;
  /** The TOTP enrolment it belongs to (the authenticator-app secret not yet confirmed). */
  factorId?: string;
}

/**
 * What a challenge presented at a step turned out to be. `replayed` covers every challenge the store does
 * not hold: used before (a challenge is taken out of the store the first time it is presented), never
 * issued, or long expired.
 */
export const CHALLENGE_CONDITIONS = [
  'fresh',
  'replayed',
  'stale',
  'wrong-purpose',
  'other-session',
  'none',
] as const;
export type ChallengeCondition = (typeof CHALLENGE_CONDITIONS)[number];

export function judgeChallenge(
  challenge: IssuedChallenge | undefined,
  expected: { purpose: ChallengePurpose; userId: string; sessionId: string },
  now: number,
): ChallengeCondition {
  if (!challenge) return 'replayed';
  if (challenge.purpose !== expected.purpose) return 'wrong-purpose';
  if (challenge.userId !== expected.userId || challenge.sessionId !== expected.sessionId)
    return 'other-session';
  const age = now - challenge.issuedAt;
  if (age < -CLOCK_SKEW_MS || age > CHALLENGE_LIFETIME_MS[expected.purpose]) return 'stale';
  return 'fresh';
}

type StepKind = 'show' | 'enrol' | 'prove' | 'finish';

interface StepSpec {
  method: 'GET' | 'POST';
  path: string;
  kind: StepKind;
  /** The challenge this step answers; the step is refused unless that challenge is fresh. */
  answers?: ChallengePurpose;
}

/** Every endpoint of the second factor. */
export const FACTOR_STEPS = {
  show: { method: 'GET', path: '/auth/second-factor', kind: 'show' },
  'enrolment-code': { method: 'POST', path: '/auth/second-factor/enrolment-code', kind: 'enrol' },
  'totp-enrolment': {
    method: 'POST',
    path: '/auth/second-factor/totp/enrol',
    kind: 'enrol',
    answers: 'totp-enrolment',
  },
  'passkey-registration-options': {
    method: 'POST',
    path: '/auth/second-factor/webauthn/registration-options',
    kind: 'enrol',
  },
  'passkey-registration': {
    method: 'POST',
    path: '/auth/second-factor/webauthn/registration',
    kind: 'enrol',
    answers: 'passkey-registration',
  },
  'passkey-sign-in-options': {
    method: 'POST',
    path: '/auth/second-factor/webauthn/authentication-options',
    kind: 'prove',
  },
  'passkey-sign-in': {
    method: 'POST',
    path: '/auth/second-factor/webauthn/authentication',
    kind: 'prove',
    answers: 'passkey-sign-in',
  },
  totp: { method: 'POST', path: '/auth/second-factor/totp', kind: 'prove' },
  'recovery-code': { method: 'POST', path: '/auth/second-factor/recovery', kind: 'prove' },
  'recovery-codes': { method: 'GET', path: '/auth/second-factor/recovery-codes', kind: 'finish' },
  complete: { method: 'POST', path: '/auth/second-factor/complete', kind: 'finish' },
} as const satisfies Record<string, StepSpec>;
export type FactorStep = keyof typeof FACTOR_STEPS;

/** The challenge a step answers, if it answers one. */
export function challengeAnsweredBy(step: FactorStep): ChallengePurpose | undefined {
  const spec: StepSpec = FACTOR_STEPS[step];
  return spec.answers;
}

/** What the second-factor page shows in each state. */
export type FactorPage = 'enrolment-code' | 'enrol' | 'challenge' | 'recovery-codes';

/** Where a step leads when its own check (a code, a signature) succeeds. */
export type Next = FactorState | { name: 'signed-in' };

export type Decision =
  | { allow: true; next: Next; page?: FactorPage }
  | { allow: false; status: 400 | 403 | 409; refusal: Refusal };

/** Why a step is refused, in words the user can act on: Japanese first. */
export const REFUSALS = {
  'enrolment-code-needed': {
    ja: '2段階目の認証を登録するには、所属組織の管理者から受け取った登録コードが必要です。',
    en: 'To enrol a second factor, you need the enrolment code your organisation’s administrator gave you.',
  },
  'code-already-accepted': {
    ja: '登録コードは受け付け済みです。認証アプリかパスキーを登録してください。',
    en: 'Your enrolment code was accepted. Please enrol an authenticator app or a passkey.',
  },
  'use-enrolled-factor': {
    ja: '登録済みの認証要素で確認してください。',
    en: 'Please confirm with the factor you have enrolled.',
  },
  'no-factor-yet': {
    ja: '2段階目の認証がまだ登録されていません。',
    en: 'No second factor is enrolled yet.',
  },
  'enrol-new-factor': {
    ja: '回復コードを使いました。新しい認証アプリかパスキーを登録してください。',
    en: 'You used a recovery code. Please enrol a new authenticator app or passkey.',
  },
  'not-verified': {
    ja: '2段階目の認証が完了していません。',
    en: 'The second factor has not been confirmed.',
  },
  'already-verified': {
    ja: '2段階目の認証は完了しています。',
    en: 'The second factor is already confirmed.',
  },
  'start-again': {
    ja: 'この確認はすでに使われたか、無効です。もう一度やり直してください。',
    en: 'This confirmation was already used or is not valid. Please start again.',
  },
  'challenge-stale': {
    ja: '確認の有効時間が過ぎました。もう一度やり直してください。',
    en: 'This confirmation has expired. Please start again.',
  },
  'challenge-wrong-purpose': {
    ja: 'この確認は別の手続きのためのものです。もう一度やり直してください。',
    en: 'This confirmation was issued for another step. Please start again.',
  },
  'challenge-other-session': {
    ja: 'この確認は別のサインインのためのものです。もう一度やり直してください。',
    en: 'This confirmation belongs to another sign-in. Please start again.',
  },
} as const;
export type Refusal = keyof typeof REFUSALS;

const same = (state: FactorState): FactorState => state;
const verified: FactorState = { name: 'verified' };

/**
 * The steps allowed in each state, and where each leads on success. Everything not listed is refused
 * (see `refusalFor`). The table reads down a column: what a user in that state may do.
 */
const ALLOWED: Record<FactorStep, Partial<Record<FactorStateName, (state: FactorState) => Next>>> = {
  show: {
    'no-factor': same,
    reset: same,
    enrolling: same,
    recovering: same,
    enrolled: same,
    verified: same,
  },
  'enrolment-code': {
    'no-factor': () => ({ name: 'enrolling', grant: 'enrolment-code' }),
    reset: () => ({ name: 'enrolling', grant: 'enrolment-code' }),
  },
  'totp-enrolment': { enrolling: () => verified, recovering: () => verified },
  'passkey-registration-options': { enrolling: same, recovering: same },
  'passkey-registration': { enrolling: () => verified, recovering: () => verified },
  'passkey-sign-in-options': { enrolled: same },
  'passkey-sign-in': { enrolled: () => ({ name: 'signed-in' }) },
  totp: { enrolled: () => ({ name: 'signed-in' }) },
  'recovery-code': { enrolled: () => ({ name: 'recovering' }) },
  'recovery-codes': { verified: same },
  complete: { verified: () => ({ name: 'signed-in' }) },
};

const PAGES: Record<FactorStateName, FactorPage> = {
  'no-factor': 'enrolment-code',
  reset: 'enrolment-code',
  enrolling: 'enrol',
  recovering: 'enrol',
  enrolled: 'challenge',
  verified: 'recovery-codes',
};

function refusalFor(state: FactorStateName, step: FactorStep): { status: 403 | 409; refusal: Refusal } {
  const kind: StepKind = FACTOR_STEPS[step].kind;
  if (state === 'verified') return { status: 409, refusal: 'already-verified' };
  if (kind === 'finish') return { status: 403, refusal: 'not-verified' };
  if (state === 'recovering') return { status: 409, refusal: 'enrol-new-factor' };
  if (kind === 'enrol') {
    if (state === 'enrolled') return { status: 403, refusal: 'use-enrolled-factor' };
    if (state === 'enrolling') return { status: 409, refusal: 'code-already-accepted' };
    return { status: 403, refusal: 'enrolment-code-needed' };
  }
  return { status: 409, refusal: 'no-factor-yet' };
}

const CHALLENGE_REFUSALS: Record<Exclude<ChallengeCondition, 'fresh'>, Refusal> = {
  replayed: 'start-again',
  none: 'start-again',
  stale: 'challenge-stale',
  'wrong-purpose': 'challenge-wrong-purpose',
  'other-session': 'challenge-other-session',
};

/**
 * What `step` may do in `state` when it was presented a challenge in `challenge` condition (`none` for
 * steps that take no challenge). The state is judged first: a step that is not allowed in a state is
 * refused whatever challenge comes with it.
 */
export function decide(state: FactorState, step: FactorStep, challenge: ChallengeCondition): Decision {
  const allowed = ALLOWED[step][state.name];
  if (!allowed) return { allow: false, ...refusalFor(state.name, step) };
  if (challengeAnsweredBy(step) && challenge !== 'fresh') {
    return { allow: false, status: 400, refusal: CHALLENGE_REFUSALS[challenge] };
  }
  return { allow: true, next: allowed(state), ...(step === 'show' ? { page: PAGES[state.name] } : {}) };
}
