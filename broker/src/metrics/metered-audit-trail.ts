import type pg from 'pg';
import { AuditTrail, type AuditEvent } from '@hcw/common';
import type { BrokerMetrics } from './broker-metrics.js';

/** The audit trail, counting what it writes: every sign-in outcome passes through it, whichever code made it. */
export class MeteredAuditTrail extends AuditTrail {
  constructor(
    pool: pg.Pool,
    private readonly metrics: BrokerMetrics,
  ) {
    super(pool);
  }

  // record() goes through recordAll(), so every event is counted here once.
  override async recordAll(events: readonly AuditEvent[]): Promise<void> {
    await super.recordAll(events);
    for (const event of events) this.metrics.countAudit(event);
  }
}
