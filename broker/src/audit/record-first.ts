import { type Bilingual } from '@hcw/common';
import type { AuditEvent, AuditTrail } from '@hcw/common';

/** What a user is told when something cannot be allowed because it could not be recorded. */
export const AUDIT_UNAVAILABLE: Bilingual = {
  ja: '操作の記録（監査ログ）を保存できないため、現在サインインとデスクトップへの接続を受け付けていません。しばらくしてからもう一度お試しください。',
  en: 'The audit trail cannot be written at the moment, so sign-ins and desktop connections are not accepted. Please try again in a few minutes.',
};

/** The audit trail could not take an event that must be recorded before its action is allowed. */
export class AuditUnavailableError extends Error {
  readonly text = AUDIT_UNAVAILABLE;

  constructor(cause: unknown) {
    super(`the audit trail could not be written: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Records events before the action they describe (a sign-in, a desktop connection), all in one
 * transaction, retrying briefly; throws AuditUnavailableError when the audit store cannot take them, and
 * the caller refuses the action. A retry after a lost acknowledgement may record an event twice, never
 * not at all.
 */
export async function recordFirst(
  audit: AuditTrail,
  events: readonly AuditEvent[],
  { attempts = 3, backoffMs = 200 }: { attempts?: number; backoffMs?: number } = {},
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await audit.recordAll(events);
      return;
    } catch (error) {
      if (attempt >= attempts) throw new AuditUnavailableError(error);
      await delay(backoffMs * attempt);
    }
  }
}

/**
 * Records events of something that has already happened and cannot be refused (a connection that
 * closed): retried for a few minutes in the background while the store is down, then reported in the log
 * (without the event's details).
 */
export function recordEventually(
  audit: AuditTrail,
  events: readonly AuditEvent[],
  log: (message: string) => void,
  { backoffMs = [500, 1000, 2000, 5000, 10000, 30000, 60000, 60000, 60000] }: { backoffMs?: number[] } = {},
): Promise<boolean> {
  return (async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        await audit.recordAll(events);
        return true;
      } catch (error) {
        const wait = backoffMs[attempt];
        if (wait === undefined) {
          log(
            `audit: ${events.map((e) => e.type).join(', ')} could not be recorded: ${(error as Error).message}`,
          );
          return false;
        }
        await delay(wait);
      }
    }
  })();
}
