import type { AuditEvent, AuditTrail } from '@hcw/common';
import type { PoolEvents } from './desktop-pool.js';

/**
 * What the desktop pool reports, as records of the audit trail: a desktop taken out because it stopped
 * answering, a desktop that came back without its user's session, and a desktop taken out of service because
 * its wipe failed (the user whose session was on it
 * is the record's actor, as for every event about a user's desktop).
 */
export function poolAuditEvents(audit: AuditTrail, log: (message: string) => void): PoolEvents {
  const record = (event: AuditEvent): Promise<void> =>
    audit.record(event).catch((error: Error) => log(`audit: ${error.message}`));
  return {
    onDesktopUnhealthy: (poolId, desktopId, userId) =>
      void record({
        type: 'desktop-unhealthy',
        outcome: 'failure',
        actorId: userId,
        details: { pool: poolId, desktopId, leaseEnded: userId !== undefined },
      }),
    onSessionLost: (poolId, desktopId, userId) =>
      void record({
        type: 'desktop-session-lost',
        outcome: 'failure',
        actorId: userId,
        details: { pool: poolId, desktopId, leaseEnded: true },
      }),
    onWipeFailed: (poolId, desktopId, userId, failure) =>
      record({
        type: 'desktop-wipe-failed',
        outcome: 'failure',
        actorId: userId,
        details: {
          pool: poolId,
          desktopId,
          cause: failure.cause,
          agentStatus: failure.cause === 'agent-refused' ? failure.status : null,
          outOfService: true,
        },
      }),
  };
}
