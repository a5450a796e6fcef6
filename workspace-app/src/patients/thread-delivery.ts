import type pg from 'pg';
import { type AuditTrail, withTransaction } from '@hcw/common';
import { VendorAuthError } from '../connectors/vendor-auth-error.js';
import { VendorPayloadError } from '../connectors/vendor-payload-error.js';
import { VendorUnavailableError } from '../connectors/vendor-unavailable-error.js';
import type { ThreadVendor } from './patient-thread.js';

/**
 * Sends the thread's posts to the vendors that take writing, from the outbox the post's transaction filled
 * (`patient_thread_deliveries`). Each vendor has a writer (`ThreadWriter`: fhir-thread-writer.ts,
 * kanamic-thread-writer.ts, chosen from the connector settings in thread-writers.ts) that sends one post the
 * way its vendor takes it, keyed by the post's id so that the vendor stores it once: a FHIR server's
 * conditional create on the post's identifier, Kanamic's `Idempotency-Key`. A retry after a lost answer (the
 * vendor stored it, the connection dropped) then finds the first one instead of creating a second. What
 * follows a send is the same for every vendor: a failure waits longer each time; after the last attempt the
 * delivery is `failed` with its reason, shown on the post. Judge, then act: `judgeAnswer` decides from the
 * vendor's answer, the loop writes what it decided.
 */
export interface ThreadDeliveryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}

export const defaultDeliveryPolicy: ThreadDeliveryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 5_000,
  maxDelayMs: 30 * 60_000,
  timeoutMs: 10_000,
};

/** A post as it leaves for one vendor: its outbox row joined with the post. */
export interface OutgoingPost {
  post_id: string;
  vendor: string;
  /** The patient at the vendor (from timeline_patient_groups): `Patient/…` at a FHIR server, a Kanamic group. */
  vendor_patient_ref: string;
  attempts: number;
  patient_id: string;
  author_name: string;
  author_organisation: string;
  author_profession: string;
  body: string;
  posted_at: Date;
  reply_to: string | null;
}

/**
 * What a vendor answered to one send, or why nothing came back. `resourceId` is what the vendor stored the
 * post as; `code` the vendor's own word for a refusal (`group_not_found`), kept with the reason.
 */
export type VendorAnswer = { status: number; resourceId?: string | null; code?: string } | { error: string };

/** Sends posts to one vendor, each keyed by the post's id so that sending it again stores nothing twice. */
export interface ThreadWriter extends ThreadVendor {
  send(post: OutgoingPost, timeoutMs: number): Promise<VendorAnswer>;
}

export interface ThreadDeliveryDeps {
  pool: pg.Pool;
  auditTrail: AuditTrail;
  /** One per vendor that takes posts, under the vendor's connector id (`kanamic`, `fhir`, `fhir-…`). */
  writers: readonly ThreadWriter[];
  policy?: Partial<ThreadDeliveryPolicy>;
}

/** What the sending of one delivery came to. */
export type DeliveryVerdict =
  | { state: 'delivered'; resourceId: string | null }
  | { state: 'retry'; reason: string; delayMs: number }
  | { state: 'failed'; reason: string };

/** What the vendors' copies of a post are about, in their own topic or subject field. */
export const THREAD_TOPIC = 'ケアチームの連絡スレッド';

/** Exponential, capped; no jitter needed: one worker per portal and rows due at their own times. */
export function retryDelay(attempt: number, policy: ThreadDeliveryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * Decides from the vendor's answer (or why there was none) after attempt number `attempt`. 2xx is
 * delivered (201 created, 200 the one already stored under the post's key); 408, 429 and 5xx and network
 * errors are tried again; any other answer is the vendor refusing the post (a FHIR server the resource,
 * Kanamic an unknown group or a key reused), which sending again would not change.
 */
export function judgeAnswer(
  answer: VendorAnswer,
  attempt: number,
  policy: ThreadDeliveryPolicy,
): DeliveryVerdict {
  const retryOr = (reason: string): DeliveryVerdict =>
    attempt >= policy.maxAttempts
      ? { state: 'failed', reason: `${reason} (${attempt} attempts)` }
      : { state: 'retry', reason, delayMs: retryDelay(attempt, policy) };
  if ('error' in answer) return retryOr(answer.error);
  if (answer.status >= 200 && answer.status < 300) {
    return { state: 'delivered', resourceId: answer.resourceId ?? null };
  }
  if (answer.status === 408 || answer.status === 429 || answer.status >= 500) {
    return retryOr(`HTTP ${answer.status}`);
  }
  const code = answer.code && /^[A-Za-z0-9_.-]{1,60}$/.test(answer.code) ? ` ${answer.code}` : '';
  return { state: 'failed', reason: `refused by the vendor: HTTP ${answer.status}${code}` };
}

/**
 * Why a send came to no answer, as the writers return it: the reason is stored and shown on the post, so it
 * names the kind of failure (`HTTP 503`, `ECONNRESET`, a timeout, refused credentials), never what was sent.
 */
export function noAnswer(error: unknown): { error: string } {
  if (error instanceof VendorUnavailableError) return { error: error.detail };
  if (error instanceof VendorAuthError) return { error: `credentials refused (${error.detail})` };
  if (error instanceof VendorPayloadError) return { error: `${error.reason} answer (${error.detail})` };
  return { error: error instanceof Error ? error.name : 'no answer' };
}

/**
 * Sends every delivery that is due, one at a time; each row stays locked while it is sent, so two workers
 * (two portal instances) never send one delivery at the same moment. Returns how many went which way.
 */
export async function deliverDuePosts(
  deps: ThreadDeliveryDeps,
  limit = 50,
): Promise<{ delivered: number; retrying: number; failed: number }> {
  const policy = { ...defaultDeliveryPolicy, ...deps.policy };
  const counts = { delivered: 0, retrying: 0, failed: 0 };
  // One attempt per delivery per pass, however short its back-off: the next pass tries it again.
  const tried: string[] = [];
  for (let n = 0; n < limit; n++) {
    const outcome = await withTransaction(deps.pool, async (client) => {
      const { rows } = await client.query<OutgoingPost>(
        `SELECT d.post_id, d.vendor, d.vendor_patient_ref, d.attempts, p.patient_id, p.author_name,
                p.author_organisation, p.author_profession, p.body, p.posted_at, p.reply_to
           FROM patient_thread_deliveries d JOIN patient_thread_posts p ON p.id = d.post_id
          WHERE d.state = 'pending' AND d.next_attempt_at <= now()
            AND d.post_id::text || ' ' || d.vendor <> ALL($1::text[])
          ORDER BY d.next_attempt_at LIMIT 1 FOR UPDATE OF d SKIP LOCKED`,
        [tried],
      );
      const row = rows[0];
      if (!row) return undefined;
      tried.push(`${row.post_id} ${row.vendor}`);
      const attempt = row.attempts + 1;
      const writer = deps.writers.find((candidate) => candidate.id === row.vendor);
      const verdict: DeliveryVerdict = writer
        ? judgeAnswer(await writer.send(row, policy.timeoutMs), attempt, policy)
        : { state: 'failed', reason: 'the vendor is no longer connected to this portal' };
      if (verdict.state === 'delivered') {
        await client.query(
          `UPDATE patient_thread_deliveries SET state = 'delivered', attempts = $3, delivered_at = now(),
             vendor_resource_id = $4, last_error = NULL WHERE post_id = $1 AND vendor = $2`,
          [row.post_id, row.vendor, attempt, verdict.resourceId],
        );
      } else if (verdict.state === 'retry') {
        await client.query(
          `UPDATE patient_thread_deliveries SET attempts = $3, last_error = $4,
             next_attempt_at = now() + $5 * interval '1 millisecond' WHERE post_id = $1 AND vendor = $2`,
          [row.post_id, row.vendor, attempt, verdict.reason.slice(0, 200), verdict.delayMs],
        );
      } else {
        await client.query(
          `UPDATE patient_thread_deliveries SET state = 'failed', attempts = $3, last_error = $4
            WHERE post_id = $1 AND vendor = $2`,
          [row.post_id, row.vendor, attempt, verdict.reason.slice(0, 200)],
        );
      }
      return { row, attempt, verdict };
    });
    if (!outcome) break;
    const { row, attempt, verdict } = outcome;
    counts[verdict.state === 'retry' ? 'retrying' : verdict.state] += 1;
    // Sending a post out of the portal is a disclosure of patient data: recorded by ids, never the text.
    await deps.auditTrail.record({
      type: 'patient.thread.deliver',
      outcome: verdict.state === 'delivered' ? 'success' : 'failure',
      patientId: row.patient_id,
      details: {
        postId: row.post_id,
        vendor: row.vendor,
        attempt,
        state: verdict.state,
        ...(verdict.state === 'delivered' ? {} : { reason: verdict.reason.slice(0, 200) }),
      },
    });
  }
  return counts;
}

/** The worker main.ts starts: every `intervalMs`, the deliveries that are due. */
export function startThreadDelivery(
  deps: ThreadDeliveryDeps,
  options: { intervalMs: number; log: (line: string) => void },
): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const tick = () => {
    if (running) return;
    running = deliverDuePosts(deps)
      .catch((error: Error) => options.log(`thread delivery: not sent yet: ${error.message}`))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  tick();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
