import assert from 'node:assert/strict';
import {
  CHALLENGE_LIFETIME_MS,
  decide,
  FACTOR_STATES,
  FACTOR_STEPS,
  factorState,
  judgeChallenge,
  sessionAfter,
  type ChallengeCondition,
  type Decision,
  type FactorState,
  type FactorStep,
} from '#broker/auth/second-factor/factor-flow.js';
import { answerOf, CONDITIONS, expected, STATES } from './factor-table.js';

type Decide = (state: FactorState, step: FactorStep, challenge: ChallengeCondition) => Decision;

/** Runs the whole table (every step × every state × every challenge condition) and lists what differs. */
function mismatches(decideWith: Decide): string[] {
  const found: string[] = [];
  for (const step of Object.keys(FACTOR_STEPS) as FactorStep[]) {
    for (const state of FACTOR_STATES) {
      for (const condition of CONDITIONS) {
        const want = expected(step, state, condition);
        const got = answerOf(decideWith(STATES[state], step, condition));
        if (got !== want) found.push(`${state} × ${step} × ${condition}: expected ${want}, got ${got}`);
      }
    }
  }
  return found;
}

describe('second-factor flow (the state machine)', () => {
  it('answers every step in every state with every kind of challenge as the table says', () => {
    assert.equal(
      Object.keys(FACTOR_STEPS).length * FACTOR_STATES.length * CONDITIONS.length,
      11 * 6 * 5,
      'the table covers every step, state and challenge condition',
    );
    assert.deepEqual(mismatches(decide), []);
  });

  it('catches today’s bypass when run against the rule that let it through (control)', () => {
    // The rule before issue 14's fix: a passkey registration needed a pending sign-in and some challenge in
    // the session, of any purpose and any age.
    const withOldRegistrationRule: Decide = (state, step, challenge) =>
      step === 'passkey-registration' && challenge !== 'replayed'
        ? { allow: true, next: { name: 'verified' } }
        : decide(state, step, challenge);
    const found = mismatches(withOldRegistrationRule);
    assert.ok(
      found.includes(
        'enrolled × passkey-registration × wrong-purpose: expected 403 use-enrolled-factor, got → verified',
      ),
      `the table reports the bypass; it reported:\n${found.join('\n')}`,
    );
    assert.ok(
      found.some((line) => line.startsWith('no-factor × passkey-registration × fresh')),
      'and password-only enrolment',
    );
  });

  it('treats a session granted enrolment by the IdP’s multi-factor like one granted by an enrolment code', () => {
    const byIdp: FactorState = { name: 'enrolling', grant: 'idp-mfa' };
    for (const step of Object.keys(FACTOR_STEPS) as FactorStep[]) {
      for (const condition of CONDITIONS) {
        assert.deepEqual(
          answerOf(decide(byIdp, step, condition)),
          answerOf(decide(STATES.enrolling, step, condition)),
          `${step} × ${condition}`,
        );
      }
    }
  });

  describe('the state of a sign-in', () => {
    const cases: [string, Parameters<typeof factorState>[0], Parameters<typeof factorState>[1], string][] = [
      ['never enrolled', { hasFactor: false, isReset: false }, {}, 'no-factor'],
      ['reset by an administrator', { hasFactor: false, isReset: true }, {}, 'reset'],
      [
        'an enrolment code accepted',
        { hasFactor: false, isReset: true },
        { grant: 'enrolment-code' },
        'enrolling',
      ],
      [
        'the IdP did multi-factor, nothing enrolled',
        { hasFactor: false, isReset: false },
        { grant: 'idp-mfa' },
        'enrolling',
      ],
      [
        'the IdP did multi-factor, a factor enrolled',
        { hasFactor: true, isReset: false },
        { grant: 'idp-mfa' },
        'verified',
      ],
      ['a factor enrolled', { hasFactor: true, isReset: false }, {}, 'enrolled'],
      ['a recovery code used', { hasFactor: true, isReset: false }, { grant: 'recovery-code' }, 'recovering'],
      [
        'enrolled just now',
        { hasFactor: true, isReset: false },
        { grant: 'enrolment-code', verified: true },
        'verified',
      ],
      // What an administrator's reset does to a session that is part-way through.
      ['reset while recovering', { hasFactor: false, isReset: true }, { grant: 'recovery-code' }, 'reset'],
      [
        'reset after enrolling, before going on',
        { hasFactor: false, isReset: true },
        { verified: true },
        'reset',
      ],
      [
        'enrolled elsewhere after an enrolment code',
        { hasFactor: true, isReset: false },
        { grant: 'enrolment-code' },
        'enrolled',
      ],
    ];
    for (const [name, account, session, state] of cases) {
      it(`${name}: ${state}`, () => assert.equal(factorState(account, session).name, state));
    }

    it('keeps what the session has shown as it moves on', () => {
      assert.deepEqual(sessionAfter({}, { name: 'enrolling', grant: 'enrolment-code' }), {
        grant: 'enrolment-code',
      });
      assert.deepEqual(sessionAfter({}, { name: 'recovering' }), { grant: 'recovery-code' });
      assert.deepEqual(sessionAfter({ grant: 'recovery-code' }, { name: 'verified' }), {
        grant: 'recovery-code',
        verified: true,
      });
    });
  });

  describe('a challenge', () => {
    const now = 1_000_000_000;
    const issued = {
      purpose: 'passkey-registration' as const,
      userId: 'nurse.sato',
      sessionId: 'session-a',
      issuedAt: now - 1000,
    };
    const expectedFor = {
      purpose: 'passkey-registration' as const,
      userId: 'nurse.sato',
      sessionId: 'session-a',
    };
    const cases: [string, typeof issued | undefined, ChallengeCondition][] = [
      ['issued for this step, user and session, just now', issued, 'fresh'],
      ['not held by the store (used, never issued, expired)', undefined, 'replayed'],
      ['issued for another purpose', { ...issued, purpose: 'passkey-sign-in' as never }, 'wrong-purpose'],
      ['issued to another user', { ...issued, userId: 'nurse.kimura' }, 'other-session'],
      ['issued to another session', { ...issued, sessionId: 'session-b' }, 'other-session'],
      [
        'older than its purpose’s lifetime',
        { ...issued, issuedAt: now - CHALLENGE_LIFETIME_MS['passkey-registration'] - 1 },
        'stale',
      ],
      [
        'issued a moment "later" by an instance whose clock runs ahead',
        { ...issued, issuedAt: now + 5_000 },
        'fresh',
      ],
      ['dated further in the future than clocks drift apart', { ...issued, issuedAt: now + 60_000 }, 'stale'],
    ];
    for (const [name, challenge, condition] of cases) {
      it(`${name}: ${condition}`, () => assert.equal(judgeChallenge(challenge, expectedFor, now), condition));
    }
  });
});
