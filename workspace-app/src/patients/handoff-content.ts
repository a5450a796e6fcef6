import { type Bilingual } from '@hcw/common';
import type { z } from 'zod';
import { field } from '../validation/bilingual-fields.js';
import type { ConnectorVitals } from './connector-vitals.js';
import { mayReadFlagged } from './disclosure.js';
import { parseItemInput } from './invalid-item-error.js';
import type { PatientRecord } from './patient-record.js';
import type {
  Allergy,
  CourseNote,
  Diagnosis,
  Explanation,
  Medication,
  MedicalHistory,
  PatientBasics,
  PhysicalFunction,
  VisitRecord,
  Wishes,
} from './standard-items.js';
import type { ChangeAuthor } from './stored-item.js';

/** The scenes of care a hand-off document is written for (A 在宅→入院, B 転院, D 退院→在宅). */
export const handoffScenes = ['A', 'B', 'D'] as const;
export type HandoffScene = (typeof handoffScenes)[number];

export function isHandoffScene(value: unknown): value is HandoffScene {
  return typeof value === 'string' && (handoffScenes as readonly string[]).includes(value);
}

interface NarrativeField {
  key: string;
  label: Bilingual;
  /** A calendar date (YYYY-MM-DD) rather than free text. */
  isDate?: boolean;
}

/** What each document is called and the free-text parts its writer fills in or corrects. */
export const sceneDocuments: Readonly<
  Record<HandoffScene, { title: Bilingual; narrative: readonly NarrativeField[] }>
> = {
  A: {
    title: { ja: '入院時情報提供書', en: 'Admission information from home care' },
    narrative: [
      { key: 'reasonForAdmission', label: { ja: '入院に至った経緯', en: 'What led to the admission' } },
      { key: 'lifeAtHome', label: { ja: '在宅での生活状況', en: 'Life at home' } },
      { key: 'careNotes', label: { ja: '看護・介護上の留意点', en: 'Points for nursing and care' } },
      { key: 'intentions', label: { ja: '本人・家族の意向', en: 'Wishes of patient and family' } },
    ],
  },
  B: {
    title: { ja: '診療情報提供書', en: 'Referral letter' },
    narrative: [
      { key: 'purpose', label: { ja: '紹介目的', en: 'Purpose of the referral' } },
      { key: 'presentIllness', label: { ja: '現病歴・経過', en: 'Present illness and course' } },
      { key: 'requests', label: { ja: '依頼事項', en: 'Requests' } },
    ],
  },
  D: {
    title: { ja: '退院時サマリー', en: 'Discharge summary' },
    narrative: [
      { key: 'admittedOn', label: { ja: '入院日', en: 'Admitted on' }, isDate: true },
      { key: 'dischargedOn', label: { ja: '退院日', en: 'Discharged on' }, isDate: true },
      { key: 'reasonForAdmission', label: { ja: '入院理由', en: 'Reason for admission' } },
      { key: 'chiefComplaint', label: { ja: '主訴', en: 'Chief complaint' } },
      { key: 'presentIllness', label: { ja: '現病歴', en: 'Present illness' } },
      { key: 'diagnosisOnAdmission', label: { ja: '入院時診断', en: 'Diagnosis on admission' } },
      { key: 'hospitalCourse', label: { ja: '入院中の経過', en: 'Course in hospital' } },
      { key: 'conditionAtDischarge', label: { ja: '退院時の状態', en: 'Condition at discharge' } },
      {
        key: 'instructions',
        label: { ja: '退院後の方針・指示', en: 'Plan and instructions after discharge' },
      },
    ],
  },
};

const NARRATIVE_MAX = 4000;

/** The narrative a writer may send for a scene: only that scene's fields, each bounded. */
export function narrativeSchema(scene: HandoffScene) {
  const shape: Record<
    string,
    z.ZodOptional<ReturnType<typeof field.text> | ReturnType<typeof field.date>>
  > = {};
  for (const part of sceneDocuments[scene].narrative)
    shape[part.key] = (part.isDate ? field.date() : field.text(NARRATIVE_MAX)).optional();
  return field.object(shape);
}

export function parseNarrative(scene: HandoffScene, input: unknown): Record<string, string> {
  const parsed = parseItemInput(narrativeSchema(scene), input, ['narrative']) as Record<string, unknown>;
  const narrative: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') narrative[key] = value;
  return narrative;
}

/** An item as the document took it from the record. */
export interface SnapshotItem<T> {
  itemId: string;
  data: T;
}

export interface SnapshotDiagnosis extends SnapshotItem<Diagnosis> {
  authorOrganisation: string;
}

/** One set of vital signs, from a visit record or from a vendor system, with its source. */
export interface VitalReading {
  id: string;
  measuredAt: string;
  source:
    | { kind: 'visit'; by: string; profession: string }
    | { kind: 'connector'; vendor: string; by: string | null };
  bodyTemperature?: number;
  systolic?: number;
  diastolic?: number;
  pulse?: number;
  respiratoryRate?: number;
  oxygenSaturation?: number;
  bodyWeight?: number;
}

export interface HandoffContent {
  scene: HandoffScene;
  generatedAt: string;
  author: ChangeAuthor;
  recipient: { organisation: string; kind: 'organisation' | 'individual'; practitionerId: string | null };
  patient: PatientBasics;
  diagnoses: SnapshotDiagnosis[];
  medicalHistory: SnapshotItem<MedicalHistory>[];
  medications: SnapshotItem<Medication>[];
  allergies: SnapshotItem<Allergy>[];
  courseNotes: SnapshotItem<CourseNote>[];
  explanations: SnapshotItem<Explanation>[];
  wishes: Wishes | null;
  physicalFunction: PhysicalFunction | null;
  vitals: VitalReading[];
  recentVisits: (SnapshotItem<Pick<VisitRecord, 'visitedAt' | 'profession' | 'state' | 'careGiven'>> & {
    by: string;
  })[];
  narrative: Record<string, string>;
}

const VITALS_TAKEN = 5;
const VISITS_TAKEN = 3;
const COURSE_NOTES_TAKEN = 10;

/** Vendor measurements in the record's own terms. */
export function readingFromConnector(vitals: ConnectorVitals): VitalReading {
  const v = vitals.vitals;
  return {
    id: vitals.id,
    measuredAt: vitals.measuredAt,
    source: { kind: 'connector', vendor: vitals.vendor, by: vitals.author.name ?? null },
    ...(v.temperatureCelsius !== undefined ? { bodyTemperature: v.temperatureCelsius } : {}),
    ...(v.systolicMmHg !== undefined ? { systolic: v.systolicMmHg } : {}),
    ...(v.diastolicMmHg !== undefined ? { diastolic: v.diastolicMmHg } : {}),
    ...(v.pulsePerMinute !== undefined ? { pulse: v.pulsePerMinute } : {}),
    ...(v.spo2Percent !== undefined ? { oxygenSaturation: v.spo2Percent } : {}),
  };
}

/** Every set of vitals of a record, newest first: visit records and connectors together. */
export function vitalReadings(record: PatientRecord): VitalReading[] {
  const fromVisits: VitalReading[] = record.visitRecords.flatMap((visit) => {
    const vitals = visit.data.vitals;
    if (!vitals) return [];
    const { measuredAt, ...values } = vitals;
    return [
      {
        id: visit.id,
        measuredAt: new Date(measuredAt ?? visit.data.visitedAt).toISOString(),
        source: { kind: 'visit' as const, by: visit.changedBy.name, profession: visit.data.profession },
        ...values,
      },
    ];
  });
  return [...fromVisits, ...record.connectorVitals.map(readingFromConnector)].sort((a, b) =>
    b.measuredAt.localeCompare(a.measuredAt),
  );
}

function clip(text: string): string {
  return text.length <= NARRATIVE_MAX ? text : `${text.slice(0, NARRATIVE_MAX - 1)}…`;
}

/** What the writer starts from: the record's own words where it has them. */
function draftNarrative(scene: HandoffScene, record: PatientRecord): Record<string, string> {
  const latestVisit = record.visitRecords[0]?.data.state;
  const notes = (scenes: readonly string[]) =>
    record.lists['course-note']
      .filter((note) => scenes.includes(note.data.scene))
      .slice(0, 3)
      .map((note) => `${note.data.recordedOn} ${note.data.text}`)
      .join('\n');
  const wishes = [record.wishes?.data.patientWishes, record.wishes?.data.familyWishes]
    .filter((text) => text !== undefined)
    .join('\n');
  const narrative: Record<string, string | undefined> =
    scene === 'A'
      ? { lifeAtHome: latestVisit, intentions: wishes || undefined, careNotes: notes(['E']) || undefined }
      : scene === 'B'
        ? { presentIllness: notes(['B', 'C', 'E']) || undefined }
        : { hospitalCourse: notes(['C', 'D']) || undefined };
  const drafted: Record<string, string> = {};
  for (const [key, value] of Object.entries(narrative)) if (value?.trim()) drafted[key] = clip(value.trim());
  return drafted;
}

/**
 * DATA-1 for documents: a diagnosis not to be shared (未提供) stays with its author's organisation, its
 * departments included; one not told to the patient (未告知) goes to the professionals it is addressed to,
 * labelled. Applied when a document is generated (for its recipient) and again whenever anyone reads or
 * exports it. Snapshots taken before the two flags existed carry the one flag `isUndisclosed`, read as both.
 */
export function contentFor(content: HandoffContent, organisation: string): HandoffContent {
  return {
    ...content,
    diagnoses: content.diagnoses
      .map((diagnosis) => ({ ...diagnosis, data: withDisclosureFlags(diagnosis.data) }))
      .filter((diagnosis) => mayReadFlagged(diagnosis.data, diagnosis.authorOrganisation, organisation)),
  };
}

function withDisclosureFlags(data: Diagnosis): Diagnosis {
  const legacy = (data as Diagnosis & { isUndisclosed?: boolean }).isUndisclosed;
  if (legacy === undefined) return data;
  const rest: Diagnosis & { isUndisclosed?: boolean } = { ...data };
  delete rest.isUndisclosed;
  return { ...rest, isNotToldToPatient: legacy, isNotShared: legacy };
}

/** A document's content, generated from the record as its author sees it and filtered for its recipient. */
export function buildHandoffContent(
  scene: HandoffScene,
  record: PatientRecord,
  author: ChangeAuthor,
  recipient: HandoffContent['recipient'],
  generatedAt: Date,
): HandoffContent {
  const snapshot = <T>(items: readonly { id: string; data: T }[]): SnapshotItem<T>[] =>
    items.map((item) => ({ itemId: item.id, data: item.data }));
  const content: HandoffContent = {
    scene,
    generatedAt: generatedAt.toISOString(),
    author,
    recipient,
    patient: record.basics.data,
    diagnoses: record.lists.diagnosis.map((item) => ({
      itemId: item.id,
      data: item.data,
      authorOrganisation: item.authorOrganisation,
    })),
    medicalHistory: snapshot(record.lists['medical-history']),
    medications: snapshot(record.lists.medication.filter((item) => item.data.status !== 'stopped')),
    allergies: snapshot(record.lists.allergy),
    courseNotes: snapshot(record.lists['course-note'].slice(0, COURSE_NOTES_TAKEN)),
    explanations: snapshot(record.lists.explanation.slice(0, 3)),
    wishes: record.wishes?.data ?? null,
    physicalFunction: record.physicalFunction?.data ?? null,
    vitals: vitalReadings(record).slice(0, VITALS_TAKEN),
    recentVisits: record.visitRecords.slice(0, VISITS_TAKEN).map((visit) => ({
      itemId: visit.id,
      by: visit.changedBy.name,
      data: {
        visitedAt: visit.data.visitedAt,
        profession: visit.data.profession,
        state: visit.data.state,
        careGiven: visit.data.careGiven,
      },
    })),
    narrative: draftNarrative(scene, record),
  };
  return contentFor(content, recipient.organisation);
}
