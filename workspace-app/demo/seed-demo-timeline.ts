import type pg from 'pg';
import { demoCareTeams } from '../sandboxes/demo-care-teams.js';
import {
  confirmAccountLink,
  requestAccountLink,
  type AccountLinkKey,
} from '../src/timeline/account-links.js';
import { notifyPractitioners } from '../src/timeline/notify-practitioners.js';
import { mapPatientGroup } from '../src/timeline/patient-groups.js';

/**
 * The accounts each demo practitioner holds at the demo sandboxes (see `startDemoSandboxes`): nurse.sato
 * belongs to groups in all five, so her timeline merges them; dr.tanaka and cm.suzuki each see one more.
 */
export const demoAccountLinks: readonly AccountLinkKey[] = [
  { practitionerId: 'nurse.sato', vendor: 'mcs', vendorAccount: 'mcs-account-0001' },
  { practitionerId: 'nurse.sato', vendor: 'kanamic', vendorAccount: 'demo-office-13112' },
  { practitionerId: 'nurse.sato', vendor: 'hikari-one', vendorAccount: 'demo-facility-0001' },
  { practitionerId: 'nurse.sato', vendor: 'vital-link', vendorAccount: 'demo-station-0001' },
  { practitionerId: 'nurse.sato', vendor: 'fhir', vendorAccount: 'demo-portal' },
  { practitionerId: 'dr.tanaka', vendor: 'fhir', vendorAccount: 'demo-portal' },
  { practitionerId: 'dr.tanaka', vendor: 'vital-link', vendorAccount: 'demo-station-0001' },
  { practitionerId: 'cm.suzuki', vendor: 'kanamic', vendorAccount: 'demo-office-13112' },
];

const SEEDED_BY = 'demo-seed';

export interface DemoPatient {
  patientId: string;
  /** Compared with the demo care teams' patient names, spaces ignored (佐藤 花子 = 佐藤花子). */
  name: string;
}

/**
 * Demo data for the timeline; safe to run again. Run it once the portal has applied its migrations.
 * Links the demo practitioners' sandbox accounts (confirmed, with the events already ingested), maps
 * every sandbox's demo group to the portal patient of the same name when `patients` names them, and
 * leaves one portal notification in nurse.sato's timeline.
 */
export async function seedDemoTimeline(
  pool: pg.Pool,
  options: { patients?: readonly DemoPatient[] } = {},
): Promise<void> {
  for (const link of demoAccountLinks) {
    await requestAccountLink(pool, link);
    const { rows } = await pool.query<{ status: string }>(
      `SELECT status FROM timeline_account_links
       WHERE practitioner_id = $1 AND vendor = $2 AND vendor_account = $3`,
      [link.practitionerId, link.vendor, link.vendorAccount],
    );
    if (rows[0]?.status === 'pending') await confirmAccountLink(pool, link, SEEDED_BY);
  }

  const byName = new Map(
    (options.patients ?? []).map((patient) => [compact(patient.name), patient] as const),
  );
  for (const team of demoCareTeams) {
    const patient = byName.get(compact(team.patientName));
    if (!patient) continue;
    const groups: Array<[string, string]> = [
      ['mcs', team.groupId],
      ['kanamic', team.groupId],
      ['hikari-one', team.groupId],
      ['vital-link', team.groupId],
      ['fhir', `Patient/${team.groupId.replace(/^grp-/, 'pat-')}`],
    ];
    for (const [vendor, patientGroupRef] of groups) {
      await mapPatientGroup(
        pool,
        { vendor, patientGroupRef, patientId: patient.patientId, patientLabel: team.patientName },
        SEEDED_BY,
      );
    }
  }

  const first = demoCareTeams[0];
  const firstPatient = byName.get(compact(first.patientName));
  await notifyPractitioners(pool, {
    recipients: ['nurse.sato', 'dr.tanaka', 'cm.suzuki'],
    source: 'patients',
    kind: 'handoff-document-sent',
    ...(firstPatient ? { patientId: firstPatient.patientId } : {}),
    title: `東京中央病院から${first.patientName}さんの退院時サマリーが共有されました`,
    link: firstPatient ? `/patients/${encodeURIComponent(firstPatient.patientId)}` : '/',
    occurredAt: new Date(),
    idempotencyKey: 'demo-timeline-discharge-summary-0001',
  });
}

function compact(name: string): string {
  return name.replace(/[\s\u3000]/g, '');
}
