import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { AUDIT_MIGRATIONS, type AuditEvent, AuditTrail, migrate, verifyAuditChain } from '@hcw/common';
import { inDatabase, recreateDatabase } from '../support/fresh-database.js';
import { workspace } from '../support/workspace.js';

describe('audit trail', function () {
  this.timeout(120000);
  let pool: pg.Pool;

  beforeEach(async () => {
    const stack = await workspace();
    // A database of its own, so tampering here cannot disturb the broker's trail.
    pool = new pg.Pool({
      connectionString: await recreateDatabase(stack.adminDatabaseUrl, 'audit_test', stack.brokerDatabaseUrl),
    });
    await migrate(pool, AUDIT_MIGRATIONS);
    const trail = new AuditTrail(pool);
    for (const type of ['sign-in', 'desktop-lease', 'sign-out'] as const) {
      await trail.record({ type, outcome: 'success', actorId: 'nurse.sato', details: { n: 1 } });
    }
  });
  afterEach(async () => {
    await pool.end();
  });

  it('verifies an untouched chain', async () => {
    assert.deepEqual(await verifyAuditChain(pool), { ok: true, checked: 3 });
  });

  it('records several events in one step, chained, or none of them (control: each alone is valid)', async () => {
    const trail = new AuditTrail(pool);
    const ending: AuditEvent = { type: 'session-end', outcome: 'success', actorId: 'dr.tanaka' };
    const signIn: AuditEvent = { type: 'sign-in', outcome: 'success', actorId: 'dr.tanaka' };
    await assert.rejects(trail.recordAll([ending, { ...signIn, outcome: 'maybe' as never }]));
    assert.deepEqual(await verifyAuditChain(pool), { ok: true, checked: 3 }, 'nothing of the failed step');
    await trail.recordAll([ending, signIn]);
    assert.deepEqual(await verifyAuditChain(pool), { ok: true, checked: 5 });
    const { rows } = await pool.query<{ type: string }>(
      'SELECT type FROM audit_events WHERE id > 3 ORDER BY id',
    );
    assert.deepEqual(
      rows.map((r) => r.type),
      ['session-end', 'sign-in'],
    );
  });

  it('refuses updates and deletes from the application', async () => {
    await assert.rejects(pool.query("UPDATE audit_events SET actor_id = 'x'"), /append-only/);
    await assert.rejects(pool.query('DELETE FROM audit_events'), /append-only/);
  });

  async function tamper(sql: string): Promise<void> {
    // Someone with the database superuser's rights, going around the trigger.
    await pool.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
    await pool.query(sql);
    await pool.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
  }

  it('names the first edited row', async () => {
    await tamper("UPDATE audit_events SET actor_id = 'someone.else' WHERE id = 2");
    const verdict = await verifyAuditChain(pool);
    assert.equal(verdict.ok, false);
    assert.equal(!verdict.ok && verdict.firstBadId, '2');
  });

  it('names the row after a deleted one', async () => {
    await tamper('DELETE FROM audit_events WHERE id = 2');
    const verdict = await verifyAuditChain(pool);
    assert.equal(!verdict.ok && verdict.firstBadId, '3');
  });

  it('names an inserted row', async () => {
    await tamper(
      "INSERT INTO audit_events (occurred_at, type, outcome, previous_hash, hash) VALUES (now(), 'forged', 'success', 'x', 'y')",
    );
    const verdict = await verifyAuditChain(pool);
    assert.equal(!verdict.ok && verdict.firstBadId, '4');
  });

  it('checks a chain longer than one batch, and finds an edit in a later batch', async () => {
    assert.deepEqual(await verifyAuditChain(pool, 2), { ok: true, checked: 3 });
    await tamper("UPDATE audit_events SET outcome = 'failure' WHERE id = 3");
    const verdict = await verifyAuditChain(pool, 2);
    assert.equal(!verdict.ok && verdict.firstBadId, '3');
  });

  describe('npm run audit:verify', () => {
    const verify = (url: string) =>
      promisify(execFile)('npx', ['tsx', 'scripts/audit-verify.ts'], {
        env: { ...process.env, AUDIT_DATABASE_URL: url },
      }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );

    it('reports an intact trail with exit code 0 and a broken one with exit code 1', async () => {
      const url = inDatabase((await workspace()).brokerDatabaseUrl, 'audit_test');
      const intact = await verify(url);
      assert.equal(intact.code, 0);
      assert.match(intact.stdout, /intact: 3 events/);
      await tamper("UPDATE audit_events SET actor_id = 'someone.else' WHERE id = 2");
      const broken = await verify(url);
      assert.equal(broken.code, 1);
      assert.match(broken.stdout, /BROKEN at event 2/);
    });
  });
});
