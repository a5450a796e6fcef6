import { type AuditTrail, bilingualMessage } from '@hcw/common';
import { AUDIT_UNAVAILABLE, recordEventually, recordFirst } from '../audit/record-first.js';
import type { EgressCounters } from './egress-filter.js';
import type { LiveTunnel } from './tunnel-server.js';
import { auditActor } from '../audit/audit-actor.js';

/**
 * The audit trail of desktop connections. A connection is recorded before guacd is contacted, and refused
 * with a message saying why when the record cannot be written; its end is recorded whatever happens,
 * retried in the background while the audit store is down.
 */
export function connectionAudit(audit: AuditTrail, log: (message: string) => void) {
  const who = (tunnel: LiveTunnel) => ({
    ...auditActor(tunnel.user),
  });
  return {
    async admit(tunnel: LiveTunnel): Promise<string | undefined> {
      try {
        await recordFirst(audit, [
          {
            type: 'connection-open',
            outcome: 'success',
            ...who(tunnel),
            details: { desktopId: tunnel.connection.claims.desktopId },
          },
        ]);
        return undefined;
      } catch (error) {
        log(`connection refused: ${(error as Error).message}`);
        return bilingualMessage(AUDIT_UNAVAILABLE);
      }
    },

    closed(
      tunnel: LiveTunnel,
      counters: EgressCounters,
      durationSeconds: number,
      wasOpen: boolean,
    ): Promise<boolean> {
      return recordEventually(
        audit,
        [
          {
            type: 'connection-close',
            outcome: 'success',
            ...who(tunnel),
            details: {
              desktopId: tunnel.connection.claims.desktopId,
              durationSeconds,
              // Admitted and recorded, but the desktop never answered.
              reachedDesktop: wasOpen,
              droppedFromDesktop: Object.values(counters.fromGuacd.dropped).reduce((a, b) => a + b, 0),
              droppedFromBrowser: Object.values(counters.fromClient.dropped).reduce((a, b) => a + b, 0),
            },
          },
        ],
        log,
      );
    },
  };
}
