import {
  type Decision,
  type FactorState,
  type FactorStateName,
  type FactorStep,
} from '#broker/auth/second-factor/factor-flow.js';

/**
 * The second factor's expected behaviour, one table for the state machine's own test and for the test of
 * the endpoints over HTTP.
 */

/** One representative state object per state name. */
export const STATES: Record<FactorStateName, FactorState> = {
  'no-factor': { name: 'no-factor' },
  reset: { name: 'reset' },
  enrolling: { name: 'enrolling', grant: 'enrolment-code' },
  recovering: { name: 'recovering' },
  enrolled: { name: 'enrolled' },
  verified: { name: 'verified' },
};

/** The challenge conditions every step is tried with (a step that takes no challenge must ignore them). */
export const CONDITIONS = ['fresh', 'replayed', 'stale', 'wrong-purpose', 'other-session'] as const;

/**
 * The answer of every step in every state when its challenge (if it takes one) is fresh, written out by
 * hand: `page X` shows page X, `→ S` is allowed and leads to S on success, `NNN reason` is refused.
 */
export const EXPECTED: Record<FactorStep, Record<FactorStateName, string>> = {
  show: {
    'no-factor': 'page enrolment-code',
    reset: 'page enrolment-code',
    enrolling: 'page enrol',
    recovering: 'page enrol',
    enrolled: 'page challenge',
    verified: 'page recovery-codes',
  },
  'enrolment-code': {
    'no-factor': '→ enrolling',
    reset: '→ enrolling',
    enrolling: '409 code-already-accepted',
    recovering: '409 enrol-new-factor',
    enrolled: '403 use-enrolled-factor',
    verified: '409 already-verified',
  },
  'totp-enrolment': {
    'no-factor': '403 enrolment-code-needed',
    reset: '403 enrolment-code-needed',
    enrolling: '→ verified',
    recovering: '→ verified',
    enrolled: '403 use-enrolled-factor',
    verified: '409 already-verified',
  },
  'passkey-registration-options': {
    'no-factor': '403 enrolment-code-needed',
    reset: '403 enrolment-code-needed',
    enrolling: '→ enrolling',
    recovering: '→ recovering',
    enrolled: '403 use-enrolled-factor',
    verified: '409 already-verified',
  },
  'passkey-registration': {
    'no-factor': '403 enrolment-code-needed',
    reset: '403 enrolment-code-needed',
    enrolling: '→ verified',
    recovering: '→ verified',
    enrolled: '403 use-enrolled-factor',
    verified: '409 already-verified',
  },
  'passkey-sign-in-options': {
    'no-factor': '409 no-factor-yet',
    reset: '409 no-factor-yet',
    enrolling: '409 no-factor-yet',
    recovering: '409 enrol-new-factor',
    enrolled: '→ enrolled',
    verified: '409 already-verified',
  },
  'passkey-sign-in': {
    'no-factor': '409 no-factor-yet',
    reset: '409 no-factor-yet',
    enrolling: '409 no-factor-yet',
    recovering: '409 enrol-new-factor',
    enrolled: '→ signed-in',
    verified: '409 already-verified',
  },
  totp: {
    'no-factor': '409 no-factor-yet',
    reset: '409 no-factor-yet',
    enrolling: '409 no-factor-yet',
    recovering: '409 enrol-new-factor',
    enrolled: '→ signed-in',
    verified: '409 already-verified',
  },
  'recovery-code': {
    'no-factor': '409 no-factor-yet',
    reset: '409 no-factor-yet',
    enrolling: '409 no-factor-yet',
    recovering: '409 enrol-new-factor',
    enrolled: '→ recovering',
    verified: '409 already-verified',
  },
  'recovery-codes': {
    'no-factor': '403 not-verified',
    reset: '403 not-verified',
    enrolling: '403 not-verified',
    recovering: '403 not-verified',
    enrolled: '403 not-verified',
    verified: '→ verified',
  },
  complete: {
    'no-factor': '403 not-verified',
    reset: '403 not-verified',
    enrolling: '403 not-verified',
    recovering: '403 not-verified',
    enrolled: '403 not-verified',
    verified: '→ signed-in',
  },
};

/** Steps that answer a challenge, and what an allowed one says to a challenge that is not fresh. */
export const ANSWERS_A_CHALLENGE: FactorStep[] = [
  'totp-enrolment',
  'passkey-registration',
  'passkey-sign-in',
];
const NOT_FRESH: Record<Exclude<(typeof CONDITIONS)[number], 'fresh'>, string> = {
  replayed: '400 start-again',
  stale: '400 challenge-stale',
  'wrong-purpose': '400 challenge-wrong-purpose',
  'other-session': '400 challenge-other-session',
};

export function expected(
  step: FactorStep,
  state: FactorStateName,
  condition: (typeof CONDITIONS)[number],
): string {
  const answer = EXPECTED[step][state];
  const isAllowed = answer.startsWith('→') || answer.startsWith('page');
  if (isAllowed && condition !== 'fresh' && ANSWERS_A_CHALLENGE.includes(step)) return NOT_FRESH[condition];
  return answer;
}

export function answerOf(decision: Decision): string {
  if (!decision.allow) return `${decision.status} ${decision.refusal}`;
  if (decision.page) return `page ${decision.page}`;
  return `→ ${decision.next.name}`;
}
