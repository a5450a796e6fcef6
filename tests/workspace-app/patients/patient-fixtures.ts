import pg from 'pg';
import { AuditTrail, tokyoToday } from '@hcw/common';
import { recordConsent } from '#workspace-app/patients/consent.js';
import type { PatientActor } from '#workspace-app/patients/patient-actor.js';
import type { PatientDeps } from '#workspace-app/patients/patient-audit.js';
import type { PatientBasics, VisitRecord } from '#workspace-app/patients/standard-items.js';
import type { PortalNotification } from '#workspace-app/timeline/portal-notification.js';
import { portalDatabase } from '#test-support/fresh-database.js';
import { PORTAL_MIGRATIONS } from '#workspace-app/db/migrations.js';

export { PORTAL_MIGRATIONS };

/**
 * A database of the suite's own on the shared PostgreSQL, with the portal's migrations and the audit
 * trail, so no suite sees another's patients or audit events.
 */
export async function patientDatabase(name: string): Promise<pg.Pool> {
  return (await portalDatabase(name)).pool;
}

export interface SentNotification {
  notification: PortalNotification;
  /** Whether it was handed the transaction's client rather than the pool. */
  isInTransaction: boolean;
}

/** Dependencies with a notifier that remembers what it was asked to deliver. */
export function patientDeps(pool: pg.Pool): PatientDeps & { sent: SentNotification[] } {
  const sent: SentNotification[] = [];
  return {
    pool,
    auditTrail: new AuditTrail(pool),
    notify: async (db, notification) => {
      sent.push({ notification, isInTransaction: db !== pool });
    },
    sent,
  };
}

/** Practitioners as the broker signs them in; the demo's people by default. */
export function anActor(overrides: Partial<PatientActor> = {}): PatientActor {
  return {
    id: 'nurse.sato',
    displayName: '佐藤 花子',
    organisation: '新宿訪問看護ステーション',
    profession: '看護師',
    roles: ['practitioner'],
    ...overrides,
  };
}

export const people = {
  sato: anActor(),
  tanaka: anActor({
    id: 'dr.tanaka',
    displayName: '田中 一郎',
    organisation: '中野在宅クリニック',
    profession: '医師',
  }),
  tanakaColleague: anActor({
    id: 'dr.nakano',
    displayName: '中野 二郎',
    organisation: '中野在宅クリニック',
    profession: '医師',
  }),
  suzuki: anActor({
    id: 'cm.suzuki',
    displayName: '鈴木 美香',
    organisation: '練馬居宅介護支援事業所',
    profession: 'ケアマネジャー',
  }),
  kimura: anActor({
    id: 'nurse.kimura',
    displayName: '木村 真由美',
    organisation: '杉並訪問看護ステーション',
  }),
  takahashi: anActor({
    id: 'msw.takahashi',
    displayName: '高橋 由美',
    organisation: '東京中央病院 地域連携室',
    profession: '医療ソーシャルワーカー',
    roles: ['msw'],
  }),
  admin: anActor({
    id: 'admin.yamamoto',
    displayName: '山本 誠一',
    organisation: '東京都医師会 情報システム部',
    profession: 'システム管理者',
    roles: ['it-admin'],
  }),
} as const;

export function aBasics(overrides: Partial<PatientBasics> = {}): PatientBasics {
  return {
    name: { kanji: { family: '山口', given: '正雄' }, kana: { family: 'ヤマグチ', given: 'マサオ' } },
    sex: 'male',
    birthDate: '1938-05-12',
    address: { postalCode: '160-0023', prefecture: '東京都', municipality: '新宿区', line: '西新宿1-2-3' },
    contact: { phone: '03-1234-5678' },
    family: [
      {
        name: '山口 陽子',
        relationship: 'daughter',
        livesWithPatient: false,
        isKeyPerson: true,
        phone: '090-1234-5678',
      },
    ],
    housing: { type: 'apartment', livingArrangement: 'alone', floor: 3, hasElevator: true },
    careInsurance: { certification: 'care-2', services: ['home-nursing', 'home-help'] },
    adl: {
      eating: 'independent',
      transfer: 'supervision',
      toileting: 'partial-help',
      bathing: 'full-help',
      dressing: 'partial-help',
      grooming: 'supervision',
      mobility: 'supervision',
      independenceLevel: 'A2',
    },
    cognition: { dementiaLevel: 'IIa' },
    ...overrides,
  };
}

export function aDiagnosis(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: '慢性心不全',
    icd10: 'I50.9',
    onset: '2021-04',
    status: 'active',
    isMain: true,
    isNotToldToPatient: false,
    isNotShared: false,
    ...overrides,
  };
}

export function aVisitRecord(overrides: Partial<VisitRecord> = {}): VisitRecord {
  return {
    visitedAt: new Date(Date.now() - 60 * 60 * 1000).toISOString(),
    profession: 'nurse',
    careGiven: ['observation', 'medication-management'],
    state: '表情穏やか。下肢のむくみは軽度。',
    vitals: { bodyTemperature: 36.8, systolic: 132, diastolic: 78, pulse: 72, oxygenSaturation: 96 },
    meals: { intake: 'most', form: 'regular' },
    excretion: { urinationsPerDay: 6, hadBowelMovement: true },
    medication: { adherence: 'as-prescribed' },
    ...overrides,
  };
}

/** The audit events written about a patient, oldest first. */
export async function auditEvents(
  pool: pg.Pool,
  where: { patientId?: string; actorId?: string; type?: string } = {},
): Promise<
  {
    type: string;
    outcome: string;
    actor_id: string | null;
    patient_id: string | null;
    details: Record<string, unknown>;
  }[]
> {
  const { rows } = await pool.query(
    `SELECT type, outcome, actor_id, patient_id, details FROM audit_events
      WHERE ($1::text IS NULL OR patient_id = $1) AND ($2::text IS NULL OR actor_id = $2) AND ($3::text IS NULL OR type = $3)
      ORDER BY id`,
    [where.patientId ?? null, where.actorId ?? null, where.type ?? null],
  );
  return rows;
}

/** Practitioners as if they had signed in once (the hand-off stores them so). */
export async function registerPractitioners(pool: pg.Pool, actors: readonly PatientActor[]): Promise<void> {
  for (const actor of actors) {
    await pool.query(
      `INSERT INTO practitioners (id, display_name, organisation, profession, roles) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO NOTHING`,
      [actor.id, actor.displayName, actor.organisation, actor.profession, actor.roles],
    );
  }
}

/** The form fields of a valid patient registration, as the browser posts them. */
export function basicsForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'name.kanji.family': '大橋',
    'name.kanji.given': '信子',
    'name.kana.family': 'オオハシ',
    'name.kana.given': 'ノブコ',
    sex: 'female',
    birthDate: '1941-07-30',
    'address.postalCode': '164-0001',
    'address.prefecture': '東京都',
    'address.municipality': '中野区',
    'address.line': '中野3-3-3',
    'contact.phone': '03-3381-0000',
    'family.0.name': '大橋 健',
    'family.0.relationship': 'son',
    'family.0.isKeyPerson': 'on',
    'housing.type': 'apartment',
    'housing.livingArrangement': 'alone',
    'careInsurance.certification': 'care-1',
    'careInsurance.services': 'home-nursing',
    'adl.eating': 'independent',
    'adl.transfer': 'independent',
    'adl.toileting': 'supervision',
    'adl.bathing': 'partial-help',
    'adl.dressing': 'independent',
    'adl.grooming': 'independent',
    'adl.mobility': 'supervision',
    'adl.independenceLevel': 'J2',
    'cognition.dementiaLevel': 'I',
    ...overrides,
  };
}

/**
 * The patient's written consent to the team sharing the record with any organisation it takes in and
 * sending documents to it, recorded by an owner: what a team does at the first visit.
 */
export async function withSharingConsent(
  deps: PatientDeps,
  owner: PatientActor,
  patientId: string,
): Promise<void> {
  await recordConsent(deps, owner, patientId, {
    sharing: ['care-team', 'documents'],
    givenBy: 'patient',
    obtainedHow: 'written',
    obtainedOn: tokyoToday(),
  });
}
