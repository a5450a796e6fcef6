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
} from './fhir-types.js';
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

// Profiles of JP Core and of the national document specifications (JP-CLINS). No JP package is published
// on npm, so conformance to them is by construction; the tests validate against base FHIR R4.
const JP_CORE = 'http://jpfhir.jp/fhir/core/StructureDefinition';
const profiles = {
  patient: `${JP_CORE}/JP_Patient`,
  practitioner: `${JP_CORE}/JP_Practitioner`,
  organization: `${JP_CORE}/JP_Organization`,
  condition: `${JP_CORE}/JP_Condition`,
  allergy: `${JP_CORE}/JP_AllergyIntolerance`,
  medicationStatement: `${JP_CORE}/JP_MedicationStatement`,
  vitalSigns: `${JP_CORE}/JP_Observation_VitalSigns`,
  referral: 'http://jpfhir.jp/fhir/eReferral/StructureDefinition/JP_Composition_eReferral',
  dischargeSummary:
    'http://jpfhir.jp/fhir/eDischargeSummary/StructureDefinition/JP_Composition_eDischargeSummary',
} as const;

const systems = {
  loinc: 'http://loinc.org',
  ucum: 'http://unitsofmeasure.org',
  icd10: 'http://hl7.org/fhir/sid/icd-10',
  yj: 'urn:oid:1.2.392.100495.20.1.73',
  hot9: 'urn:oid:1.2.392.200119.4.403.1',
  docTypes: 'http://jpfhir.jp/fhir/Common/CodeSystem/doc-typecodes',
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
    category: [
      concept('バイタルサイン', {
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
  lines: string[];
  entries?: Reference[];
  children?: SectionSpec[];
}

function section(spec: SectionSpec): CompositionSection {
  return {
    title: spec.title,
    code: concept(spec.title, spec.code),
    text: narrative(spec.lines, 'additional'),
    ...(spec.entries && spec.entries.length > 0 ? { entry: spec.entries } : {}),
    ...(spec.children ? { section: spec.children.map(section) } : {}),
  };
}

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
    meta: { profile: [profiles.patient] },
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
    meta: { profile: [profiles.practitioner] },
    name: [{ extension: [{ url: NAME_REPRESENTATION, valueCode: 'IDE' }], text: content.author.name }],
    qualification: [{ code: { text: content.author.profession } }],
  };
  const authorOrganisation: Organization = {
    resourceType: 'Organization',
    meta: { profile: [profiles.organization] },
    name: content.author.organisation,
  };
  const recipientOrganisation: Organization = {
    resourceType: 'Organization',
    meta: { profile: [profiles.organization] },
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
      meta: { profile: [profiles.condition], ...(security.length > 0 ? { security } : {}) },
      clinicalStatus: concept(d.status, { system: systems.conditionClinical, code: d.status }),
      verificationStatus: concept('confirmed', { system: systems.conditionVerification, code: 'confirmed' }),
      category: [concept('問題リスト', { system: systems.conditionCategory, code: 'problem-list-item' })],
      code: concept(d.name, ...(d.icd10 ? [{ system: systems.icd10, code: d.icd10 }] : [])),
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
      meta: { profile: [profiles.condition] },
      verificationStatus: concept('confirmed', { system: systems.conditionVerification, code: 'confirmed' }),
      code: concept(h.name, ...(h.icd10 ? [{ system: systems.icd10, code: h.icd10 }] : [])),
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
      meta: { profile: [profiles.allergy] },
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
  const medicationRefs = content.medications.map((medication) => {
    const m = medication.data;
    const coding = m.code
      ? [{ system: m.code.system === 'yj' ? systems.yj : systems.hot9, code: m.code.value }]
      : [];
    const resource: MedicationStatement = {
      resourceType: 'MedicationStatement',
      meta: { profile: [profiles.medicationStatement] },
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

  const common = {
    history: {
      title: '既往歴',
      code: jpSection('370', '既往歴セクション'),
      lines: historyLines,
      entries: historyRefs,
    },
    allergies: {
      title: 'アレルギー・不耐性反応',
      code: jpSection('510', 'アレルギー・不耐性反応セクション'),
      lines: allergyLines,
      entries: allergyRefs,
    },
    infections: {
      title: '感染症情報',
      code: jpSection('520', '感染症情報セクション'),
      lines: infectionLines,
    },
    medications: {
      title: '服薬',
      code: loincSection('10160-0', 'History of Medication use'),
      lines: medicationLines,
      entries: medicationRefs,
    },
    vitals: {
      title: 'バイタルサイン',
      code: loincSection('8716-3', 'Vital signs'),
      lines: vitalLines,
      entries: vitalRefs,
    },
    function: {
      title: '身体機能・ADL',
      code: loincSection('47420-5', 'Functional status assessment note'),
      lines: functionLines,
    },
    social: {
      title: '生活・家族の状況',
      code: loincSection('29762-2', 'Social history'),
      lines: socialLines,
    },
    wishes: {
      title: '本人・家族の意向',
      code: loincSection('42348-3', 'Advance directives'),
      lines: wishLines,
    },
  } satisfies Record<string, SectionSpec>;
  const from: SectionSpec = {
    title: '紹介元情報',
    code: jpSection('920', '紹介元情報セクション'),
    lines: [`${content.author.organisation} ${content.author.name}（${content.author.profession}）`],
    entries: [authorRef, authorOrgRef],
  };
  const to: SectionSpec = {
    title: '紹介先情報',
    code: jpSection('910', '紹介先情報セクション'),
    lines: [content.recipient.organisation],
    entries: [recipientRef],
  };

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
          { ...common.history, code: loincSection('11348-0', 'History of Past illness') },
          common.medications,
          { ...common.allergies, code: loincSection('48765-2', 'Allergies and adverse reactions') },
          common.vitals,
          common.function,
          common.social,
          common.wishes,
        ]
      : document.scene === 'B'
        ? [
            from,
            to,
            {
              title: '構造情報',
              code: jpSection('300', '構造情報セクション'),
              lines: [sceneDocuments.B.title.ja],
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
                common.history,
                common.allergies,
                common.infections,
                common.medications,
                common.vitals,
                common.function,
                common.social,
                common.wishes,
              ],
            },
          ]
        : [
            from,
            to,
            {
              title: '構造情報',
              code: jpSection('300', '構造情報セクション'),
              lines: [sceneDocuments.D.title.ja],
              children: [
                {
                  title: '入院中経過',
                  code: jpSection('333', '入院中経過セクション'),
                  lines: lines(n.hospitalCourse),
                },
                {
                  title: '退院時詳細',
                  code: jpSection('324', '退院時詳細セクション'),
                  lines: lines(n.conditionAtDischarge),
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
                  entries: medicationRefs,
                },
                {
                  title: '退院時方針指示',
                  code: jpSection('424', '退院時方針指示セクション'),
                  lines: lines(n.instructions),
                },
                common.history,
                common.allergies,
                common.infections,
                common.vitals,
                common.function,
                common.social,
                common.wishes,
              ],
            },
          ];

  const title = sceneDocuments[document.scene].title.ja;
  const type: CodeableConcept =
    document.scene === 'A'
      ? concept(title, { system: systems.loinc, code: '18761-7', display: 'Transfer summary note' })
      : document.scene === 'B'
        ? concept(
            title,
            { system: systems.docTypes, code: '57133-1', display: title },
            { system: systems.loinc, code: '57133-1', display: 'Referral note' },
          )
        : concept(
            title,
            { system: systems.docTypes, code: '18842-5', display: title },
            { system: systems.loinc, code: '18842-5', display: 'Discharge summary' },
          );
  const date = document.sentAt ?? document.changedAt;
  const composition: Composition = {
    resourceType: 'Composition',
    id: compositionUuid,
    meta: {
      lastUpdated: document.changedAt,
      ...(document.scene === 'B' ? { profile: [profiles.referral] } : {}),
      ...(document.scene === 'D' ? { profile: [profiles.dischargeSummary] } : {}),
    },
    extension: [{ url: DOCUMENT_VERSION, valueString: String(document.version) }],
    identifier: { system: systems.instanceIdentifier, value: document.id },
    status: document.status === 'sent' ? 'final' : 'preliminary',
    type,
    subject: patientRef,
    date,
    author: [authorRef, authorOrgRef],
    title,
    custodian: authorOrgRef,
    section: sections.map(section),
  };
  entries[0] = { fullUrl: `urn:uuid:${compositionUuid}`, resource: composition };

  return {
    resourceType: 'Bundle',
    id: id('bundle'),
    meta: { lastUpdated: document.changedAt },
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${id('bundle')}` },
    type: 'document',
    timestamp: date,
    entry: entries,
  };
}
