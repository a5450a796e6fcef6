import { createHash } from 'node:crypto';
import type {
  AllergyIntolerance,
  Bundle,
  CodeableConcept,
  Composition,
  CompositionSection,
  Condition,
  DocumentResource,
  MedicationStatement,
  Narrative,
  Observation,
  Organization,
  Patient,
  Practitioner,
  Quantity,
  Reference,
} from '../clinical/fhir-types.js';
import { securityLabelsOf } from './disclosure.js';
import { contentFor, sceneDocuments, type HandoffContent, type VitalReading } from './handoff-content.js';
import type { HandoffDocument } from './handoff-documents.js';
import {
  adlLevelLabels,
  allergyKindLabels,
  careNeedLevelLabels,
  careServiceLabels,
  continenceLabels,
  dementiaLevelLabels,
  housingTypeLabels,
  independenceLevelLabels,
  infectionLabels,
  livingArrangementLabels,
  medicationRouteLabels,
  placeOfCareLabels,
  professionLabels,
  relationshipLabels,
  swallowingLabels,
} from './standard-codes.js';

// Profiles of JP Core 1.1.2 and of the national document specifications (JP-CLINS 1.5.2). Every resource
// declares the profiles it meets; the tests validate each against them (see docs/decisions/0025). JP Core
// has no MedicationStatement profile, so medications in scene A declare none beyond base R4.
const JP_CORE = 'http://jpfhir.jp/fhir/core/StructureDefinition';
const JP_ECS = 'http://jpfhir.jp/fhir/eCS/StructureDefinition';
const profiles = {
  patient: `${JP_CORE}/JP_Patient`,
  practitioner: `${JP_CORE}/JP_Practitioner`,
  organization: `${JP_CORE}/JP_Organization`,
  condition: `${JP_CORE}/JP_Condition`,
  allergy: `${JP_CORE}/JP_AllergyIntolerance`,
  vitalSigns: `${JP_CORE}/JP_Observation_VitalSigns`,
  encounter: `${JP_CORE}/JP_Encounter`,
  documentReference: `${JP_CORE}/JP_DocumentReference`,
  referral: 'http://jpfhir.jp/fhir/eReferral/StructureDefinition/JP_Composition_eReferral',
  dischargeSummary:
    'http://jpfhir.jp/fhir/eDischargeSummary/StructureDefinition/JP_Composition_eDischargeSummary',
  referralBundle: 'http://jpfhir.jp/fhir/clins/StructureDefinition/JP_Bundle_eReferral',
  // The resource profiles of the national service (eCS), which the JP-CLINS documents refer to.
  patientCLINS: `${JP_ECS}/JP_Patient_eCS`,
  practitionerCLINS: `${JP_ECS}/JP_Practitioner_eCS`,
  organizationCLINS: `${JP_ECS}/JP_Organization_eCS`,
  conditionCLINS: `${JP_ECS}/JP_Condition_eCS`,
  allergyCLINS: `${JP_ECS}/JP_AllergyIntolerance_eCS`,
  dischargeSummaryBundle: 'http://jpfhir.jp/fhir/clins/StructureDefinition/JP_Bundle_eDischargeSummary',
} as const;

const systems = {
  loinc: 'http://loinc.org',
  ucum: 'http://unitsofmeasure.org',
  icd10: 'http://hl7.org/fhir/sid/icd-10',
  yj: 'urn:oid:1.2.392.100495.20.1.73',
  hot9: 'urn:oid:1.2.392.200119.4.403.1',
  docTypes: 'http://jpfhir.jp/fhir/Common/CodeSystem/doc-typecodes',
  docSubtypes: 'http://jpfhir.jp/fhir/Common/CodeSystem/doc-subtypecodes',
  bundleIdentifier: 'http://jpfhir.jp/fhir/clins/bundle-identifier',
  jpObservationCategory: 'http://jpfhir.jp/fhir/core/CodeSystem/JP_SimpleObservationCategory_CS',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  documentSections: 'http://jpfhir.jp/fhir/clins/CodeSystem/document-section',
  instanceIdentifier: 'http://jpfhir.jp/fhir/core/IdSystem/resourceInstance-identifier',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  allergyClinical: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
  allergyVerification: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
} as const;

/** How kanji and kana names are told apart in JP Core (IDE: ideographic, SYL: syllabic). */
const NAME_REPRESENTATION = 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation';
const DOCUMENT_VERSION = 'http://hl7.org/fhir/StructureDefinition/composition-clinicaldocument-versionNumber';

/** A stable UUID per document and part, so exporting the same version twice gives the same Bundle. */
function uuidFor(documentId: string, part: string): string {
  const hex = createHash('sha256').update(`${documentId}\n${part}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function escapeXhtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/** Narrative XHTML: each line a paragraph, every character escaped. */
function narrative(lines: readonly string[], status: Narrative['status'] = 'generated'): Narrative {
  const body = lines.length > 0 ? lines : ['なし'];
  return {
    status,
    div: `<div xmlns="http://www.w3.org/1999/xhtml">${body.map((line) => `<p>${escapeXhtml(line)}</p>`).join('')}</div>`,
  };
}

const concept = (
  text: string,
  ...coding: { system: string; code: string; display?: string }[]
): CodeableConcept => (coding.length > 0 ? { coding, text } : { text });

/** Vital signs as LOINC codes them; blood pressure is one panel with two components. */
const vitalCodes = {
  bodyTemperature: { code: '8310-5', display: 'Body temperature', ja: '体温', unit: 'Cel', shown: '℃' },
  pulse: { code: '8867-4', display: 'Heart rate', ja: '脈拍', unit: '/min', shown: '回/分' },
  respiratoryRate: {
    code: '9279-1',
    display: 'Respiratory rate',
    ja: '呼吸数',
    unit: '/min',
    shown: '回/分',
  },
  oxygenSaturation: {
    code: '59408-5',
    display: 'Oxygen saturation in Arterial blood by Pulse oximetry',
    ja: 'SpO2',
    unit: '%',
    shown: '%',
  },
  bodyWeight: { code: '29463-7', display: 'Body weight', ja: '体重', unit: 'kg', shown: 'kg' },
} as const;
const bloodPressure = {
  panel: { code: '85354-9', display: 'Blood pressure panel with all children optional' },
  systolic: { code: '8480-6', display: 'Systolic blood pressure' },
  diastolic: { code: '8462-4', display: 'Diastolic blood pressure' },
} as const;

const quantity = (value: number, unit: string): Quantity => ({
  value,
  unit,
  system: systems.ucum,
  code: unit,
});

function sourceNote(reading: VitalReading): string {
  return reading.source.kind === 'visit'
    ? `訪問時測定（${professionLabels[reading.source.profession as keyof typeof professionLabels]?.ja ?? reading.source.profession} ${reading.source.by}）`
    : `連携システム ${reading.source.vendor} から取得${reading.source.by ? `（${reading.source.by}）` : ''}`;
}

function vitalObservations(
  reading: VitalReading,
  patient: Reference,
): { key: string; resource: Observation }[] {
  const base = (code: CodeableConcept): Observation => ({
    resourceType: 'Observation',
    meta: { profile: [profiles.vitalSigns] },
    status: 'final',
    // Two categories: JP Core's own and HL7's, which receivers of base R4 vital signs look for.
    category: [
      concept('バイタルサイン', {
        system: systems.jpObservationCategory,
        code: 'vital-signs',
        display: 'バイタルサイン',
      }),
      concept('Vital Signs', {
        system: systems.observationCategory,
        code: 'vital-signs',
        display: 'Vital Signs',
      }),
    ],
    code,
    subject: patient,
    effectiveDateTime: reading.measuredAt,
    note: [{ text: sourceNote(reading) }],
  });
  const observations: { key: string; resource: Observation }[] = [];
  for (const key of Object.keys(vitalCodes) as (keyof typeof vitalCodes)[]) {
    const value = reading[key];
    if (value === undefined) continue;
    const code = vitalCodes[key];
    observations.push({
      key: `${reading.id}:${key}`,
      resource: {
        ...base(concept(code.ja, { system: systems.loinc, code: code.code, display: code.display })),
        valueQuantity: quantity(value, code.unit),
      },
    });
  }
  if (reading.systolic !== undefined && reading.diastolic !== undefined) {
    observations.push({
      key: `${reading.id}:blood-pressure`,
      resource: {
        ...base(concept('血圧', { system: systems.loinc, ...bloodPressure.panel })),
        component: [
          {
            code: concept('収縮期血圧', { system: systems.loinc, ...bloodPressure.systolic }),
            valueQuantity: quantity(reading.systolic, 'mm[Hg]'),
          },
          {
            code: concept('拡張期血圧', { system: systems.loinc, ...bloodPressure.diastolic }),
            valueQuantity: quantity(reading.diastolic, 'mm[Hg]'),
          },
        ],
      },
    });
  }
  return observations;
}

function readingLine(reading: VitalReading): string {
  const parts = [
    reading.bodyTemperature !== undefined ? `体温 ${reading.bodyTemperature}℃` : '',
    reading.systolic !== undefined ? `血圧 ${reading.systolic}/${reading.diastolic} mmHg` : '',
    reading.pulse !== undefined ? `脈拍 ${reading.pulse}回/分` : '',
    reading.respiratoryRate !== undefined ? `呼吸数 ${reading.respiratoryRate}回/分` : '',
    reading.oxygenSaturation !== undefined ? `SpO2 ${reading.oxygenSaturation}%` : '',
    reading.bodyWeight !== undefined ? `体重 ${reading.bodyWeight}kg` : '',
  ].filter(Boolean);
  return `${reading.measuredAt} ${parts.join('、')}（${sourceNote(reading)}）`;
}

interface SectionSpec {
  title: string;
  code: { system: string; code: string; display: string };
  /** The section's narrative; a section that only groups others (構造情報) has none. */
  lines?: string[];
  entries?: Reference[];
  children?: SectionSpec[];
}

/** A section: coded without text (JP-CLINS forbids code.text), its narrative marked "additional". */
function section(spec: SectionSpec): CompositionSection {
  return {
    title: spec.title,
    code: { coding: [spec.code] },
    ...(spec.lines ? { text: narrative(spec.lines, 'additional') } : {}),
    ...(spec.entries && spec.entries.length > 0 ? { entry: spec.entries } : {}),
    ...(spec.children ? { section: spec.children.map(section) } : {}),
  };
}

/** A JP-CLINS section code; its title is the code's name without "セクション". */
const jpSection = (code: string, display: string) => ({ system: systems.documentSections, code, display });
const loincSection = (code: string, display: string) => ({ system: systems.loinc, code, display });

/** A code's Japanese label; 不明 for what the record does not know yet (only name and sex are required). */
const label = <T extends string>(labels: Readonly<Record<T, { ja: string }>>, code: T | undefined): string =>
  code === undefined ? '不明' : labels[code].ja;

/** A home address as far as it is known. */
function addressOf(address: NonNullable<HandoffContent['patient']['address']>) {
  return {
    use: 'home' as const,
    text: `${address.prefecture ?? ''}${address.municipality ?? ''}${address.line ?? ''}`,
    ...(address.line ? { line: [address.line] } : {}),
    ...(address.municipality ? { city: address.municipality } : {}),
    ...(address.prefecture ? { state: address.prefecture } : {}),
    ...(address.postalCode ? { postalCode: address.postalCode } : {}),
    country: 'JP',
  };
}

/**
 * A hand-off document as a FHIR R4 document Bundle: the Composition first, then the Patient (kanji and
 * kana names), the author and the organisations, Conditions, AllergyIntolerances, MedicationStatements
 * and vital-sign Observations (LOINC). DATA-1 once more: diagnoses not to be shared (未提供) of
 * organisations other than the reader's are not exported; a flagged Condition carries its security labels.
 */
export function buildFhirDocumentBundle(document: HandoffDocument, readerOrganisation: string): Bundle {
  const content: HandoffContent = contentFor(document.content, readerOrganisation);
  const id = (part: string) => uuidFor(`${document.id}:${document.version}`, part);
  // A sent 診療情報提供書 or 退院時サマリー is a JP-CLINS document: its resources take the eCS profiles.
  const isCLINS = document.status === 'sent' && document.scene !== 'A';
  const meta = (core: string, clins: string) => ({
    ...(isCLINS ? { lastUpdated: document.changedAt } : {}),
    profile: [isCLINS ? clins : core],
  });
  const instanceIdentifier = (value: string) =>
    isCLINS ? { identifier: [{ system: systems.instanceIdentifier, value }] } : {};
  const entries: { fullUrl: string; resource: DocumentResource }[] = [];
  const add = (part: string, resource: DocumentResource, type: string): Reference => {
    const uuid = id(part);
    entries.push({ fullUrl: `urn:uuid:${uuid}`, resource: { ...resource, id: uuid } });
    return { reference: `urn:uuid:${uuid}`, type };
  };

  const basics = content.patient;
  const keyPerson = basics.family.find((member) => member.isKeyPerson);
  const patient: Patient = {
    resourceType: 'Patient',
    meta: meta(profiles.patient, profiles.patientCLINS),
    identifier: [{ system: 'urn:ietf:rfc:3986', value: `urn:uuid:${document.patientId}` }],
    name: [
      {
        extension: [{ url: NAME_REPRESENTATION, valueCode: 'IDE' }],
        use: 'official',
        text: `${basics.name.kanji.family} ${basics.name.kanji.given}`,
        family: basics.name.kanji.family,
        given: [basics.name.kanji.given],
      },
      ...(basics.name.kana?.family && basics.name.kana.given
        ? [
            {
              extension: [{ url: NAME_REPRESENTATION, valueCode: 'SYL' }],
              use: 'official' as const,
              text: `${basics.name.kana.family} ${basics.name.kana.given}`,
              family: basics.name.kana.family,
              given: [basics.name.kana.given],
            },
          ]
        : []),
    ],
    telecom: [
      ...(basics.contact?.phone
        ? [{ system: 'phone' as const, value: basics.contact.phone, use: 'home' as const }]
        : []),
      ...(basics.contact?.mobile
        ? [{ system: 'phone' as const, value: basics.contact.mobile, use: 'mobile' as const }]
        : []),
    ],
    gender: basics.sex,
    ...(basics.birthDate ? { birthDate: basics.birthDate } : {}),
    ...(basics.address ? { address: [addressOf(basics.address)] } : {}),
    ...(keyPerson
      ? {
          contact: [
            {
              relationship: [
                { text: `キーパーソン（${label(relationshipLabels, keyPerson.relationship)}）` },
              ],
              name: { text: keyPerson.name },
              ...(keyPerson.phone ? { telecom: [{ system: 'phone' as const, value: keyPerson.phone }] } : {}),
            },
          ],
        }
      : {}),
  };
  if (patient.telecom?.length === 0) delete patient.telecom;

  const author: Practitioner = {
    resourceType: 'Practitioner',
    meta: meta(profiles.practitioner, profiles.practitionerCLINS),
    name: [{ extension: [{ url: NAME_REPRESENTATION, valueCode: 'IDE' }], text: content.author.name }],
    // JP-CLINS keeps qualification for coded licences (医籍登録番号 and the like); a profession in words
    // goes only into the sections' narrative there.
    ...(isCLINS ? {} : { qualification: [{ code: { text: content.author.profession } }] }),
  };
  const authorOrganisation: Organization = {
    resourceType: 'Organization',
    meta: meta(profiles.organization, profiles.organizationCLINS),
    name: content.author.organisation,
  };
  const recipientOrganisation: Organization = {
    resourceType: 'Organization',
    meta: meta(profiles.organization, profiles.organizationCLINS),
    name: content.recipient.organisation,
  };

  // The Composition goes first; it is filled in once every entry it refers to exists.
  const compositionUuid = id('composition');
  entries.push({
    fullUrl: `urn:uuid:${compositionUuid}`,
    resource: {
      resourceType: 'Composition',
      status: 'preliminary',
      type: {},
      date: '',
      author: [],
      title: '',
    },
  });
  const patientRef = add('patient', patient, 'Patient');
  const authorRef = add('author', author, 'Practitioner');
  const authorOrgRef = add('author-organisation', authorOrganisation, 'Organization');
  const recipientRef =
    content.recipient.organisation === content.author.organisation
      ? authorOrgRef
      : add('recipient-organisation', recipientOrganisation, 'Organization');

  const diagnosisRefs = content.diagnoses.map((diagnosis) => {
    const d = diagnosis.data;
    const security = securityLabelsOf(d);
    const condition: Condition = {
      resourceType: 'Condition',
      meta: {
        ...meta(profiles.condition, profiles.conditionCLINS),
        ...(security.length > 0 ? { security } : {}),
      },
      ...instanceIdentifier(diagnosis.itemId),
      clinicalStatus: concept(d.status, { system: systems.conditionClinical, code: d.status }),
      verificationStatus: concept('confirmed', { system: systems.conditionVerification, code: 'confirmed' }),
      category: [concept('問題リスト', { system: systems.conditionCategory, code: 'problem-list-item' })],
      code: concept(d.name, ...(d.icd10 ? [{ system: systems.icd10, code: d.icd10, display: d.name }] : [])),
      subject: patientRef,
      ...(d.onset ? { onsetDateTime: d.onset } : {}),
      ...(d.isMain || d.note
        ? { note: [{ text: [d.isMain ? '主病名' : '', d.note ?? ''].filter(Boolean).join('。') }] }
        : {}),
    };
    return add(`condition:${diagnosis.itemId}`, condition, 'Condition');
  });
  const historyRefs = content.medicalHistory.map((history) => {
    const h = history.data;
    const condition: Condition = {
      resourceType: 'Condition',
      meta: meta(profiles.condition, profiles.conditionCLINS),
      ...instanceIdentifier(history.itemId),
      verificationStatus: concept('confirmed', { system: systems.conditionVerification, code: 'confirmed' }),
      category: [concept('問題リスト', { system: systems.conditionCategory, code: 'problem-list-item' })],
      code: concept(h.name, ...(h.icd10 ? [{ system: systems.icd10, code: h.icd10, display: h.name }] : [])),
      subject: patientRef,
      ...(h.onset ? { onsetDateTime: h.onset } : {}),
      ...(h.note ? { note: [{ text: h.note }] } : {}),
    };
    return add(`history:${history.itemId}`, condition, 'Condition');
  });
  const allergyRefs = content.allergies.map((allergy) => {
    const a = allergy.data;
    const resource: AllergyIntolerance = {
      resourceType: 'AllergyIntolerance',
      meta: meta(profiles.allergy, profiles.allergyCLINS),
      ...instanceIdentifier(allergy.itemId),
      clinicalStatus: concept('active', { system: systems.allergyClinical, code: 'active' }),
      verificationStatus: concept('confirmed', { system: systems.allergyVerification, code: 'confirmed' }),
      ...(a.kind === 'contraindication' ? {} : { type: a.kind }),
      category: [a.category],
      ...(a.criticality ? { criticality: a.criticality } : {}),
      code: { text: a.substance },
      patient: patientRef,
      ...(a.reaction ? { reaction: [{ manifestation: [{ text: a.reaction }] }] } : {}),
      note: [{ text: [label(allergyKindLabels, a.kind), a.note ?? ''].filter(Boolean).join('。') }],
    };
    return add(`allergy:${allergy.itemId}`, resource, 'AllergyIntolerance');
  });
  // JP-CLINS documents list medications as MedicationRequest (JP_MedicationRequest_eCS), which needs
  // prescription coding the record does not keep; scenes B and D carry them as section narrative only.
  const medicationRefs = (document.scene === 'A' ? content.medications : []).map((medication) => {
    const m = medication.data;
    const coding = m.code
      ? [{ system: m.code.system === 'yj' ? systems.yj : systems.hot9, code: m.code.value }]
      : [];
    const resource: MedicationStatement = {
      resourceType: 'MedicationStatement',
      status: m.status,
      medicationCodeableConcept: concept(m.name, ...coding),
      subject: patientRef,
      ...(m.startedOn || m.endedOn
        ? {
            effectivePeriod: {
              ...(m.startedOn ? { start: m.startedOn } : {}),
              ...(m.endedOn ? { end: m.endedOn } : {}),
            },
          }
        : {}),
      dateAsserted: content.generatedAt,
      ...(m.purpose ? { reasonCode: [{ text: m.purpose }] } : {}),
      dosage: [{ text: `${m.dose} ${m.timing}`, route: { text: label(medicationRouteLabels, m.route) } }],
      ...(m.note || m.prescribedBy
        ? {
            note: [
              {
                text: [m.prescribedBy ? `処方: ${m.prescribedBy}` : '', m.note ?? '']
                  .filter(Boolean)
                  .join('。'),
              },
            ],
          }
        : {}),
    };
    return add(`medication:${medication.itemId}`, resource, 'MedicationStatement');
  });
  const vitalRefs = content.vitals.flatMap((reading) =>
    vitalObservations(reading, patientRef).map(({ key, resource }) =>
      add(`vital:${key}`, resource, 'Observation'),
    ),
  );

  const n = content.narrative;
  const pf = content.physicalFunction;
  const adl = basics.adl;
  const diagnosisLines = content.diagnoses.map(
    ({ data }) =>
      `${data.isMain ? '【主】' : ''}${data.isNotToldToPatient ? '【未告知】' : ''}${data.name}${data.icd10 ? `（${data.icd10}）` : ''}${data.onset ? ` 発症 ${data.onset}` : ''}`,
  );
  const historyLines = content.medicalHistory.map(
    ({ data }) => `${data.name}${data.onset ? ` ${data.onset}` : ''}`,
  );
  const allergyLines = content.allergies.map(
    ({ data }) =>
      `${data.substance}（${label(allergyKindLabels, data.kind)}）${data.reaction ? `: ${data.reaction}` : ''}`,
  );
  const medicationLines = content.medications.map(({ data }) => `${data.name} ${data.dose} ${data.timing}`);
  const vitalLines = content.vitals.map(readingLine);
  const functionLines = [
    `ADL: 食事 ${label(adlLevelLabels, adl?.eating)}、移乗 ${label(adlLevelLabels, adl?.transfer)}、排泄 ${label(adlLevelLabels, adl?.toileting)}、入浴 ${label(adlLevelLabels, adl?.bathing)}、移動 ${label(adlLevelLabels, adl?.mobility)}`,
    `障害高齢者の日常生活自立度 ${label(independenceLevelLabels, adl?.independenceLevel)}、認知症高齢者の日常生活自立度 ${label(dementiaLevelLabels, basics.cognition?.dementiaLevel)}`,
    ...(pf
      ? [
          `嚥下 ${label(swallowingLabels, pf.oral.swallowing)}、排尿 ${label(continenceLabels, pf.bowelControl.urination)}、排便 ${label(continenceLabels, pf.bowelControl.defecation)}`,
          ...(pf.disabilities.length > 0 ? [`障害: ${pf.disabilities.join('、')}`] : []),
        ]
      : []),
    ...(n.careNotes ? [n.careNotes] : []),
  ];
  const infectionLines = pf?.infections.map((infection) => label(infectionLabels, infection.code)) ?? [];
  const socialLines = [
    `住環境: ${label(housingTypeLabels, basics.housing?.type)}、${label(livingArrangementLabels, basics.housing?.livingArrangement)}`,
    `介護保険: ${label(careNeedLevelLabels, basics.careInsurance?.certification)}${basics.careInsurance?.services.length ? `（${basics.careInsurance.services.map((s) => label(careServiceLabels, s)).join('、')}）` : ''}`,
    ...basics.family.map(
      (member) =>
        `${member.isKeyPerson ? 'キーパーソン ' : ''}${member.name}（${label(relationshipLabels, member.relationship)}${member.livesWithPatient ? '、同居' : ''}）`,
    ),
    ...(n.lifeAtHome ? [n.lifeAtHome] : []),
  ];
  const wishes = content.wishes;
  const wishLines = [
    ...(n.intentions ? [n.intentions] : []),
    ...(wishes?.preferredPlaceOfCare
      ? [`希望する療養場所: ${label(placeOfCareLabels, wishes.preferredPlaceOfCare)}`]
      : []),
    ...(wishes?.preferredPlaceOfDeath
      ? [`希望する看取りの場所: ${label(placeOfCareLabels, wishes.preferredPlaceOfDeath)}`]
      : []),
    ...(wishes?.lifeSustainingTreatment ? [wishes.lifeSustainingTreatment] : []),
  ];
  const lines = (text: string | undefined) => (text ? text.split('\n') : []);

  const isDischarge = document.scene === 'D';
  // The stay a discharge summary is about (入院から退院まで), as the Encounter its sections need.
  const stay = { start: n.admittedOn, end: n.dischargedOn };
  const encounterRef = isDischarge
    ? add(
        'encounter',
        {
          resourceType: 'Encounter',
          meta: { profile: [profiles.encounter] },
          status: stay.end ? 'finished' : 'in-progress',
          class: { system: systems.actCode, code: 'IMP', display: 'inpatient encounter' },
          subject: patientRef,
          ...(stay.start ? { period: { start: stay.start, ...(stay.end ? { end: stay.end } : {}) } } : {}),
          serviceProvider: authorOrgRef,
        },
        'Encounter',
      )
    : undefined;
  // The course in hospital as a text document: the discharge-summary profile refers to it that way.
  const courseRef = isDischarge
    ? add(
        'hospital-course',
        {
          resourceType: 'DocumentReference',
          meta: { profile: [profiles.documentReference] },
          status: 'current',
          subject: patientRef,
          description: '入院中経過',
          content: [
            {
              attachment: {
                contentType: 'text/plain; charset=utf-8',
                language: 'ja',
                title: '入院中経過',
                data: Buffer.from(n.hospitalCourse ?? 'なし', 'utf8').toString('base64'),
              },
            },
          ],
        },
        'DocumentReference',
      )
    : undefined;

  const from: SectionSpec = {
    title: '紹介元情報',
    code: jpSection('920', '紹介元情報セクション'),
    lines: [`${content.author.organisation} ${content.author.name}（${content.author.profession}）`],
    entries: [authorOrgRef, authorRef],
  };
  const to: SectionSpec = {
    title: '紹介先情報',
    code: jpSection('910', '紹介先情報セクション'),
    lines: [content.recipient.organisation],
    entries: [recipientRef],
  };
  const history: SectionSpec = {
    title: '既往歴',
    code: jpSection(isDischarge ? '372' : '370', '既往歴セクション'),
    lines: historyLines,
    entries: historyRefs,
  };
  const allergies: SectionSpec = {
    title: 'アレルギー・不耐性反応',
    code: jpSection('510', 'アレルギー・不耐性反応セクション'),
    lines: allergyLines,
    entries: allergyRefs,
  };
  const social: SectionSpec = {
    title: '社会歴・生活習慣',
    code: jpSection(isDischarge ? '642' : '640', '社会歴・生活習慣セクション'),
    lines: socialLines,
  };
  const wishesSection: SectionSpec = {
    title: '事前指示',
    code: jpSection('410', '事前指示セクション'),
    lines: wishLines,
  };
  const physical = (code: string, display: string, title: string): SectionSpec => ({
    title,
    code: jpSection(code, display),
    lines: [
      ...vitalLines,
      ...functionLines,
      ...(isDischarge ? infectionLines.map((l) => `感染症: ${l}`) : []),
    ],
    entries: vitalRefs,
  });

  const sections: SectionSpec[] =
    document.scene === 'A'
      ? [
          {
            title: '入院に至った経緯',
            code: loincSection('42349-1', 'Reason for referral'),
            lines: lines(n.reasonForAdmission),
          },
          {
            title: '傷病名',
            code: loincSection('11450-4', 'Problem list - Reported'),
            lines: diagnosisLines,
            entries: diagnosisRefs,
          },
          { ...history, code: loincSection('11348-0', 'History of Past illness') },
          {
            title: '服薬',
            code: loincSection('10160-0', 'History of Medication use'),
            lines: medicationLines,
            entries: medicationRefs,
          },
          { ...allergies, code: loincSection('48765-2', 'Allergies and adverse reactions') },
          {
            title: 'バイタルサイン',
            code: loincSection('8716-3', 'Vital signs'),
            lines: vitalLines,
            entries: vitalRefs,
          },
          {
            title: '身体機能・ADL',
            code: loincSection('47420-5', 'Functional status assessment note'),
            lines: functionLines,
          },
          { ...social, title: '生活・家族の状況', code: loincSection('29762-2', 'Social history') },
          {
            ...wishesSection,
            title: '本人・家族の意向',
            code: loincSection('42348-3', 'Advance directives'),
          },
        ]
      : document.scene === 'B'
        ? [
            from,
            to,
            {
              title: '構造情報',
              code: jpSection('300', '構造情報セクション'),
              children: [
                {
                  title: '紹介目的',
                  code: jpSection('950', '紹介目的セクション'),
                  lines: [...lines(n.purpose), ...lines(n.requests)],
                },
                {
                  title: '傷病名・主訴',
                  code: jpSection('340', '傷病名・主訴セクション'),
                  lines: diagnosisLines,
                  entries: diagnosisRefs,
                },
                {
                  title: '現病歴',
                  code: jpSection('360', '現病歴セクション'),
                  lines: lines(n.presentIllness),
                },
                history,
                allergies,
                {
                  title: '感染症情報',
                  code: jpSection('520', '感染症情報セクション'),
                  lines: infectionLines,
                },
                { title: '投薬指示', code: jpSection('430', '投薬指示セクション'), lines: medicationLines },
                physical('610', '身体所見セクション', '身体所見'),
                social,
                wishesSection,
              ],
            },
          ]
        : [
            {
              title: '構造情報',
              code: jpSection('300', '構造情報セクション'),
              children: [
                {
                  title: '入院時詳細',
                  code: jpSection('322', '入院時詳細セクション'),
                  lines: [`入院日 ${stay.start ?? '未記入'}`],
                  entries: encounterRef ? [encounterRef] : [],
                },
                {
                  title: '入院時診断',
                  code: jpSection('342', '入院時診断セクション'),
                  lines: lines(n.diagnosisOnAdmission),
                },
                {
                  title: '主訴',
                  code: jpSection('352', '主訴セクション'),
                  lines: lines(n.chiefComplaint),
                },
                {
                  title: '入院理由',
                  code: jpSection('312', '入院理由セクション'),
                  lines: lines(n.reasonForAdmission),
                },
                {
                  title: '現病歴',
                  code: jpSection('362', '現病歴セクション'),
                  lines: lines(n.presentIllness),
                },
                history,
                allergies,
                social,
                {
                  title: '入院中経過',
                  code: jpSection('333', '入院中経過セクション'),
                  lines: lines(n.hospitalCourse),
                  entries: courseRef ? [courseRef] : [],
                },
                {
                  title: '退院時詳細',
                  code: jpSection('324', '退院時詳細セクション'),
                  lines: [`退院日 ${stay.end ?? '未記入'}`, ...lines(n.conditionAtDischarge)],
                  entries: encounterRef ? [encounterRef] : [],
                },
                {
                  title: '退院時診断',
                  code: jpSection('344', '退院時診断セクション'),
                  lines: diagnosisLines,
                  entries: diagnosisRefs,
                },
                {
                  title: '退院時投薬指示',
                  code: jpSection('444', '退院時投薬指示セクション'),
                  lines: medicationLines,
                },
                {
                  title: '退院時方針指示',
                  code: jpSection('424', '退院時方針指示セクション'),
                  lines: lines(n.instructions),
                },
                physical('614', '退院時身体所見セクション', '退院時身体所見'),
                wishesSection,
              ],
            },
          ];

  const title = sceneDocuments[document.scene].title.ja;
  // One type coding, as JP-CLINS allows: its own document-type code system (the codes are LOINC's).
  const type: CodeableConcept =
    document.scene === 'A'
      ? concept(title, { system: systems.loinc, code: '18761-7', display: 'Transfer summary note' })
      : {
          coding: [
            {
              system: systems.docTypes,
              code: document.scene === 'B' ? '57133-1' : '18842-5',
              display: title,
            },
          ],
        };
  // A 転院 referral is written while the patient is in hospital (入院中文書).
  const category: CodeableConcept[] =
    document.scene === 'B'
      ? [{ coding: [{ system: systems.docSubtypes, code: 'INPATIENT', display: '入院中文書' }] }]
      : document.scene === 'D'
        ? [{ coding: [{ system: systems.docSubtypes, code: 'DISCHARGE', display: '退院時文書' }] }]
        : [];
  const date = document.sentAt ?? document.changedAt;
  const isFinal = document.status === 'sent';
  // The JP-CLINS profiles describe sent documents only (status "final"); a draft claims base R4 only.
  const compositionProfile =
    !isFinal || document.scene === 'A'
      ? undefined
      : document.scene === 'B'
        ? profiles.referral
        : profiles.dischargeSummary;
  const event: Composition['event'] =
    document.scene === 'B'
      ? [{ code: [{ text: '診療情報提供書発行' }], period: { start: date } }]
      : document.scene === 'D' && stay.start
        ? [{ period: { start: stay.start, ...(stay.end ? { end: stay.end } : {}) } }]
        : undefined;
  const composition: Composition = {
    resourceType: 'Composition',
    id: compositionUuid,
    meta: {
      lastUpdated: document.changedAt,
      ...(compositionProfile ? { profile: [compositionProfile] } : {}),
    },
    extension: [{ url: DOCUMENT_VERSION, valueString: String(document.version) }],
    identifier: { system: systems.instanceIdentifier, value: document.id },
    status: isFinal ? 'final' : 'preliminary',
    type,
    ...(category.length > 0 ? { category } : {}),
    subject: patientRef,
    date,
    author: [authorRef, authorOrgRef],
    title,
    custodian: authorOrgRef,
    ...(event ? { event } : {}),
    section: sections.map(section),
  };
  entries[0] = { fullUrl: `urn:uuid:${compositionUuid}`, resource: composition };

  const bundleProfile = !compositionProfile
    ? undefined
    : document.scene === 'B'
      ? profiles.referralBundle
      : profiles.dischargeSummaryBundle;
  return {
    resourceType: 'Bundle',
    id: id('bundle'),
    meta: { lastUpdated: document.changedAt, ...(bundleProfile ? { profile: [bundleProfile] } : {}) },
    identifier: bundleProfile
      ? { system: systems.bundleIdentifier, value: id('bundle') }
      : { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${id('bundle')}` },
    type: 'document',
    timestamp: date,
    entry: entries,
  };
}
