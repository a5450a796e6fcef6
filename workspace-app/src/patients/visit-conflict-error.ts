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
    /** For a series of visits: every date on which one of its visits would clash. */
    readonly clashingDates: readonly string[] = [],
  ) {
    const first = conflicts[0];
    const when = first ? `${tokyoDateTime(first.startsAt)}〜${tokyoTime(first.endsAt)}` : '';
    const whoJa = first?.patientName ? `${first.patientName} 様の訪問` : '別の患者さんの訪問';
    const whoEn = first?.patientName ? `a visit to ${first.patientName}` : 'a visit to another patient';
    const datesJa =
      clashingDates.length > 0 ? `重なる日: ${clashingDates.join('、')}。除外する日に加えるか、` : '';
    const datesEn =
      clashingDates.length > 0 ? ` Dates that clash: ${clashingDates.join(', ')}; skip them or` : '';
    super(
      409,
      `${practitionerName} さんは ${when} に${whoJa}が入っています。${datesJa}時間を変えてください。`,
      `${practitionerName} already has ${whoEn} at ${when}.${datesEn}${datesEn ? ' choose' : ' Choose'} another time.`,
    );
  }
}
