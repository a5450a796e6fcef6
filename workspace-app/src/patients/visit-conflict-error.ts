import { HttpError, tokyoDateTime, tokyoTime } from '@hcw/common';

/** A visit the new one would overlap; the patient is named only to readers of that patient's record. */
export interface ConflictingVisit {
  visitId: string;
  startsAt: string;
  endsAt: string;
  patientId: string | null;
  patientName: string | null;
}

/** The practitioner already has a visit then: nothing was stored, and the other visit is shown. */
export class VisitConflictError extends HttpError {
  constructor(
    readonly practitionerName: string,
    readonly conflicts: readonly ConflictingVisit[],
  ) {
    const first = conflicts[0];
    const when = first ? `${tokyoDateTime(first.startsAt)}〜${tokyoTime(first.endsAt)}` : '';
    const whoJa = first?.patientName ? `${first.patientName} 様の訪問` : '別の患者さんの訪問';
    const whoEn = first?.patientName ? `a visit to ${first.patientName}` : 'a visit to another patient';
    super(
      409,
      `${practitionerName} さんは ${when} に${whoJa}が入っています。時間を変えてください。`,
      `${practitionerName} already has ${whoEn} at ${when}. Choose another time.`,
    );
  }
}
