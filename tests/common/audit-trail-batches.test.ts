import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import pg from 'pg';
import {
  AUDIT_MIGRATIONS,
  type AuditEvent,
  type AuditEventType,
  auditRowHash,
  AuditTrail,
  canonicalJson,
  verifyAuditChain,
} from '@hcw/common';
import { freshDatabase, type FreshDatabase } from '../support/fresh-database.js';

const anEvent = (n: number): AuditEvent => ({
  type: 'patient.record.read',
  outcome: 'success' as const,
  actorId: `nurse-${n % 7}`,
  patientId: `patient-${n}`,
  details: { n },
});

describe('audit trail under load (one writer, many events a transaction)', function () {
  this.timeout(120000);
  let db: FreshDatabase;

  beforeEach(async () => {
    db = await freshDatabase('audit_batches_test', [AUDIT_MIGRATIONS]);
  });
  afterEach(async () => {
    await db.close();
  });

  const count = async (): Promise<number> =>
    Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM audit_events')).rows[0]!.n);

  it('appends concurrent events in far fewer transactions than events, in one intact chain', async () => {
    const trail = new AuditTrail(db.pool);
    await Promise.all(Array.from({ length: 1000 }, (_, n) => trail.record(anEvent(n))));
    assert.equal(await count(), 1000);
    assert.ok(trail.batchesWritten < 100, `${trail.batchesWritten} transactions for 1000 events`);
    assert.deepEqual(await verifyAuditChain(db.pool), { ok: true, checked: 1000 });
  });

  it('control: events recorded one after another take a transaction each', async () => {
    const trail = new AuditTrail(db.pool);
    for (let n = 0; n < 20; n++) await trail.record(anEvent(n));
    assert.equal(trail.batchesWritten, 20);
  });

  it('keeps the order a caller gave, and resolves only once its events are committed', async () => {
    const trail = new AuditTrail(db.pool);
    await trail.recordAll([anEvent(1), anEvent(2), anEvent(3)]);
    // Another connection sees them at once: the promise meant "committed", not "queued".
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      const { rows } = await other.query<{ patient_id: string }>(
        'SELECT patient_id FROM audit_events ORDER BY id',
      );
      assert.deepEqual(
        rows.map((r) => r.patient_id),
        ['patient-1', 'patient-2', 'patient-3'],
      );
    } finally {
      await other.end();
    }
  });

  it('keeps one chain when several processes write to one database at once', async () => {
    const second = new pg.Pool({ connectionString: db.url, max: 4 });
    try {
      const [a, b] = [new AuditTrail(db.pool), new AuditTrail(second)];
      await Promise.all(Array.from({ length: 400 }, (_, n) => (n % 2 === 0 ? a : b).record(anEvent(n))));
      assert.deepEqual(await verifyAuditChain(db.pool), { ok: true, checked: 400 });
    } finally {
      await second.end();
    }
  });

  it('fails every caller of a batch that could not be written, writes none of it, and goes on with the next', async () => {
    const trail = new AuditTrail(db.pool);
    await trail.record(anEvent(0));
    await db.pool.query('ALTER TABLE audit_events RENAME TO audit_events_away');
    const failed = await Promise.allSettled(
      Array.from({ length: 10 }, (_, n) => trail.record(anEvent(n + 1))),
    );
    assert.ok(failed.every((outcome) => outcome.status === 'rejected'));
    await db.pool.query('ALTER TABLE audit_events_away RENAME TO audit_events');
    await trail.record(anEvent(99));
    assert.equal(await count(), 2);
    assert.deepEqual(await verifyAuditChain(db.pool), { ok: true, checked: 2 });
  });

  it('refuses an invalid event to its caller alone, before it joins a batch', async () => {
    const trail = new AuditTrail(db.pool);
    const outcomes = await Promise.allSettled([
      trail.record(anEvent(1)),
      trail.record({ type: '' as AuditEventType, outcome: 'success' }),
      trail.record(anEvent(2)),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal(await count(), 2);
  });
});

describe('audit row hash', () => {
  it('is the SHA-256 of the previous hash and the row as canonical JSON, as every stored row was hashed', () => {
    const rows = [
      {
        occurred_at: new Date('2026-12-07T01:02:03.004Z'),
        type: 'patient.record.read',
        outcome: 'success',
        actor_id: 'nurse.sato',
        actor_organisation: '新宿訪問看護ステーション',
        client_address: null,
        patient_id: 'P-"quoted"\\',
        details: { z: 1, a: '日本語\n', m: null, b: true },
      },
      {
        occurred_at: new Date(0),
        type: 'sign-in',
        outcome: 'failure',
        actor_id: null,
        actor_organisation: null,
        client_address: '::1',
        patient_id: null,
        details: {},
      },
    ];
    for (const row of rows) {
      const previous = createHash('sha256').update(row.type).digest('hex');
      const expected = createHash('sha256')
        .update(previous)
        .update('\n')
        .update(
          canonicalJson({
            occurredAt: row.occurred_at.toISOString(),
            type: row.type,
            outcome: row.outcome,
            actorId: row.actor_id,
            actorOrganisation: row.actor_organisation,
            clientAddress: row.client_address,
            patientId: row.patient_id,
            details: row.details,
          }),
        )
        .digest('hex');
      assert.equal(auditRowHash(previous, row), expected);
    }
  });
});

describe('audit trail batches and their callers', function () {
  this.timeout(60000);
  let db: FreshDatabase;

  before(async () => {
    db = await freshDatabase('audit_callers_test', [AUDIT_MIGRATIONS]);
  });
  after(async () => {
    await db.close();
  });

  it('keeps one caller’s events in one transaction, and one caller’s refused event from failing the others', async () => {
    const trail = new AuditTrail(db.pool, { maxBatch: 4 });
    // PostgreSQL's jsonb refuses a NUL character: this caller's three events must all be absent.
    const refused = [anEvent(1), anEvent(2), { ...anEvent(3), details: { note: 'a\u0000b' } }];
    const outcomes = await Promise.allSettled([
      trail.recordAll([anEvent(10), anEvent(11)]),
      trail.recordAll(refused),
      trail.recordAll([anEvent(20)]),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    const { rows } = await db.pool.query<{ patient_id: string }>(
      'SELECT patient_id FROM audit_events ORDER BY id',
    );
    assert.deepEqual(
      rows.map((r) => r.patient_id),
      ['patient-10', 'patient-11', 'patient-20'],
    );
    assert.deepEqual(await verifyAuditChain(db.pool), { ok: true, checked: 3 });
  });
});
