import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  AUDIT_MIGRATIONS,
  AuditTrail,
  auditRowHash,
  verifyAgainstArchive,
  verifyAuditChain,
  writeCheckpoint,
} from '@hcw/common';
import { freshDatabase, type FreshDatabase } from '../support/fresh-database.js';
import { workspace } from '../support/workspace.js';

interface Row {
  id: string;
  occurred_at: Date;
  type: string;
  outcome: string;
  actor_id: string | null;
  actor_organisation: string | null;
  client_address: string | null;
  patient_id: string | null;
  details: Record<string, unknown>;
  previous_hash: string;
  hash: string;
}

describe('audit archive (signed checkpoints outside the database)', function () {
  this.timeout(120000);
  let db: FreshDatabase;
  let trail: AuditTrail;
  let archive: string;
  let keys: { privateKey: KeyObject; publicKey: KeyObject };

  const record = async (count: number, actorId = 'nurse.sato'): Promise<void> => {
    for (let n = 0; n < count; n++) {
      await trail.record({ type: 'patient.record.read', outcome: 'success', actorId, patientId: `p-${n}` });
    }
  };
  const checkpoint = () => writeCheckpoint(db.pool, { dir: archive, signingKey: keys.privateKey });
  const verdict = () => verifyAgainstArchive(db.pool, archive, keys.publicKey);

  /** What a database superuser can do: go around the append-only trigger. */
  async function asSuperuser(work: () => Promise<void>): Promise<void> {
    await db.pool.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
    await work();
    await db.pool.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
  }

  beforeEach(async () => {
    db = await freshDatabase('audit_archive_test', [AUDIT_MIGRATIONS]);
    trail = new AuditTrail(db.pool);
    archive = mkdtempSync(path.join(os.tmpdir(), 'hcw-audit-archive-'));
    keys = generateKeyPairSync('ed25519');
    await record(10);
    await checkpoint();
  });
  afterEach(async () => {
    await db.close();
    rmSync(archive, { recursive: true, force: true });
  });

  it('passes an untouched trail, checkpoint after checkpoint', async () => {
    await record(5);
    await checkpoint();
    assert.deepEqual(await verdict(), { ok: true, checkpoints: 2, anchoredRows: 15 });
  });

  it('writes nothing new while nothing new was recorded', async () => {
    await checkpoint();
    assert.deepEqual(readdirSync(path.join(archive, 'checkpoints')), ['000000000001.json']);
  });

  it('keeps every row once, as JSON Lines beside its checkpoint, matching the database', async () => {
    await record(3);
    await checkpoint();
    const days = readdirSync(path.join(archive, 'records'));
    const lines = days
      .flatMap((day) =>
        readdirSync(path.join(archive, 'records', day))
          .sort()
          .map((file) => readFileSync(path.join(archive, 'records', day, file), 'utf8')),
      )
      .join('')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number; hash: string });
    const { rows } = await db.pool.query<Row>('SELECT id, hash FROM audit_events ORDER BY id');
    assert.deepEqual(
      lines.map((l) => [String(l.id), l.hash]),
      rows.map((r) => [r.id, r.hash]),
    );
  });

  it('finds a consistent rewrite that the hash chain alone cannot see', async () => {
    await asSuperuser(async () => {
      // Change a row, then recompute every hash from it on, as someone who knows the algorithm would.
      await db.pool.query("UPDATE audit_events SET actor_id = 'someone.else' WHERE id = 4");
      const { rows } = await db.pool.query<Row>('SELECT * FROM audit_events WHERE id >= 3 ORDER BY id');
      let previous = rows[0]!.hash;
      for (const row of rows.slice(1)) {
        const hash = auditRowHash(previous, row);
        await db.pool.query('UPDATE audit_events SET previous_hash = $1, hash = $2 WHERE id = $3', [
          previous,
          hash,
          row.id,
        ]);
        previous = hash;
      }
    });
    // Control: the rewrite is consistent, so the chain by itself still passes.
    assert.deepEqual(await verifyAuditChain(db.pool), { ok: true, checked: 10 });
    const found = await verdict();
    assert.equal(found.ok, false);
    assert.match(
      !found.ok ? found.problem : '',
      /row 10 no longer has the hash it signed \(the chain was rewritten\)/,
    );
  });

  it('finds the removal of the newest rows, which leaves an intact but shorter chain', async () => {
    await asSuperuser(async () => {
      await db.pool.query('DELETE FROM audit_events WHERE id > 7');
    });
    // Control: what is left chains perfectly.
    assert.deepEqual(await verifyAuditChain(db.pool), { ok: true, checked: 7 });
    const found = await verdict();
    assert.equal(found.ok, false);
    assert.match(!found.ok ? found.problem : '', /row 10, the head it signed, is gone/);
  });

  it('refuses a checkpoint that was altered, or signed with another key', async () => {
    const file = path.join(archive, 'checkpoints', '000000000001.json');
    const original = readFileSync(file, 'utf8');
    chmodSync(file, 0o600);
    writeFileSync(file, original.replace(/"rows": 10/, '"rows": 9'));
    assert.match(
      (await verdict().then((v) => (v.ok ? '' : v.problem))) ?? '',
      /signature does not match its content/,
    );
    writeFileSync(file, original);
    const stranger = generateKeyPairSync('ed25519');
    const other = await verifyAgainstArchive(db.pool, archive, stranger.publicKey);
    assert.match(other.ok ? '' : other.problem, /is signed by key [0-9a-f]{16}, not by/);
    assert.equal((await verdict()).ok, true, 'control: the original passes again');
  });

  it('finds a checkpoint taken out of the middle', async () => {
    await record(1);
    await checkpoint();
    await record(1);
    await checkpoint();
    unlinkSync(path.join(archive, 'checkpoints', '000000000002.json'));
    const found = await verdict();
    assert.match(found.ok ? '' : found.problem, /checkpoint 000000000003.json: the sequence has a gap/);
  });

  it('writes its files read-only, and completes a checkpoint interrupted after its rows were archived', async () => {
    const first = path.join(archive, 'checkpoints', '000000000001.json');
    assert.equal(statSync(first).mode & 0o777, 0o400);
    await record(2);
    const second = await checkpoint();
    // As if the process died between archiving the rows and writing the checkpoint.
    unlinkSync(path.join(archive, 'checkpoints', '000000000002.json'));
    const again = await checkpoint();
    assert.equal(again?.sequence, 2);
    assert.equal(again?.recordsFile, second?.recordsFile);
    assert.deepEqual(await verdict(), { ok: true, checkpoints: 2, anchoredRows: 12 });
  });

  describe('npm run audit:verify with the archive', () => {
    const verify = (env: Record<string, string>) =>
      promisify(execFile)('npx', ['tsx', 'scripts/audit-verify.ts'], {
        env: { ...process.env, ...env },
      }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );

    it('passes the untouched trail and fails, exit code 1, after the newest rows are removed', async () => {
      const publicKeyFile = path.join(archive, '..', `${path.basename(archive)}.pub`);
      writeFileSync(publicKeyFile, keys.publicKey.export({ type: 'spki', format: 'pem' }));
      try {
        const env = {
          AUDIT_DATABASE_URL: db.url,
          AUDIT_ARCHIVE_DIR: archive,
          AUDIT_CHECKPOINT_PUBLIC_KEY_FILE: publicKeyFile,
        };
        const intact = await verify(env);
        assert.equal(intact.code, 0, intact.stdout);
        assert.match(intact.stdout, /checkpoints intact: 1 signed checkpoints cover the first 10 events/);
        await asSuperuser(async () => {
          await db.pool.query('DELETE FROM audit_events WHERE id > 8');
        });
        const broken = await verify(env);
        assert.equal(broken.code, 1);
        assert.match(broken.stdout, /audit trail intact: 8 events/);
        assert.match(broken.stdout, /checkpoints BROKEN: .*is gone from the database/);
      } finally {
        rmSync(publicKeyFile, { force: true });
      }
    });
  });

  describe('in the running workspace', () => {
    it('keeps each service’s archive where the database’s user cannot write, with checkpoints arriving', async function () {
      if (process.getuid?.() !== 0) this.skip();
      const stack = await workspace();
      for (const service of ['broker', 'portal'] as const) {
        const { dir } = stack.auditArchives[service];
        assert.throws(
          () =>
            execFileSync(
              'runuser',
              ['-u', 'postgres', '--', 'touch', path.join(dir, 'written-by-postgres')],
              { stdio: 'ignore' },
            ),
          Error,
          `the database's user could write ${service}'s archive`,
        );
        // Control: the service's own user (this one) can.
        writeFileSync(path.join(dir, '.probe'), '');
        rmSync(path.join(dir, '.probe'));
      }
      const deadline = Date.now() + 30000;
      while (readdirSafe(path.join(stack.auditArchives.broker.dir, 'checkpoints')).length === 0) {
        assert.ok(Date.now() < deadline, 'no checkpoint from the broker');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    });
  });
});

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
