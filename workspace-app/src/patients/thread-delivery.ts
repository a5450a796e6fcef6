import type pg from 'pg';
import { type AuditTrail, withTransaction } from '@hcw/common';

/**
 * Sends the thread's posts to the vendors that take writing, from the outbox the post's transaction filled
 * (`patient_thread_deliveries`). Each post goes as a FHIR `Communication` carrying the post's identifier
 * (`urn:uuid:<post id>`) with `If-None-Exist` on it, so a retry after a lost answer (the vendor stored it, the
 * connection dropped) finds the first one instead of creating a second. A failure waits longer each time; after
 * the last attempt the delivery is `failed` with its reason, shown on the post. Judge, then act: `judgeAnswer`
 * decides from the vendor's answer, the loop writes what it decided.
 */
export interface FhirWriteTarget {
  /** The connector id the patient is linked under in timeline_patient_groups (`fhir`, `fhir-…`). */
  id: string;
  /** The FHIR base, e.g. https://fhir.example.jp/fhir. */
  baseUrl: string;
  bearerToken?: string;
}

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

export interface ThreadDeliveryDeps {
  pool: pg.Pool;
  auditTrail: AuditTrail;
  targets: readonly FhirWriteTarget[];
  policy?: Partial<ThreadDeliveryPolicy>;
}

/** What the sending of one delivery came to. */
export type DeliveryVerdict =
  | { state: 'delivered'; resourceId: string | null }
  | { state: 'retry'; reason: string; delayMs: number }
  | { state: 'failed'; reason: string };

/** The standard system for an identifier that is itself a URI. */
export const URI_SYSTEM = 'urn:ietf:rfc:3986';

export function postIdentifier(postId: string): string {
  return `urn:uuid:${postId}`;
}

/** Exponential, capped; no jitter needed: one worker per portal and rows due at their own times. */
export function retryDelay(attempt: number, policy: ThreadDeliveryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * Decides from the vendor's answer (or the error of the request) after attempt number `attempt`. 2xx is
 * delivered (201 created, 200 the identifier already there); 408, 429 and 5xx and network errors are tried
 * again; any other answer is the vendor refusing the resource, which sending again would not change.
 */
export function judgeAnswer(
  answer: { status: number; location: string | null } | { error: string },
  attempt: number,
  policy: ThreadDeliveryPolicy,
): DeliveryVerdict {
  const retryOr = (reason: string): DeliveryVerdict =>
    attempt >= policy.maxAttempts
      ? { state: 'failed', reason: `${reason} (${attempt} attempts)` }
      : { state: 'retry', reason, delayMs: retryDelay(attempt, policy) };
  if ('error' in answer) return retryOr(answer.error);
  if (answer.status >= 200 && answer.status < 300) {
    const id = answer.location ? /Communication\/([^/]+)/.exec(answer.location)?.[1] : undefined;
    return { state: 'delivered', resourceId: id ?? null };
  }
  if (answer.status === 408 || answer.status === 429 || answer.status >= 500) {
    return retryOr(`HTTP ${answer.status}`);
  }
  return { state: 'failed', reason: `refused by the vendor: HTTP ${answer.status}` };
}

interface DueRow {
  post_id: string;
  vendor: string;
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

/** The post as a FHIR R4 Communication about the vendor's patient. */
export function communicationOf(row: DueRow): Record<string, unknown> {
  return {
    resourceType: 'Communication',
    identifier: [{ system: URI_SYSTEM, value: postIdentifier(row.post_id) }],
    status: 'completed',
    subject: { reference: row.vendor_patient_ref },
    topic: { text: 'ケアチームの連絡スレッド' },
    ...(row.reply_to
      ? { inResponseTo: [{ identifier: { system: URI_SYSTEM, value: postIdentifier(row.reply_to) } }] }
      : {}),
    sent: row.posted_at.toISOString(),
    sender: { display: `${row.author_name}（${row.author_profession}・${row.author_organisation}）` },
    payload: [{ contentString: row.body }],
  };
}

async function send(
  target: FhirWriteTarget,
  resource: Record<string, unknown>,
  identifier: string,
  timeoutMs: number,
): Promise<{ status: number; location: string | null } | { error: string }> {
  try {
    const response = await fetch(`${target.baseUrl.replace(/\/$/, '')}/Communication`, {
      method: 'POST',
      headers: {
        'content-type': 'application/fhir+json',
        accept: 'application/fhir+json',
        'if-none-exist': `identifier=${encodeURIComponent(`${URI_SYSTEM}|${identifier}`)}`,
        ...(target.bearerToken ? { authorization: `Bearer ${target.bearerToken}` } : {}),
      },
      body: JSON.stringify(resource),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    return { status: response.status, location: response.headers.get('location') };
  } catch (error) {
    // The reason is stored and shown on the post: the error's kind only, never what was sent.
    const cause = (error as { cause?: { code?: unknown } }).cause?.code;
    return { error: typeof cause === 'string' ? cause : (error as Error).name };
  }
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
      const { rows } = await client.query<DueRow>(
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
      const target = deps.targets.find((candidate) => candidate.id === row.vendor);
      const verdict: DeliveryVerdict = target
        ? judgeAnswer(
            await send(target, communicationOf(row), postIdentifier(row.post_id), policy.timeoutMs),
            attempt,
            policy,
          )
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
