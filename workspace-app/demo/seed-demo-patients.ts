import type pg from 'pg';
import type { PatientActor } from '../src/patients/patient-actor.js';
import { insertItem } from '../src/patients/record-items.js';
import { parseItem, type ItemData, type ItemKind } from '../src/patients/standard-items.js';
import { tokyoDate, tokyoDayRange, withTransaction } from '@hcw/common';

// Invented patients for the demo; any likeness to real people is chance. Two of them are the patients
// of the vendor sandboxes' demo care teams, so the timeline and the record speak of the same people.

const sato: PatientActor = {
  id: 'nurse.sato',
  displayName: '佐藤 花子',
  organisation: '新宿訪問看護ステーション',
  profession: '看護師',
  roles: ['practitioner'],
};
const tanaka: PatientActor = {
  id: 'dr.tanaka',
  displayName: '田中 一郎',
  organisation: '中野在宅クリニック',
  profession: '医師',
  roles: ['practitioner'],
};
const suzuki: PatientActor = {
  id: 'cm.suzuki',
  displayName: '鈴木 美香',
  organisation: '練馬居宅介護支援事業所',
  profession: 'ケアマネジャー',
  roles: ['practitioner'],
};

/** Fixed ids, so seeding twice finds what the first run made. */
export const DEMO_PATIENT_IDS = {
  suzukiIchiro: '5eed0000-0000-4000-8000-000000000001',
  takahashiKazuko: '5eed0000-0000-4000-8000-000000000002',
  yamaguchiMasao: '5eed0000-0000-4000-8000-000000000003',
} as const;

/**
 * The demo patients by name, in the form the timeline's demo seed takes (`seedDemoTimeline(pool, { patients })`)
 * to map the vendor sandboxes' groups of the same names to these patients.
 */
export const demoPatientNames: readonly { patientId: string; name: string }[] = [
  { patientId: DEMO_PATIENT_IDS.suzukiIchiro, name: '鈴木 一郎' },
  { patientId: DEMO_PATIENT_IDS.takahashiKazuko, name: '髙橋 和子' },
  { patientId: DEMO_PATIENT_IDS.yamaguchiMasao, name: '山口 正雄' },
];

type SeedItem = { [K in ItemKind]: { kind: K; by: PatientActor; data: ItemData<K> } }[ItemKind];

interface DemoPatient {
  id: string;
  basics: ItemData<'basics'>;
  items: SeedItem[];
  /** Tokyo times today when nurse.sato visits. */
  satoVisit: { at: string; minutes: number; purpose: string };
}

const adlAll = (level: 'independent' | 'supervision' | 'partial-help' | 'full-help') => ({
  eating: level,
  transfer: level,
  toileting: level,
  bathing: level,
  dressing: level,
  grooming: level,
  mobility: level,
});

function demoPatients(yesterday: string): DemoPatient[] {
  const visitYesterday = (state: string, vitals: ItemData<'visit-record'>['vitals']): SeedItem => ({
    kind: 'visit-record',
    by: sato,
    data: {
      visitedAt: `${yesterday}T10:00:00+09:00`,
      endedAt: `${yesterday}T11:00:00+09:00`,
      profession: 'nurse',
      careGiven: ['observation', 'medication-management'],
      state,
      vitals,
      meals: { intake: 'most', form: 'regular' },
      medication: { adherence: 'as-prescribed' },
    },
  });
  return [
    {
      id: DEMO_PATIENT_IDS.suzukiIchiro,
      basics: {
        name: { kanji: { family: '鈴木', given: '一郎' }, kana: { family: 'スズキ', given: 'イチロウ' } },
        sex: 'male',
        birthDate: '1940-03-15',
        address: { postalCode: '176-0001', prefecture: '東京都', municipality: '練馬区', line: '練馬1-10-5' },
        contact: { phone: '03-3990-1234' },
        family: [
          {
            name: '鈴木 恵子',
            relationship: 'spouse',
            livesWithPatient: true,
            isKeyPerson: true,
            phone: '090-2345-6789',
          },
        ],
        housing: { type: 'detached', livingArrangement: 'couple-only', floor: 1 },
        careInsurance: {
          certification: 'care-3',
          services: ['home-nursing', 'home-help', 'equipment-rental'],
        },
        adl: { ...adlAll('partial-help'), independenceLevel: 'B1' },
        cognition: { dementiaLevel: 'I' },
      },
      items: [
        {
          kind: 'diagnosis',
          by: tanaka,
          data: {
            name: '慢性心不全',
            icd10: 'I50.9',
            onset: '2019-06',
            status: 'active',
            isMain: true,
            isNotToldToPatient: false,
            isNotShared: false,
          },
        },
        {
          kind: 'diagnosis',
          by: tanaka,
          data: {
            name: '2型糖尿病',
            icd10: 'E11.9',
            onset: '2008',
            status: 'active',
            isMain: false,
            isNotToldToPatient: false,
            isNotShared: false,
          },
        },
        {
          kind: 'medication',
          by: tanaka,
          data: {
            name: 'フロセミド錠20mg',
            dose: '20mg 1錠',
            route: 'oral',
            timing: '1日1回 朝食後',
            status: 'active',
          },
        },
        {
          kind: 'allergy',
          by: sato,
          data: {
            substance: 'ペニシリン系抗菌薬',
            category: 'medication',
            kind: 'allergy',
            criticality: 'high',
            reaction: '全身の発疹',
          },
        },
        {
          kind: 'wishes',
          by: suzuki,
          data: {
            patientWishes: 'できるだけ自宅で妻と過ごしたい。',
            preferredPlaceOfCare: 'home',
            preferredPlaceOfDeath: 'home',
          },
        },
        visitYesterday('息切れは安静時なし。下肢のむくみ軽度。', {
          bodyTemperature: 36.6,
          systolic: 128,
          diastolic: 74,
          pulse: 78,
          oxygenSaturation: 95,
        }),
      ],
      satoVisit: { at: '10:00', minutes: 60, purpose: '定期訪問（服薬確認・体重測定）' },
    },
    {
      id: DEMO_PATIENT_IDS.takahashiKazuko,
      basics: {
        name: { kanji: { family: '髙橋', given: '和子' }, kana: { family: 'タカハシ', given: 'カズコ' } },
        sex: 'female',
        birthDate: '1935-11-02',
        address: {
          postalCode: '192-0001',
          prefecture: '東京都',
          municipality: '八王子市',
          line: '戸吹町2-3',
        },
        contact: { phone: '042-691-1234' },
        family: [
          {
            name: '髙橋 誠',
            relationship: 'son',
            livesWithPatient: false,
            isKeyPerson: true,
            phone: '080-3456-7890',
          },
        ],
        housing: { type: 'apartment', livingArrangement: 'alone', floor: 2, hasElevator: false },
        careInsurance: { certification: 'care-2', services: ['home-nursing', 'day-care'] },
        adl: { ...adlAll('supervision'), independenceLevel: 'A1' },
        cognition: { dementiaLevel: 'IIb', note: '服薬の飲み忘れあり' },
      },
      items: [
        {
          kind: 'diagnosis',
          by: tanaka,
          data: {
            name: 'アルツハイマー型認知症',
            icd10: 'G30.9',
            onset: '2020',
            status: 'active',
            isMain: true,
            isNotToldToPatient: false,
            isNotShared: false,
          },
        },
        {
          kind: 'diagnosis',
          by: tanaka,
          data: {
            name: '高血圧症',
            icd10: 'I10',
            onset: '2005',
            status: 'active',
            isMain: false,
            isNotToldToPatient: false,
            isNotShared: false,
          },
        },
        {
          kind: 'medication',
          by: tanaka,
          data: {
            name: 'アムロジピン錠5mg',
            dose: '5mg 1錠',
            route: 'oral',
            timing: '1日1回 朝食後',
            status: 'active',
          },
        },
        {
          kind: 'course-note',
          by: suzuki,
          data: {
            recordedOn: yesterday,
            scene: 'E',
            text: 'サービス担当者会議。デイサービスを週2回から3回に増やす方向。',
          },
        },
        visitYesterday('服薬カレンダーの朝の分が残っていた。声かけで服用。', {
          bodyTemperature: 36.4,
          systolic: 146,
          diastolic: 82,
          pulse: 70,
        }),
      ],
      satoVisit: { at: '14:00', minutes: 60, purpose: '服薬管理・見守り' },
    },
    {
      id: DEMO_PATIENT_IDS.yamaguchiMasao,
      basics: {
        name: { kanji: { family: '山口', given: '正雄' }, kana: { family: 'ヤマグチ', given: 'マサオ' } },
        sex: 'male',
        birthDate: '1938-05-12',
        address: {
          postalCode: '160-0023',
          prefecture: '東京都',
          municipality: '新宿区',
          line: '西新宿4-5-6',
        },
        contact: { mobile: '090-1111-2222' },
        family: [
          {
            name: '山口 陽子',
            relationship: 'daughter',
            livesWithPatient: false,
            isKeyPerson: true,
            phone: '090-1234-5678',
          },
        ],
        housing: { type: 'apartment', livingArrangement: 'alone', floor: 5, hasElevator: true },
        careInsurance: {
          certification: 'care-4',
          services: ['home-nursing', 'home-bathing', 'home-medical-management'],
        },
        adl: { ...adlAll('full-help'), eating: 'partial-help', independenceLevel: 'C1' },
        cognition: { dementiaLevel: 'independent' },
      },
      items: [
        {
          kind: 'diagnosis',
          by: tanaka,
          data: {
            name: '慢性閉塞性肺疾患',
            icd10: 'J44.9',
            onset: '2015',
            status: 'active',
            isMain: true,
            isNotToldToPatient: false,
            isNotShared: false,
          },
        },
        // 未告知 (DATA-1): the patient has not been told; the care team (the visiting nurse giving
        // end-of-life care included) sees it, labelled. It is not 未提供: the clinic shares it.
        {
          kind: 'diagnosis',
          by: tanaka,
          data: {
            name: '膵臓癌',
            icd10: 'C25.9',
            onset: '2025-01',
            status: 'active',
            isMain: false,
            isNotToldToPatient: true,
            isNotShared: false,
            note: '本人には未告知。家族（長女）には説明済み。',
          },
        },
        {
          kind: 'physical-function',
          by: sato,
          data: {
            disabilities: ['労作時呼吸困難'],
            // Home oxygen is a device the patient lives with, from the standing list, not a medication.
            procedures: ['oxygen-therapy'],
            proceduresNote: '在宅酸素 安静時 1L/分・終日',
            communication: { hearing: 'mild', vision: 'none', speech: 'none', usesHearingAid: true },
            infections: [],
            oral: { dentures: 'both', swallowing: 'needs-care', hygiene: 'fair' },
            bowelControl: { urination: 'continent', defecation: 'continent', usesPads: false },
          },
        },
        {
          kind: 'wishes',
          by: sato,
          data: {
            patientWishes: '入院はしたくない。',
            familyWishes: '苦しくないようにしてほしい。',
            preferredPlaceOfDeath: 'undecided',
          },
        },
        visitYesterday('SpO2 低め。酸素流量は指示どおり。', {
          bodyTemperature: 36.9,
          systolic: 118,
          diastolic: 70,
          pulse: 92,
          respiratoryRate: 22,
          oxygenSaturation: 91,
        }),
      ],
      satoVisit: { at: '16:00', minutes: 45, purpose: '呼吸状態の観察・清拭' },
    },
  ];
}

async function addMember(
  client: pg.PoolClient,
  patientId: string,
  member: {
    kind: 'individual' | 'organisation';
    organisation: string;
    practitionerId?: string;
    staff?: string[];
    role: string;
  },
): Promise<void> {
  await client.query(
    `INSERT INTO care_team_members (patient_id, kind, organisation, practitioner_id, designated_staff, role, added_by)
     VALUES ($1, $2, $3, $4, $5, $6, 'nurse.sato')`,
    [
      patientId,
      member.kind,
      member.organisation,
      member.practitionerId ?? null,
      member.staff ?? [],
      member.role,
    ],
  );
}

async function seedPatient(client: pg.PoolClient, patient: DemoPatient): Promise<void> {
  await client.query('INSERT INTO patients (id, created_by, created_by_organisation) VALUES ($1, $2, $3)', [
    patient.id,
    sato.id,
    sato.organisation,
  ]);
  await addMember(client, patient.id, {
    kind: 'individual',
    organisation: sato.organisation,
    practitionerId: sato.id,
    role: 'owner',
  });
  // The clinic takes part as an organisation through its designated doctor; the care manager as herself.
  await addMember(client, patient.id, {
    kind: 'organisation',
    organisation: tanaka.organisation,
    staff: [tanaka.id],
    role: 'editor',
  });
  await addMember(client, patient.id, {
    kind: 'individual',
    organisation: suzuki.organisation,
    practitionerId: suzuki.id,
    role: 'editor',
  });
  // The patient agreed in writing, at the first visit, to the team sharing the record and sending documents.
  await client.query(
    `INSERT INTO patient_consents (patient_id, sharing, given_by, obtained_how, obtained_on, recorded_by,
       recorded_by_name, recorded_by_organisation)
     SELECT $1, sharing, 'patient', 'written', (now() AT TIME ZONE 'Asia/Tokyo')::date - 30, $2, $3, $4
       FROM unnest(ARRAY['care-team', 'documents']) AS sharing`,
    [patient.id, sato.id, sato.displayName, sato.organisation],
  );
  await insertItem(client, sato, patient.id, 'basics', parseItem('basics', patient.basics));
  for (const item of patient.items) {
    await insertItem(client, item.by, patient.id, item.kind, parseItem(item.kind, item.data));
  }
}

/**
 * 高橋 和子 is in 東京中央病院, planned for discharge: the hospital's discharge desk (地域連携室, where
 * msw.takahashi works) is on her team, so the MSW can look for her next bed. Added unless already there.
 */
async function addHospitalDesk(client: pg.PoolClient): Promise<void> {
  const patientId = DEMO_PATIENT_IDS.takahashiKazuko;
  const desk = '東京中央病院 地域連携室';
  const { rowCount } = await client.query(
    'SELECT 1 FROM care_team_members WHERE patient_id = $1 AND organisation = $2',
    [patientId, desk],
  );
  if (rowCount) return;
  await client.query(
    `INSERT INTO patient_whereabouts (patient_id, place, organisation, since, recorded_by, recorded_by_organisation)
     VALUES ($1, 'hospital', '東京中央病院', (now() AT TIME ZONE 'Asia/Tokyo')::date - 12, 'msw.takahashi', $2)`,
    [patientId, desk],
  );
  await addMember(client, patientId, {
    kind: 'organisation',
    organisation: desk,
    staff: ['msw.takahashi'],
    role: 'editor',
  });
}

/** 東京中央病院 is invited as an organisation to 山口 正雄's team, unless an invitation is open or was answered. */
async function inviteHospital(client: pg.PoolClient): Promise<void> {
  const patientId = DEMO_PATIENT_IDS.yamaguchiMasao;
  const { rowCount } = await client.query(
    `SELECT 1 FROM care_team_invitations WHERE patient_id = $1 AND organisation = '東京中央病院'
        AND (status <> 'sent' OR expires_at > now())`,
    [patientId],
  );
  if (rowCount) return;
  await client.query(
    `INSERT INTO care_team_invitations (patient_id, kind, organisation, role, sent_by, sent_by_name, sent_by_organisation,
       expires_at)
     VALUES ($1, 'organisation', '東京中央病院', 'editor', $2, $3, $4, now() + interval '14 days')`,
    [patientId, sato.id, sato.displayName, sato.organisation],
  );
}

/** nurse.sato's visits of today (Tokyo), added on every start so the demo always has a day to show. */
async function planToday(client: pg.PoolClient, patient: DemoPatient, today: string): Promise<void> {
  const { from, to } = tokyoDayRange(today);
  const { rowCount } = await client.query(
    `SELECT 1 FROM scheduled_visits WHERE patient_id = $1 AND practitioner_id = $2 AND starts_at >= $3 AND starts_at < $4`,
    [patient.id, sato.id, from, to],
  );
  if (rowCount) return;
  const startsAt = new Date(`${today}T${patient.satoVisit.at}:00+09:00`);
  const endsAt = new Date(startsAt.getTime() + patient.satoVisit.minutes * 60 * 1000);
  await client.query('SAVEPOINT plan_today');
  try {
    await client.query(
      `INSERT INTO scheduled_visits (patient_id, practitioner_id, practitioner_name, practitioner_organisation, profession,
         starts_at, ends_at, purpose, created_by, changed_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $2, $2)`,
      [
        patient.id,
        sato.id,
        sato.displayName,
        sato.organisation,
        sato.profession,
        startsAt,
        endsAt,
        patient.satoVisit.purpose,
      ],
    );
  } catch (error) {
    // Someone already booked nurse.sato then in a long-running demo: keep theirs.
    if ((error as { code?: string }).code !== '23P01') throw error;
    await client.query('ROLLBACK TO SAVEPOINT plan_today');
  }
}

/**
 * Seeds the demo patients with their care teams (nurse.sato, 中野在宅クリニック through dr.tanaka, cm.suzuki;
 * 東京中央病院 地域連携室 through msw.takahashi for 高橋 和子),
 * an undisclosed diagnosis recorded by 中野在宅クリニック, 東京中央病院 invited as an organisation, vital
 * signs from バイタルリンク, and nurse.sato's visits for today. Safe to call on every start.
 */
export async function seedDemoPatients(pool: pg.Pool, now: Date = new Date()): Promise<void> {
  const today = tokyoDate(now);
  const yesterday = tokyoDate(new Date(now.getTime() - 24 * 60 * 60 * 1000));
  for (const patient of demoPatients(yesterday)) {
    await withTransaction(pool, async (client) => {
      // One seeder at a time, so two portals starting together do not both insert.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('seed-demo-patients'))");
      const exists = await client.query('SELECT 1 FROM patients WHERE id = $1', [patient.id]);
      if (!exists.rowCount) await seedPatient(client, patient);
      await planToday(client, patient, today);
    });
  }
  await withTransaction(pool, async (client) => {
    await addHospitalDesk(client);
    await inviteHospital(client);
    await client.query(
      `INSERT INTO connector_vitals (patient_id, vendor, vendor_event_id, patient_group_ref, measured_at, vitals,
         author_role, author_role_label, author_name, received_at)
       VALUES ($1, 'vital-link', 'demo-seed-0001', 'grp-nerima-0002', $2, $3, 'nurse', '訪問看護師', '中村 優子', $2)
       ON CONFLICT (vendor, vendor_event_id) DO NOTHING`,
      [
        DEMO_PATIENT_IDS.suzukiIchiro,
        `${yesterday}T19:30:00+09:00`,
        JSON.stringify({
          temperatureCelsius: 36.8,
          systolicMmHg: 132,
          diastolicMmHg: 78,
          pulsePerMinute: 80,
          spo2Percent: 96,
        }),
      ],
    );
  });
}
