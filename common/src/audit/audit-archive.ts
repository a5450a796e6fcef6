import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { z } from 'zod';
import { tokyoDate } from '../time/tokyo-time.js';
import { canonicalJson } from './canonical-json.js';

/**
 * The audit trail's anchor outside the database. The hash chain alone shows an edit, a removal or an
 * insertion, but not a consistent rewrite by someone who can recompute every hash (a database superuser),
 * nor the removal of the newest rows. So, every so often, a checkpoint names the chain's head (the last
 * row's ID and hash, and how many rows lead to it), is signed with a key PostgreSQL never sees, and is
 * written with the rows it covers, as JSON Lines, to an archive the database cannot write: a folder owned
 * by the service (locally), object storage under a compliance-mode retention lock (in the cloud). Every
 * file is written once and never replaced, so the archive maps onto write-once object storage as it is.
 *
 *   checkpoints/000000000042.json        one signed checkpoint
 *   records/2026-12-07/000000001201-000000001530.jsonl   the rows from the previous checkpoint to it
 */

export const Checkpoint = z.object({
  sequence: z.number().int().min(1),
  createdAt: z.string(),
  /** The chain's head when the checkpoint was made; 0 and the genesis hash for an empty trail. */
  lastId: z.number().int().min(0),
  lastHash: z.string().regex(/^[0-9a-f]{64}$/),
  /** Rows with an ID up to lastId: a removal below the head changes this count. */
  rows: z.number().int().min(0),
  /** Hash of the previous checkpoint file, so checkpoints cannot be dropped from the middle either. */
  previous: z.string().regex(/^[0-9a-f]{64}$/),
  /** The file of rows this checkpoint adds, relative to the archive, if it added any. */
  recordsFile: z.string().nullable(),
  keyId: z.string(),
});
export type Checkpoint = z.infer<typeof Checkpoint>;

const SignedCheckpoint = z.object({ checkpoint: Checkpoint, signature: z.string() });

const GENESIS = '0'.repeat(64);
const CHECKPOINT_LOCK = "hashtext('audit_checkpoint')";

export interface AuditArchiveOptions {
  /** The archive folder: writable by this service, not by the database's user. */
  dir: string;
  /** Ed25519 private key (PEM) that signs checkpoints; only its public half is needed to verify. */
  signingKey: KeyObject | string;
  /** Rows read from the database at a time, so a long gap is archived in constant memory. */
  batchSize?: number;
}

/** A name for a key that an auditor can match to the public key file they were given. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

const pad = (n: number): string => String(n).padStart(12, '0');
const fileHash = (text: string): string => createHash('sha256').update(text).digest('hex');

interface ArchivedRow {
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

function lastCheckpointIn(dir: string): { checkpoint: Checkpoint; text: string } | undefined {
  const folder = path.join(dir, 'checkpoints');
  const names = readdirSafe(folder)
    .filter((name) => /^\d{12}\.json$/.test(name))
    .sort();
  const last = names.at(-1);
  if (!last) return undefined;
  const text = readFileSync(path.join(folder, last), 'utf8');
  return { checkpoint: SignedCheckpoint.parse(JSON.parse(text)).checkpoint, text };
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Writes a file that must not exist yet: the archive never replaces what it holds. The same content again
 * is accepted, so a checkpoint interrupted after its rows were archived is completed by the next attempt.
 */
function writeOnce(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, content, { flag: 'wx', mode: 0o400 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || readFileSync(file, 'utf8') !== content)
      throw error;
  }
}

/**
 * Makes the next checkpoint: archives the rows added since the last one and signs the new head. Several
 * processes may call it; a database lock lets one at a time work, and the others return undefined.
 */
export async function writeCheckpoint(
  pool: pg.Pool,
  options: AuditArchiveOptions,
): Promise<Checkpoint | undefined> {
  const privateKey =
    typeof options.signingKey === 'string' ? createPrivateKey(options.signingKey) : options.signingKey;
  const keyId = keyIdOf(createPublicKey(privateKey));
  const client = await pool.connect();
  try {
    const locked = await client.query<{ ok: boolean }>(
      `SELECT pg_try_advisory_lock(${CHECKPOINT_LOCK}) AS ok`,
    );
    if (!locked.rows[0]?.ok) return undefined;
    try {
      const previous = lastCheckpointIn(options.dir);
      const fromId = previous?.checkpoint.lastId ?? 0;
      let lastId = fromId;
      let lastHash = previous?.checkpoint.lastHash ?? GENESIS;
      let rows = previous?.checkpoint.rows ?? 0;
      const lines: string[] = [];
      let firstDay: string | undefined;
      for (;;) {
        const batch = await client.query<ArchivedRow>(
          'SELECT * FROM audit_events WHERE id > $1 ORDER BY id LIMIT $2',
          [lastId, options.batchSize ?? 5000],
        );
        for (const row of batch.rows) {
          firstDay ??= tokyoDate(row.occurred_at);
          lines.push(
            JSON.stringify({
              id: Number(row.id),
              occurredAt: row.occurred_at.toISOString(),
              type: row.type,
              outcome: row.outcome,
              actorId: row.actor_id,
              actorOrganisation: row.actor_organisation,
              clientAddress: row.client_address,
              patientId: row.patient_id,
              details: row.details,
              previousHash: row.previous_hash,
              hash: row.hash,
            }),
          );
          lastId = Number(row.id);
          lastHash = row.hash;
          rows++;
        }
        if (batch.rows.length < (options.batchSize ?? 5000)) break;
      }
      if (previous && lastId === fromId) return previous.checkpoint;
      const recordsFile =
        lines.length > 0
          ? path.posix.join('records', firstDay!, `${pad(fromId + 1)}-${pad(lastId)}.jsonl`)
          : null;
      if (recordsFile) writeOnce(path.join(options.dir, recordsFile), `${lines.join('\n')}\n`);
      const checkpoint: Checkpoint = {
        sequence: (previous?.checkpoint.sequence ?? 0) + 1,
        createdAt: new Date().toISOString(),
        lastId,
        lastHash,
        rows,
        previous: previous ? fileHash(previous.text) : GENESIS,
        recordsFile,
        keyId,
      };
      const signature = sign(null, Buffer.from(canonicalJson(checkpoint)), privateKey).toString('base64');
      writeOnce(
        path.join(options.dir, 'checkpoints', `${pad(checkpoint.sequence)}.json`),
        `${JSON.stringify({ checkpoint, signature }, null, 2)}\n`,
      );
      return checkpoint;
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${CHECKPOINT_LOCK})`);
    }
  } finally {
    client.release();
  }
}

/** Makes a checkpoint every `intervalMs`, logging (never throwing) when one fails; `stop` makes a last one. */
export function startCheckpoints(
  pool: pg.Pool,
  options: AuditArchiveOptions & { intervalMs: number; log(message: string): void },
): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const once = (): void => {
    running = running
      .then(() => writeCheckpoint(pool, options))
      .catch((error: Error) => options.log(`audit checkpoint failed: ${error.message}`));
  };
  const timer = setInterval(once, options.intervalMs);
  timer.unref();
  once();
  return {
    async stop() {
      clearInterval(timer);
      once();
      await running;
    },
  };
}

export type AnchorVerdict =
  | { ok: true; checkpoints: number; anchoredRows: number }
  | { ok: false; checkpoints: number; problem: string };

/**
 * Checks the trail in the database against the archive: every checkpoint is signed by the given key and
 * follows the one before it, and the database still holds, at each checkpoint's head, the row with that
 * hash and exactly that many rows up to it. A consistent rewrite of the chain changes a head's hash; a
 * removal of the newest rows removes a head or changes its count. Rows added after the last checkpoint are
 * covered by the hash chain only, until the next checkpoint.
 */
export async function verifyAgainstArchive(
  pool: pg.Pool,
  dir: string,
  publicKey: KeyObject | string,
): Promise<AnchorVerdict> {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  const keyId = keyIdOf(key);
  const names = readdirSafe(path.join(dir, 'checkpoints'))
    .filter((name) => /^\d{12}\.json$/.test(name))
    .sort();
  let previousText: string | undefined;
  let checked = 0;
  let anchoredRows = 0;
  for (const [index, name] of names.entries()) {
    const text = readFileSync(path.join(dir, 'checkpoints', name), 'utf8');
    const parsed = SignedCheckpoint.safeParse(JSON.parse(text));
    const fail = (problem: string): AnchorVerdict => ({
      ok: false,
      checkpoints: checked,
      problem: `checkpoint ${name}: ${problem}`,
    });
    if (!parsed.success) return fail('is not a checkpoint');
    const { checkpoint, signature } = parsed.data;
    if (checkpoint.keyId !== keyId) return fail(`is signed by key ${checkpoint.keyId}, not by ${keyId}`);
    if (!verify(null, Buffer.from(canonicalJson(checkpoint)), key, Buffer.from(signature, 'base64'))) {
      return fail('its signature does not match its content (it was altered or forged)');
    }
    if (checkpoint.sequence !== index + 1) return fail('the sequence has a gap (a checkpoint is missing)');
    if (checkpoint.previous !== (previousText ? fileHash(previousText) : GENESIS)) {
      return fail('does not follow the checkpoint before it');
    }
    if (checkpoint.lastId > 0) {
      const head = await pool.query<{ hash: string }>('SELECT hash FROM audit_events WHERE id = $1', [
        checkpoint.lastId,
      ]);
      if (head.rows.length === 0) {
        return fail(
          `row ${checkpoint.lastId}, the head it signed, is gone from the database (rows were removed)`,
        );
      }
      if (head.rows[0]!.hash !== checkpoint.lastHash) {
        return fail(`row ${checkpoint.lastId} no longer has the hash it signed (the chain was rewritten)`);
      }
    }
    const count = await pool.query<{ n: string }>('SELECT count(*) AS n FROM audit_events WHERE id <= $1', [
      checkpoint.lastId,
    ]);
    if (Number(count.rows[0]!.n) !== checkpoint.rows) {
      return fail(
        `the database holds ${count.rows[0]!.n} rows up to ${checkpoint.lastId}, the checkpoint ${checkpoint.rows}`,
      );
    }
    previousText = text;
    anchoredRows = checkpoint.rows;
    checked++;
  }
  return { ok: true, checkpoints: checked, anchoredRows };
}
