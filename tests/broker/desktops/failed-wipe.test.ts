import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import request from 'supertest';
import { AgentHealth } from '@hcw/common';
import { NoDesktopAvailableError } from '#broker/desktops/desktop-pool.js';
import { consoleBroker, anAdmin, type ConsoleBroker } from '../admin/console-broker.js';
import { startTestDesktop, type TestDesktop } from '../../vdi-images/support/test-desktop.js';
import { startTestSite, type TestSite } from '../../vdi-images/support/test-site.js';
import { workspace } from '#test-support/workspace.js';
import { aUser } from './fake-desktops.js';

const POOL = 'wipe-pool';

/**
 * The disk that holds a desktop's state turning read-only under it, as ext4 does after an I/O error
 * (errors=remount-ro): a bind mount of the state folder over itself, remounted read-only. Nothing the agent
 * wipes can then be removed. `repair` puts the folder back.
 */
function turnReadOnly(folder: string): { repair(): void } {
  // One step: the bind mount is made read-only before it is attached (mount's new API), so a file the kiosk
  // opens for writing in between cannot make a separate read-only remount fail as busy.
  execFileSync('mount', ['--bind', '-o', 'ro', folder, folder]);
  assert.throws(() => execFileSync('touch', [`${folder}/.read-only-probe`], { stdio: 'ignore' }), Error);
  let isMounted = true;
  const repair = (): void => {
    if (!isMounted) return;
    execFileSync('umount', ['-l', folder]);
    isMounted = false;
  };
  process.once('exit', repair);
  return { repair };
}

/**
 * A failed wipe with a real desktop agent (Xvnc, window manager, kiosk Chromium): the broker never leases
 * the desktop again until an administrator resets it, the console shows it, the audit trail records it.
 */
describe('a desktop whose wipe fails', function () {
  this.timeout(240_000);
  let site: TestSite;
  let desktop: TestDesktop;
  let broker: ConsoleBroker;
  let disk: { repair(): void } | undefined;
  let adminCookie: string;
  const desktopId = 'wipe-desktop';

  const stateOf = async () => {
    await broker.desktops.checkNow();
    const [pool] = await broker.desktops.status();
    return pool!.desktops.find((d) => d.id === desktopId)!;
  };
  const agentHealth = async () => AgentHealth.parse((await desktop.call('GET', '/v1/health')).body);
  const auditRows = async (type: string) =>
    (
      await broker.pool.query<{
        outcome: string;
        actor_id: string | null;
        details: Record<string, unknown>;
      }>(`SELECT outcome, actor_id, details FROM audit_events WHERE type = $1 ORDER BY id`, [type])
    ).rows;
  const returnToService = () =>
    request(broker.app)
      .post(`/admin/api/pools/${POOL}/desktops/${desktopId}/return-to-service`)
      .set('cookie', adminCookie)
      .set('x-requested-with', 'hcw-client');

  before(async () => {
    const stack = await workspace();
    site = await startTestSite('記録');
    desktop = await startTestDesktop({ id: desktopId });
    broker = await consoleBroker('failed_wipe_test', {
      desktops: 0,
      agentTimeoutMs: 60_000,
      portal: {
        createHandoff: async () => ({
          url: `${site.url}/`,
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
        }),
      },
      env: {
        POOLS: JSON.stringify([
          {
            id: POOL,
            provider: {
              type: 'static',
              desktops: [
                { id: desktopId, agentUrl: desktop.agentUrl, vncHost: '127.0.0.1', vncPort: desktop.vncPort },
              ],
            },
            size: 1,
            guacd: [{ host: stack.guacd.host, port: stack.guacd.port }],
          },
        ]),
      },
    });
    adminCookie = (await broker.signIn(anAdmin())).cookie;
    assert.equal((await stateOf()).state, 'warm');
  });
  after(async () => {
    disk?.repair();
    await broker?.close();
    await desktop?.stop();
    await site?.close();
  });

  it('goes back to the pool after a wipe that succeeds (control)', async () => {
    const first = aUser();
    const leased = await broker.desktops.leaseFor(first);
    assert.equal(leased.desktop.id, desktopId);
    assert.equal((await agentHealth()).status, 'in-session');
    await broker.desktops.release(first.id);
    assert.equal((await agentHealth()).status, 'ready');
    assert.equal((await stateOf()).state, 'warm');
    const second = aUser();
    assert.equal((await broker.desktops.leaseFor(second)).desktop.id, desktopId, 'leased again');
    await broker.desktops.release(second.id);
    assert.deepEqual(await auditRows('desktop-wipe-failed'), []);
  });

  it('is out of service after its disk turned read-only under a session: never leased again', async () => {
    const user = aUser({ id: 'nurse.wipe' });
    await broker.desktops.leaseFor(user);
    disk = turnReadOnly(desktop.stateDir);
    await broker.desktops.release(user.id);

    // The agent knows its wipe failed and starts no session, whoever asks.
    assert.equal((await agentHealth()).status, 'wipe-failed');
    const direct = await desktop.call('POST', '/v1/sessions', {
      userId: 'someone',
      startUrl: `${site.url}/`,
    });
    assert.equal(direct.status, 409);

    // The broker took it out: the keeper sees it so, again and again, and no one is given it.
    for (let round = 0; round < 2; round++) {
      const seen = await stateOf();
      assert.equal(seen.state, 'wipe-failed');
      assert.ok(seen.outOfServiceSince);
    }
    await assert.rejects(broker.desktops.leaseFor(aUser()), NoDesktopAvailableError);

    // The audit trail records it, under the user whose session was on the desktop.
    const [row, ...more] = await auditRows('desktop-wipe-failed');
    assert.equal(more.length, 0);
    assert.equal(row?.outcome, 'failure');
    assert.equal(row?.actor_id, 'nurse.wipe');
    assert.deepEqual(
      [row?.details.desktopId, row?.details.pool, row?.details.cause, row?.details.agentStatus],
      [desktopId, POOL, 'agent-refused', 500],
    );
  });

  it('shows the administrator the desktop out of service, with since when', async () => {
    const snapshot = await request(broker.app)
      .get('/admin/api/snapshot')
      .set('cookie', adminCookie)
      .expect(200);
    const pool = (
      snapshot.body as {
        pools: {
          poolId: string;
          counts: Record<string, number>;
          desktops: { id: string; state: string; outOfServiceSince?: string; userId?: string }[];
        }[];
      }
    ).pools.find((p) => p.poolId === POOL)!;
    assert.equal(pool.counts['wipe-failed'], 1);
    assert.equal(pool.counts.warm, 0);
    const shown = pool.desktops.find((d) => d.id === desktopId)!;
    assert.equal(shown.state, 'wipe-failed');
    assert.ok(shown.outOfServiceSince);
    assert.equal(shown.userId, 'nurse.wipe');
    const page = await request(broker.app).get('/admin').set('cookie', adminCookie).expect(200);
    assert.match(page.text, /消去失敗・運用停止/, 'the console has words for it');
  });

  it('stays out when the administrator resets it before the disk is repaired', async () => {
    const refused = await returnToService().expect(409);
    assert.match(refused.body.error.ja, /消去に再び失敗しました/);
    assert.equal((await stateOf()).state, 'wipe-failed');
    await assert.rejects(broker.desktops.leaseFor(aUser()), NoDesktopAvailableError);
    const [attempt] = (await auditRows('admin-action')).filter(
      (r) => r.details.action === 'return-desktop-to-service',
    );
    assert.equal(attempt?.outcome, 'failure');
    assert.equal(attempt?.details.outcome, 'still-failing');
  });

  it('goes back into service once repaired and reset by the administrator, and is leased again', async () => {
    disk?.repair();
    await returnToService().expect(200);
    assert.equal((await agentHealth()).status, 'ready');
    assert.equal((await stateOf()).state, 'warm');
    const user = aUser();
    assert.equal((await broker.desktops.leaseFor(user)).desktop.id, desktopId);
    await broker.desktops.release(user.id);
    const attempts = (await auditRows('admin-action')).filter(
      (r) => r.details.action === 'return-desktop-to-service',
    );
    assert.deepEqual(
      attempts.map((a) => a.outcome),
      ['failure', 'success'],
    );
    await returnToService().expect(409); // not out of service any more
  });
});
