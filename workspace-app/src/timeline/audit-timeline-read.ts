import type { AuditEvent, AuditTrail, Practitioner } from '@hcw/common';
import type { TimelineItem } from './read-timeline.js';

export interface TimelineReader {
  practitioner: Pick<Practitioner, 'id' | 'organisation'>;
  clientAddress?: string | undefined;
}

/**
 * Records, before the items are handed out, which patients' events a practitioner is shown (LOG-1): one
 * trail entry per patient with that patient's ID, so an auditor's search by patient finds every read, and
 * one for events of vendor groups not yet mapped to a patient, naming the groups by their vendor IDs.
 * Portal notifications without a patient are not patient data and are not recorded. `action` says how
 * they were read (page, live, open).
 */
export async function auditTimelineRead(
  auditTrail: AuditTrail,
  reader: TimelineReader,
  items: readonly TimelineItem[],
  action: 'page' | 'live' | 'open',
): Promise<void> {
  await auditTrail.recordAll(timelineReadEvents(reader, items, action));
}

export function timelineReadEvents(
  reader: TimelineReader,
  items: readonly TimelineItem[],
  action: 'page' | 'live' | 'open',
): AuditEvent[] {
  const byPatient = new Map<string, number>();
  const unmappedGroups = new Map<string, number>();
  for (const item of items) {
    if (item.patientId !== null) {
      byPatient.set(item.patientId, (byPatient.get(item.patientId) ?? 0) + 1);
    } else if (item.patientGroupRef !== null) {
      const group = `${item.vendor}:${item.patientGroupRef}`;
      unmappedGroups.set(group, (unmappedGroups.get(group) ?? 0) + 1);
    }
  }
  const base = {
    type: 'timeline.read' as const,
    outcome: 'success' as const,
    actorId: reader.practitioner.id,
    actorOrganisation: reader.practitioner.organisation,
    clientAddress: reader.clientAddress,
  };
  const events: AuditEvent[] = [...byPatient].map(([patientId, count]) => ({
    ...base,
    patientId,
    details: { action, items: count },
  }));
  if (unmappedGroups.size > 0) {
    const groups = [...unmappedGroups.keys()].join(',');
    events.push({
      ...base,
      details: {
        action,
        items: [...unmappedGroups.values()].reduce((sum, count) => sum + count, 0),
        unmappedGroups: groups.length > 2_000 ? `${groups.slice(0, 1_990)}…` : groups,
      },
    });
  }
  return events;
}
