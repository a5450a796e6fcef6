import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { generate } from 'otplib';
import request from 'supertest';
import { EnrolmentCodes } from '#broker/auth/second-factor/enrolment-codes.js';
import { FactorChallenges } from '#broker/auth/second-factor/factor-challenges.js';
import {
  CHALLENGE_LIFETIME_MS,
  challengeAnsweredBy,
  FACTOR_STATES,
  FACTOR_STEPS,
  REFUSALS,
  type ChallengePurpose,
  type FactorStateName,
  type FactorStep,
  type Refusal,
} from '#broker/auth/second-factor/factor-flow.js';
import { SecondFactorStore } from '#broker/auth/second-factor/second-factor-store.js';
import { SoftwareAuthenticator } from '#test-support/software-authenticator.js';
import { consoleBroker, type ConsoleBroker } from '../../admin/console-broker.js';
import { aUser } from '../../desktops/fake-desktops.js';
import { CONDITIONS, EXPECTED, expected } from './factor-table.js';

/** A challenge of the wrong purpose for each step that answers one; for a passkey registration, issue 14's. */
const WRONG_PURPOSE: Record<ChallengePurpose, ChallengePurpose> = {
  'totp-enrolment': 'passkey-registration',
  'passkey-registration': 'passkey-sign-in',
  'passkey-sign-in': 'passkey-registration',
};

/** What an allowed step answers over HTTP. */
const SUCCESS: Record<FactorStep, { status: number; location?: string; json?: Record<string, string> }> = {
  show: { status: 200 },
  'enrolment-code': { status: 303, location: '/auth/second-factor' },
  'totp-enrolment': { status: 303, location: '/auth/second-factor/recovery-codes' },
  'passkey-registration-options': { status: 200 },
  'passkey-registration': { status: 200, json: { next: '/auth/second-factor/recovery-codes' } },
  'passkey-sign-in-options': { status: 200 },
  'passkey-sign-in': { status: 200, json: { next: '/' } },
  totp: { status: 303, location: '/' },
  'recovery-code': { status: 303, location: '/auth/second-factor' },
  'recovery-codes': { status: 200 },
  complete: { status: 303, location: '/' },
};

/** What tells the second-factor page's variants apart. */
const PAGE_MARKS: Record<string, (response: request.Response) => boolean> = {
  'enrolment-code': (r) => r.status === 200 && r.text.includes('action="/auth/second-factor/enrolment-code"'),
  enrol: (r) => r.status === 200 && r.text.includes('action="/auth/second-factor/totp/enrol"'),
  challenge: (r) => r.status === 200 && r.text.includes('action="/auth/second-factor/recovery"'),
  'recovery-codes': (r) => r.status === 303 && r.headers.location === '/auth/second-factor/recovery-codes',
};

/** A sign-in in one of the states, reached the way a person reaches it, with what it holds. */
interface Cell {
  userId: string;
  sessionId: string;
  cookie: string;
  totpSecret?: string;
  passkey?: SoftwareAuthenticator;
  recoveryCodes: string[];
}

/**
 * Every second-factor endpoint in every state of the flow, with every kind of challenge, over HTTP against
 * a real broker app (its own PostgreSQL database, the workspace's Redis). Each cell is a new user who signed
 * in at the IdP and was brought to the state through the real endpoints; the expected answers are the
 * state machine's own table (factor-table.ts). Its control is the state machine's test, where the same
 * table reports issue 14's bypass when run against the rule that let it through.
 */
describe('second-factor endpoints in every state (the table over HTTP)', function () {
  this.timeout(600000);
  let broker: ConsoleBroker;
  let factors: SecondFactorStore;
  let codes: EnrolmentCodes;
  let challenges: FactorChallenges;
  let origin: string;
  let rpId: string;

  before(async () => {
    broker = await consoleBroker('second_factor_table', { env: { SIGN_IN_FAILURES_PER_ADDRESS: '100000' } });
    factors = new SecondFactorStore(broker.pool, broker.config.secretsKey);
    codes = new EnrolmentCodes(broker.pool, 1);
    challenges = new FactorChallenges(broker.redis);
    origin = broker.config.publicOrigin;
    rpId = new URL(broker.config.publicUrl).hostname;
  });
  after(async () => {
    await broker.close();
  });

  function send(cell: Cell, method: 'GET' | 'POST', path: string, body?: { form?: object; json?: object }) {
    const call = (method === 'GET' ? request(broker.app).get(path) : request(broker.app).post(path)).set(
      'cookie',
      cell.cookie,
    );
    if (body?.form) return call.type('form').send(body.form);
    if (body?.json) return call.send(body.json);
    return call;
  }

  /** Keeps the session cookie the broker set (a completed sign-in gets a new session). */
  function follow(cell: Cell, response: request.Response): void {
    const set = (response.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
    const session = set.find((c) => c.startsWith('broker.sid='));
    if (session) cell.cookie = session.split(';')[0]!;
  }

  async function enrolDirectly(cell: Cell): Promise<void> {
    const { factorId, secret } = await factors.beginTotp(cell.userId);
    await factors.enrol(cell.userId, { kind: 'totp', factorId }, { replaceOthers: false });
    cell.totpSecret = secret;
    cell.passkey = new SoftwareAuthenticator();
    cell.recoveryCodes = await factors.enrol(
      cell.userId,
      { kind: 'webauthn', credential: cell.passkey.credential() },
      { replaceOthers: false },
    );
  }

  async function arrange(state: FactorStateName): Promise<Cell> {
    const user = aUser({ id: `table.${randomBytes(5).toString('hex')}` });
    const cell: Cell = { userId: user.id, ...(await broker.startSignIn(user)), recoveryCodes: [] };
    const expectStatus = async (response: Promise<request.Response>, status: number) => {
      const r = await response;
      assert.equal(r.status, status, `arranging ${state}: ${r.text.slice(0, 300)}`);
      follow(cell, r);
      return r;
    };
    switch (state) {
      case 'no-factor':
        break;
      case 'reset':
        await factors.resetByAdministrator(cell.userId, 'admin.table');
        break;
      case 'enrolling':
      case 'verified': {
        const { code } = await codes.issue(cell.userId, 'admin.table');
        await expectStatus(send(cell, 'POST', '/auth/second-factor/enrolment-code', { form: { code } }), 303);
        if (state === 'verified') {
          const page = await expectStatus(send(cell, 'GET', '/auth/second-factor'), 200);
          const secret = /このキーを入力してください：<code>([A-Z2-7]+)<\/code>/.exec(page.text)![1]!;
          const challenge = /name="challenge" value="([^"]+)"/.exec(page.text)![1]!;
          await expectStatus(
            send(cell, 'POST', '/auth/second-factor/totp/enrol', {
              form: { challenge, code: await generate({ secret }) },
            }),
            303,
          );
        }
        break;
      }
      case 'enrolled':
        await enrolDirectly(cell);
        break;
      case 'recovering':
        await enrolDirectly(cell);
        await expectStatus(
          send(cell, 'POST', '/auth/second-factor/recovery', { form: { code: cell.recoveryCodes.shift()! } }),
          303,
        );
        break;
    }
    return cell;
  }

  /** A challenge presented at `step` in the given condition, bound (or not) as the condition says. */
  async function challengeFor(
    cell: Cell,
    purpose: ChallengePurpose,
    condition: (typeof CONDITIONS)[number],
  ): Promise<{ challenge: string; totpSecret?: string }> {
    const binding = { userId: cell.userId, sessionId: cell.sessionId };
    const pending = purpose === 'totp-enrolment' ? await factors.beginTotp(cell.userId) : undefined;
    const issue = (store: FactorChallenges, as: ChallengePurpose, bound = binding) =>
      store.issue(as, bound, pending?.factorId);
    let challenge: string;
    switch (condition) {
      case 'fresh':
        challenge = await issue(challenges, purpose);
        break;
      case 'replayed':
        challenge = await issue(challenges, purpose);
        await challenges.take(challenge); // answered once already
        break;
      case 'stale': {
        const past = new FactorChallenges(
          broker.redis,
          () => Date.now() - CHALLENGE_LIFETIME_MS[purpose] - 1000,
        );
        challenge = await issue(past, purpose);
        break;
      }
      case 'wrong-purpose':
        challenge = await issue(challenges, WRONG_PURPOSE[purpose]);
        break;
      case 'other-session':
        challenge = await issue(challenges, purpose, { ...binding, sessionId: 'another-sign-in' });
        break;
    }
    return { challenge, totpSecret: pending?.secret };
  }

  /** The request each step is sent: well-formed and, where a code or signature is asked for, correct. */
  async function act(step: FactorStep, cell: Cell, presented?: { challenge: string; totpSecret?: string }) {
    const { method, path } = FACTOR_STEPS[step];
    const challenge = presented?.challenge ?? '';
    switch (step) {
      case 'enrolment-code':
        return send(cell, 'POST', path, {
          form: { code: (await codes.issue(cell.userId, 'admin.table')).code },
        });
      case 'totp-enrolment':
        return send(cell, 'POST', path, {
          form: {
            challenge,
            code: presented?.totpSecret ? await generate({ secret: presented.totpSecret }) : '000000',
          },
        });
      case 'passkey-registration':
        return send(cell, 'POST', path, {
          json: new SoftwareAuthenticator().register({ challenge, rpId, origin }),
        });
      case 'passkey-sign-in':
        return send(cell, 'POST', path, {
          json: (cell.passkey ?? new SoftwareAuthenticator()).authenticate({ challenge, rpId, origin }),
        });
      case 'totp':
        return send(cell, 'POST', path, {
          form: { code: cell.totpSecret ? await generate({ secret: cell.totpSecret }) : '000000' },
        });
      case 'recovery-code':
        return send(cell, 'POST', path, { form: { code: cell.recoveryCodes[0] ?? 'AAAAA-AAAAA' } });
      default:
        return method === 'GET' ? send(cell, 'GET', path) : send(cell, 'POST', path, { json: {} });
    }
  }

  async function factorsOf(userId: string): Promise<string> {
    const { rows } = await broker.pool.query<{ kind: string; confirmed: boolean }>(
      'SELECT kind, confirmed FROM second_factors WHERE user_id = $1 AND confirmed ORDER BY id',
      [userId],
    );
    return rows.map((r) => r.kind).join(',');
  }

  /** Checks the answer against the table's, and where the step led. */
  async function assertAnswer(
    step: FactorStep,
    cell: Cell,
    response: request.Response,
    want: string,
    before: string,
  ) {
    const context = `${response.status} ${response.text.slice(0, 300)}`;
    if (want.startsWith('page ')) {
      assert.ok(PAGE_MARKS[want.slice(5)]!(response), `expected ${want}, got ${context}`);
      return;
    }
    if (want.startsWith('→ ')) {
      const success = SUCCESS[step];
      assert.equal(response.status, success.status, context);
      if (success.location) assert.equal(response.headers.location, success.location);
      if (success.json) assert.deepEqual(response.body, success.json);
      follow(cell, response);
      const next = want.slice(2);
      if (next === 'signed-in') {
        assert.equal((await send(cell, 'GET', '/api/me')).status, 200, 'signed in');
      } else {
        const page = await send(cell, 'GET', '/auth/second-factor');
        const shows =
          { 'no-factor': 'enrolment-code', reset: 'enrolment-code', enrolling: 'enrol' }[next] ??
          { recovering: 'enrol', enrolled: 'challenge', verified: 'recovery-codes' }[next]!;
        assert.ok(PAGE_MARKS[shows]!(page), `now ${next}: ${page.status} ${page.text.slice(0, 200)}`);
      }
      return;
    }
    const [status, refusal] = want.split(' ') as [string, Refusal];
    assert.equal(response.status, Number(status), context);
    assert.ok(response.text.includes(REFUSALS[refusal].ja), `refused as ${refusal}: ${context}`);
    assert.equal(await factorsOf(cell.userId), before, 'a refused step changes no factor');
    assert.equal((await send(cell, 'GET', '/api/me')).status, 401, 'a refused step signs nobody in');
  }

  it('refuses to register a passkey someone has registered already, and takes nothing over (control: a new one)', async () => {
    const owner = await arrange('enrolled');
    const other = await arrange('enrolling');
    const register = async (authenticator: SoftwareAuthenticator) => {
      const { challenge } = await challengeFor(other, 'passkey-registration', 'fresh');
      return send(other, 'POST', FACTOR_STEPS['passkey-registration'].path, {
        json: authenticator.register({ challenge, rpId, origin }),
      });
    };
    const taken = await register(owner.passkey!);
    assert.equal(taken.status, 409, taken.text);
    assert.equal(await factorsOf(owner.userId), 'totp,webauthn', 'the owner keeps it');
    assert.equal(await factorsOf(other.userId), '');
    assert.equal((await register(new SoftwareAuthenticator())).status, 200);
  });

  for (const step of Object.keys(FACTOR_STEPS) as FactorStep[]) {
    const purpose = challengeAnsweredBy(step);
    for (const state of FACTOR_STATES) {
      if (!purpose) {
        it(`${state} × ${step} (takes no challenge): ${EXPECTED[step][state]}`, async () => {
          const cell = await arrange(state);
          const before = await factorsOf(cell.userId);
          await assertAnswer(step, cell, await act(step, cell), EXPECTED[step][state], before);
        });
        continue;
      }
      for (const condition of CONDITIONS) {
        const want = expected(step, state, condition);
        it(`${state} × ${step} × ${condition} challenge: ${want}`, async () => {
          const cell = await arrange(state);
          const presented = await challengeFor(cell, purpose, condition);
          const before = await factorsOf(cell.userId);
          await assertAnswer(step, cell, await act(step, cell, presented), want, before);
        });
      }
    }
  }
});
