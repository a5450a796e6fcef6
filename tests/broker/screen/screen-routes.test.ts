import assert from 'node:assert/strict';
import type { RedisClientType } from 'redis';
import type { AgentHealth } from '@hcw/common';
import { Cookies, signInOverHttp, signOutOverHttp } from '#test-support/http-sign-in.js';
import { workspace } from '#test-support/workspace.js';
import { agentsOf, redisOf } from '#test-support/stack-clients.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import { SCREEN_CHANGES_PER_WINDOW } from '#broker/screen/screen-routes.js';

const PHONE = { width: 390, height: 844, pixelRatio: 3 };
const PHONE_TURNED = { width: 844, height: 390, pixelRatio: 3 };

describe('the desktop takes the device’s shape, on the broker’s word', function () {
  this.timeout(120000);
  let stack: WorkspaceStack;
  let cookies: Cookies;
  let redis: RedisClientType;

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stack.brokerUrl}${path}`, {
      method: 'POST',
      headers: {
        cookie: cookies.header(),
        'x-requested-with': 'hcw-client',
        'content-type': 'application/json',
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  /** The screen of the desktop the user holds, as its agent reports it. */
  async function screenOfTheUsersDesktop(): Promise<AgentHealth['screen']> {
    const lease = await redis.get('lease:user:dr.tanaka');
    assert.ok(lease, 'the user holds a desktop');
    const desktop = stack.desktops.find(
      (d) => d.id === (JSON.parse(lease) as { desktopId: string }).desktopId,
    );
    assert.ok(desktop);
    return (await agentsOf(stack).health(desktop)).screen;
  }

  before(async () => {
    stack = await workspace();
    redis = redisOf(stack);
    await redis.connect();
    ({ cookies } = await signInOverHttp(stack.brokerUrl, 'dr.tanaka'));
  });
  after(async () => {
    await signOutOverHttp(stack.brokerUrl, cookies);
    await redis.quit();
  });

  it('refuses a screen change before the user holds a desktop', async () => {
    const answer = await post('/api/desktop/screen', PHONE);
    assert.equal(answer.status, 409);
    assert.match(((await answer.json()) as { error: { ja: string } }).error.ja, /接続していません/);
  });

  it('starts the desktop at the shape the device reports when it connects', async () => {
    const answer = await post('/api/desktop/connect', { viewport: PHONE });
    assert.equal(answer.status, 200, await answer.clone().text());
    assert.deepEqual(await screenOfTheUsersDesktop(), { width: 780, height: 1688, scale: 2 });
  });

  it('gives the running desktop the shape of a turned phone', async () => {
    const answer = await post('/api/desktop/screen', PHONE_TURNED);
    assert.equal(answer.status, 200, await answer.clone().text());
    assert.deepEqual(await answer.json(), { screen: { width: 1688, height: 780, scale: 2 } });
    assert.deepEqual(await screenOfTheUsersDesktop(), { width: 1688, height: 780, scale: 2 });
  });

  it('refuses reports it cannot trust, in Japanese and English, and changes nothing', async () => {
    for (const body of [
      { width: 390.5, height: 844, pixelRatio: 3 },
      { width: 20000, height: 844, pixelRatio: 3 },
      { width: 390, height: 844 },
      { width: 390, height: 844, pixelRatio: 3, scale: 3 },
      { width: '390', height: 844, pixelRatio: 3 },
      'not json',
    ]) {
      const answer = await post('/api/desktop/screen', body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      const { error } = (await answer.json()) as { error: { ja: string; en: string } };
      assert.ok(error.ja && error.en, JSON.stringify(error));
    }
    const connect = await post('/api/desktop/connect', { viewport: { width: 1, height: 1, pixelRatio: 1 } });
    assert.equal(connect.status, 400);
    assert.match(((await connect.json()) as { error: { ja: string } }).error.ja, /画面の大きさ/);
    assert.deepEqual(await screenOfTheUsersDesktop(), { width: 1688, height: 780, scale: 2 });
  });

  it('accepts it only from the user’s own page, signed in', async () => {
    assert.equal((await post('/api/desktop/screen', PHONE, { 'x-requested-with': '' })).status, 403);
    const anonymous = await fetch(`${stack.brokerUrl}/api/desktop/screen`, {
      method: 'POST',
      headers: { 'x-requested-with': 'hcw-client', 'content-type': 'application/json' },
      body: JSON.stringify(PHONE),
    });
    assert.equal(anonymous.status, 401);
  });

  it(`limits a session to ${SCREEN_CHANGES_PER_WINDOW} changes in ten seconds, saying when to try again`, async () => {
    // All at once, so the limit is reached within its window however long each change takes to apply.
    const answers = await Promise.all(
      Array.from({ length: SCREEN_CHANGES_PER_WINDOW + 1 }, (_, i) =>
        post('/api/desktop/screen', i % 2 ? PHONE : PHONE_TURNED),
      ),
    );
    const statuses = answers.map((a) => a.status);
    const accepted = statuses.filter((s) => s === 200).length;
    const refused = answers.filter((a) => a.status === 429);
    // Control: changes within the limit are made (this session made one a moment ago).
    assert.ok(accepted >= 1 && accepted <= SCREEN_CHANGES_PER_WINDOW, statuses.join(' '));
    assert.ok(refused.length >= 1, `none refused: ${statuses.join(' ')}`);
    assert.ok(
      statuses.every((s) => s === 200 || s === 429),
      statuses.join(' '),
    );
    assert.ok(Number(refused[0]!.headers.get('retry-after')) >= 1, 'says when to try again');
    assert.match(((await refused[0]!.json()) as { error: { ja: string } }).error.ja, /多すぎ/);
  });
});
