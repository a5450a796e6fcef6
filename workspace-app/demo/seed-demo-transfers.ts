import type pg from 'pg';
import { notifyPractitioners } from '../src/timeline/notify-practitioners.js';
import type { NotifyPractitioners } from '../src/timeline/portal-notification.js';
import { demoHospitals, tamaRehabilitationHospitalId } from './demo-hospitals.js';
import { hospitalStore, rankableHospitalOf } from '../src/transfers/hospital-store.js';
import { defaultStaleAfterHours, rankHospitals } from '../src/transfers/rank-hospitals.js';
import { generateSyntheticHospitals } from './synthetic-hospitals.js';
import { notifyHospital, patientSummary } from '../src/transfers/transfer-notifications.js';
import { transferRequestSchema } from '../src/transfers/transfer-request.js';
import { transferStore, type StoredRequest } from '../src/transfers/transfer-store.js';
import { tokyoToday, withTransaction } from '@hcw/common';

/** The demo's request, so that seeding twice finds it and adds nothing. */
export const demoTransferRequestId = 'c0ffee00-0300-4000-8000-000000000001';
export const demoInquiryId = 'c0ffee00-0300-4000-8000-000000000002';
/** Tokyo has about 640 hospitals; the two named demo hospitals are among them. */
const hospitalCount = 640;
const syntheticSeed = 2025;

export interface SeedDemoTransfersOptions {
  /** The demo patient of the shared record, so that its care team can follow the request. */
  patientId?: string | null;
  now?: Date;
  notify?: NotifyPractitioners;
}

/** The demo identities the seeded request and inquiry involve, as the broker names them. */
const demoPractitioners = [
  {
    id: 'msw.takahashi',
    displayName: '高橋 由美',
    organisation: '東京中央病院 地域連携室',
    profession: '医療ソーシャルワーカー',
    roles: ['msw'],
  },
  {
    // The rehabilitation hospital's discharge desk: joins a patient's care team when a transfer there is confirmed.
    id: 'msw.mori',
    displayName: '森 理恵',
    organisation: '多摩リハビリテーション病院 地域連携室',
    profession: '医療ソーシャルワーカー',
    roles: ['msw'],
  },
  {
    id: 'beds.ito',
    displayName: '伊藤 健',
    organisation: '多摩リハビリテーション病院',
    profession: '看護師',
    roles: ['bed-manager'],
  },
] as const;

/**
 * Fills the transfer search for the demo, idempotently: about 640 synthetic Tokyo hospitals with
 * 東京中央病院 and 多摩リハビリテーション病院 among them, and one request by msw.takahashi already
 * asked at 多摩リハビリテーション病院, whose bed manager beds.ito finds it in the timeline.
 */
export async function seedDemoTransfers(
  pool: pg.Pool,
  options: SeedDemoTransfersOptions = {},
): Promise<void> {
  const now = options.now ?? new Date();
  const notify = options.notify ?? notifyPractitioners;
  const named = demoHospitals(now);
  const synthetic = generateSyntheticHospitals({
    seed: syntheticSeed,
    count: hospitalCount - named.length,
    asOf: now.toISOString(),
  }).map((hospital) => ({ hospital, organisation: hospital.name }));

  await withTransaction(pool, async (client) => {
    // One seeding at a time, so two portals starting together do not both add the request.
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('seed-demo-transfers'))`);
    await hospitalStore.insert(client, [...named, ...synthetic]);
    // Known before their first sign-in, so that the seeded inquiry reaches beds.ito's timeline.
    for (const person of demoPractitioners) {
      await client.query(
        `INSERT INTO practitioners (id, display_name, organisation, profession, roles)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
        [person.id, person.displayName, person.organisation, person.profession, person.roles],
      );
    }
    if (await transferStore.request(client, demoTransferRequestId)) return;

    const day = 86_400_000;
    const details = transferRequestSchema.parse({
      id: demoTransferRequestId,
      patient: { sex: 'female', ageBand: '85-94' },
      mainDiagnosis: {
        name: '脳梗塞',
        icd10: 'I63.9',
        onsetDate: tokyoToday(new Date(now.getTime() - 20 * day)),
      },
      careLevelItems: [],
      adlScores: { bedMobility: 3, transfer: 3, eating: 2, toiletUse: 3 },
      independenceLevel: 'B2',
      dementiaLevel: 'IIa',
      behaviouralSymptoms: [],
      infections: [],
      proceduresNeeded: ['blood-glucose-monitoring'],
      preferredMunicipalityIds: ['tama-shi', 'hachioji-shi'],
      preferredAreaIds: ['minamitama'],
      preferredDate: tokyoToday(new Date(now.getTime() + 10 * day)),
      desiredWardFunctions: [],
      desiredWardTypes: ['convalescent-rehabilitation'],
      expectedStayDays: 120,
      maxExtraChargeYenPerDay: 5_500,
      keyPerson: { relationship: '長女', name: null, phone: null },
      planAfterDischarge: '回復期リハビリテーションの後、自宅退院を目指す',
    });
    const msw = demoPractitioners[0];
    const request: StoredRequest = {
      id: demoTransferRequestId,
      purpose: 'transfer',
      patientId: options.patientId ?? null,
      requestingOrganisation: msw.organisation,
      createdBy: msw.id,
      createdByName: msw.displayName,
      createdAt: now.toISOString(),
      status: 'open',
      details,
      closedAt: null,
      closedBy: null,
    };
    await transferStore.insertRequest(client, request);

    const [tama] = await hospitalStore.load(client, { hospitalIds: [tamaRehabilitationHospitalId] });
    if (!tama) throw new Error('the demo hospital was not stored');
    const ranking = rankHospitals(details, [rankableHospitalOf(tama)], {
      now,
      staleAfterHours: defaultStaleAfterHours,
    });
    const wardId = [...ranking.matches, ...ranking.excluded][0]?.ward.id ?? tama.wards[0]?.id;
    if (!wardId) throw new Error('the demo hospital has no wards');
    await transferStore.insertInquiry(client, {
      id: demoInquiryId,
      requestId: request.id,
      hospitalId: tama.id,
      wardId,
      sentAt: now,
      sentBy: msw.id,
    });
    const inquiry = await transferStore.inquiry(client, demoInquiryId);
    if (!inquiry) throw new Error('the demo inquiry was not stored');
    const eventId = await transferStore.addEvent(client, {
      inquiryId: inquiry.id,
      kind: 'sent',
      statusAfter: 'sent',
      side: 'requester',
      authorId: msw.id,
      authorName: msw.displayName,
      authorOrganisation: msw.organisation,
      body: '来週中の転院を希望しています。ご検討をお願いします。',
      details: {},
      occurredAt: now.toISOString(),
    });
    await notifyHospital(notify, client, {
      eventId,
      kind: 'transfer-inquiry',
      request,
      inquiry,
      title: {
        ja: `転院の問い合わせ: ${patientSummary(request, inquiry.hospitalOrganisation).ja}（${request.requestingOrganisation}）`,
        en: `Transfer inquiry: ${patientSummary(request, inquiry.hospitalOrganisation).en} (${request.requestingOrganisation})`,
      },
      occurredAt: now,
    });
  });
}
