import type pg from 'pg';
import type { AuditTrail, Practitioner } from '@hcw/common';
import type { NotifyPractitioners } from '../timeline/portal-notification.js';
import type { CareTeamLookup } from './care-team-lookup.js';
import type { HospitalProfileCache } from './hospital-profile-cache.js';

/** What the transfer search needs from the outside world; the portal passes the real ones in. */
export interface TransferDeps {
  pool: pg.Pool;
  auditTrail: AuditTrail;
  careTeam: CareTeamLookup;
  /** Called inside the transaction of each change, with its client, so a notice exists only if the change does. */
  notify: NotifyPractitioners;
  /** The moment "now": deadlines and freshness are judged against it. */
  clock: () => Date;
  /** Free-bed figures older than this are marked stale and rank lower. */
  staleAfterHours: number;
  /** The search's hospitals: free beds fresh from the database, the rest of each profile kept. */
  profiles: HospitalProfileCache;
}

/** The signed-in practitioner acting, and from where (LOG-1). */
export type TransferActor = Practitioner & { clientAddress?: string };

export function hasRole(actor: Pick<Practitioner, 'roles'>, role: 'msw' | 'bed-manager'): boolean {
  return actor.roles.includes(role);
}
