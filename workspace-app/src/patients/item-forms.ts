import { procedureLabels } from '../clinical/procedures.js';
import type { CodeLabels } from '../validation/bilingual-fields.js';
import type { FieldSpec, FormSpec } from './form-fields.js';
import type { ItemKind } from './standard-items.js';
import {
  adlLevelLabels,
  allergyCategoryLabels,
  allergyKindLabels,
  careActivityLabels,
  careNeedLevelLabels,
  careServiceLabels,
  continenceLabels,
  criticalityLabels,
  dementiaLevelLabels,
  dentureLabels,
  diagnosisStatusLabels,
  drugCodeSystemLabels,
  explanationAudienceLabels,
  housingTypeLabels,
  impairmentLabels,
  independenceLevelLabels,
  infectionLabels,
  livingArrangementLabels,
  mealFormLabels,
  mealIntakeLabels,
  medicationAdherenceLabels,
  medicationRouteLabels,
  medicationStatusLabels,
  oralHygieneLabels,
  placeOfCareLabels,
  professionLabels,
  relationshipLabels,
  sceneLabels,
  prefectures,
  sexLabels,
  swallowingLabels,
} from './standard-codes.js';

// The forms of the standard items, in the order practitioners fill them in. Labels are the terms of
// the working group's paper; hints show the expected writing where it is not obvious.

const text = (name: string, ja: string, en: string, isRequired = false): FieldSpec => ({
  name,
  label: { ja, en },
  input: { type: 'text' },
  isRequired,
});
const area = (name: string, ja: string, en: string, rows = 3, isRequired = false): FieldSpec => ({
  name,
  label: { ja, en },
  input: { type: 'textarea', rows },
  isRequired,
});
const select = (
  name: string,
  ja: string,
  en: string,
  codes: CodeLabels<string>,
  isRequired = true,
): FieldSpec => ({
  name,
  label: { ja, en },
  input: { type: 'select', codes },
  isRequired,
});
const date = (name: string, ja: string, en: string, isRequired = false): FieldSpec => ({
  name,
  label: { ja, en },
  input: { type: 'date' },
  isRequired,
});
const checkbox = (name: string, ja: string, en: string): FieldSpec => ({
  name,
  label: { ja, en },
  input: { type: 'checkbox' },
});
const number = (name: string, ja: string, en: string, step = '1'): FieldSpec => ({
  name,
  label: { ja, en },
  input: { type: 'number', step, inputMode: step === '1' ? 'numeric' : 'decimal' },
});

const prefectureLabels = Object.fromEntries(prefectures.map((p) => [p, { ja: p, en: p }]));
const phoneHint = { ja: '例: 03-1234-5678', en: 'e.g. 03-1234-5678' };
const adl = (name: string, ja: string, en: string) => select(`adl.${name}`, ja, en, adlLevelLabels, false);

/** Only name (kanji) and sex are required: a first home visit may know nothing else yet. */
export const basicsForm: FormSpec = [
  {
    legend: { ja: '氏名', en: 'Name' },
    fields: [
      text('name.kanji.family', '姓（漢字）', 'Family name (kanji)', true),
      text('name.kanji.given', '名（漢字）', 'Given name (kanji)', true),
      text('name.kana.family', 'セイ（カナ）', 'Family name (kana)'),
      text('name.kana.given', 'メイ（カナ）', 'Given name (kana)'),
      select('sex', '性別', 'Sex', sexLabels),
      date('birthDate', '生年月日', 'Date of birth'),
    ],
  },
  {
    legend: { ja: '住所・連絡先', en: 'Address and contact' },
    fields: [
      {
        ...text('address.postalCode', '郵便番号', 'Postal code'),
        hint: { ja: '例: 160-0023', en: 'e.g. 160-0023' },
      },
      select('address.prefecture', '都道府県', 'Prefecture', prefectureLabels, false),
      text('address.municipality', '区市町村', 'Municipality'),
      text('address.line', '町名・番地・建物', 'Street and building'),
      { ...text('contact.phone', '電話', 'Phone'), hint: phoneHint },
      { ...text('contact.mobile', '携帯電話', 'Mobile'), hint: phoneHint },
      text('contact.note', '連絡上の注意', 'Note on contact'),
    ],
  },
  {
    legend: { ja: '家族・キーパーソン', en: 'Family and key person' },
    repeat: { path: 'family', rows: 3 },
    fields: [
      text('name', '氏名', 'Name'),
      { ...select('relationship', '続柄', 'Relationship', relationshipLabels), isRequired: false },
      { ...text('phone', '電話', 'Phone'), hint: phoneHint },
      checkbox('livesWithPatient', '同居', 'Lives with the patient'),
      checkbox('isKeyPerson', 'キーパーソン', 'Key person'),
    ],
  },
  {
    legend: { ja: '住環境', en: 'Housing' },
    fields: [
      select('housing.type', '住まい', 'Type of home', housingTypeLabels, false),
      select('housing.livingArrangement', '世帯', 'Living arrangement', livingArrangementLabels, false),
      number('housing.floor', '居室の階', 'Floor'),
      { name: 'housing.hasElevator', label: { ja: 'エレベーター', en: 'Lift' }, input: { type: 'yes-no' } },
      area('housing.note', '住環境の特記事項', 'Notes on the home', 2),
    ],
  },
  {
    legend: { ja: '介護保険・利用サービス', en: 'Care insurance and services' },
    fields: [
      select('careInsurance.certification', '要介護度', 'Care need level', careNeedLevelLabels, false),
      date('careInsurance.certificationValidUntil', '認定有効期限', 'Certification valid until'),
      text('careInsurance.insuredNumber', '被保険者番号', 'Insured number'),
      text('careInsurance.careManagerOffice', '居宅介護支援事業所', 'Care management office'),
      {
        name: 'careInsurance.services',
        label: { ja: '利用中のサービス', en: 'Services in use' },
        input: { type: 'checkboxes', codes: careServiceLabels },
      },
    ],
  },
  {
    legend: { ja: 'ADL', en: 'Activities of daily living' },
    fields: [
      adl('eating', '食事', 'Eating'),
      adl('transfer', '移乗', 'Transfer'),
      adl('toileting', '排泄', 'Toileting'),
      adl('bathing', '入浴', 'Bathing'),
      adl('dressing', '更衣', 'Dressing'),
      adl('grooming', '整容', 'Grooming'),
      adl('mobility', '移動', 'Mobility'),
      select(
        'adl.independenceLevel',
        '障害高齢者の日常生活自立度',
        'Independence level',
        independenceLevelLabels,
        false,
      ),
      area('adl.note', 'ADLの特記事項', 'Notes on ADL', 2),
    ],
  },
  {
    legend: { ja: '認知機能', en: 'Cognitive function' },
    fields: [
      select(
        'cognition.dementiaLevel',
        '認知症高齢者の日常生活自立度',
        'Dementia level',
        dementiaLevelLabels,
        false,
      ),
      area('cognition.note', '認知機能の特記事項', 'Notes on cognition', 2),
    ],
  },
];

const icdHint = { ja: '例: I63.9（任意）', en: 'e.g. I63.9 (optional)' };
const onsetHint = { ja: '例: 2019 / 2019-04 / 2019-04-12', en: 'e.g. 2019, 2019-04 or 2019-04-12' };

export const diagnosisForm: FormSpec = [
  {
    fields: [
      text('name', '傷病名', 'Diagnosis', true),
      { ...text('icd10', 'ICD-10', 'ICD-10'), hint: icdHint },
      {
        name: 'onset',
        label: { ja: '発症時期', en: 'Onset' },
        input: { type: 'partial-date' },
        hint: onsetHint,
      },
      select('status', '状態', 'Status', diagnosisStatusLabels),
      checkbox('isMain', '主病名', 'Main diagnosis'),
      checkbox(
        'isNotToldToPatient',
        '未告知（本人に未説明。ケアチームには表示し、本人・家族向けには出さない）',
        'Not told to the patient (shown to the care team, labelled; never to the patient or family)',
      ),
      checkbox(
        'isNotShared',
        '未提供（自機関のみ閲覧。他機関・文書・転院依頼には出さない）',
        'Not to be shared (your organisation only; left out for others, documents and transfers)',
      ),
      area('note', '備考', 'Note', 2),
    ],
  },
];

export const medicalHistoryForm: FormSpec = [
  {
    fields: [
      text('name', '既往歴', 'Past illness', true),
      { ...text('icd10', 'ICD-10', 'ICD-10'), hint: icdHint },
      { name: 'onset', label: { ja: '時期', en: 'When' }, input: { type: 'partial-date' }, hint: onsetHint },
      area('note', '備考', 'Note', 2),
    ],
  },
];

export const courseNoteForm: FormSpec = [
  {
    fields: [
      date('recordedOn', '記録日', 'Date', true),
      select('scene', '場面', 'Scene of care', sceneLabels),
      area('text', '経過', 'Course', 6, true),
    ],
  },
];

export const medicationForm: FormSpec = [
  {
    fields: [
      text('name', '薬剤名', 'Medicine', true),
      { ...text('dose', '用量', 'Dose', true), hint: { ja: '例: 5mg 1錠', en: 'e.g. 5 mg, 1 tablet' } },
      select('route', '経路', 'Route', medicationRouteLabels),
      {
        ...text('timing', '用法', 'Timing', true),
        hint: { ja: '例: 1日1回 朝食後', en: 'e.g. once a day after breakfast' },
      },
      select('status', '状況', 'Status', medicationStatusLabels),
      date('startedOn', '開始日', 'Started on'),
      date('endedOn', '終了日', 'Ended on'),
      text('prescribedBy', '処方元', 'Prescribed by'),
      text('purpose', '目的', 'Purpose'),
      area('note', '備考', 'Note', 2),
    ],
  },
  {
    legend: { ja: '医薬品コード（任意）', en: 'Drug code (optional)' },
    optionalObject: 'code',
    fields: [
      { ...select('code.system', 'コード体系', 'Code system', drugCodeSystemLabels), isRequired: false },
      { ...text('code.value', 'コード', 'Code'), hint: { ja: '例: 2171014F1020', en: 'e.g. 2171014F1020' } },
    ],
  },
];

export const explanationForm: FormSpec = [
  {
    fields: [
      date('explainedOn', '説明日', 'Date', true),
      text('explainedBy.name', '説明者', 'Explained by', true),
      select('explainedBy.profession', '説明者の職種', 'Their profession', professionLabels),
      {
        name: 'audience',
        label: { ja: '説明の相手', en: 'Told to' },
        input: { type: 'checkboxes', codes: explanationAudienceLabels },
        isRequired: true,
      },
      area('content', '説明内容', 'What was explained', 5, true),
      area('patientReaction', '本人の受け止め', 'How the patient took it', 2),
      area('familyReaction', '家族の受け止め', 'How the family took it', 2),
    ],
  },
];

export const wishesForm: FormSpec = [
  {
    fields: [
      area('patientWishes', '本人の意向', 'The patient’s wishes', 3),
      area('familyWishes', '家族の意向', 'The family’s wishes', 3),
      {
        ...select('preferredPlaceOfCare', '希望する療養場所', 'Preferred place of care', placeOfCareLabels),
        isRequired: false,
      },
      {
        ...select(
          'preferredPlaceOfDeath',
          '希望する看取りの場所',
          'Preferred place of death',
          placeOfCareLabels,
        ),
        isRequired: false,
      },
      area('lifeSustainingTreatment', '延命治療についての話し合い', 'Life-sustaining treatment', 2),
      date('discussedOn', '話し合った日', 'Discussed on'),
    ],
  },
];

export const physicalFunctionForm: FormSpec = [
  {
    legend: { ja: '障害', en: 'Disabilities' },
    fields: [
      {
        name: 'disabilities',
        label: { ja: '障害（1行に1つ）', en: 'Disabilities (one per line)' },
        input: { type: 'lines' },
      },
      area('changeSinceBeforeAdmission', '入院前からの変化', 'Change since before admission', 2),
    ],
  },
  {
    legend: { ja: '認知・コミュニケーション', en: 'Cognition and communication' },
    fields: [
      select('communication.hearing', '聴力', 'Hearing', impairmentLabels),
      select('communication.vision', '視力', 'Vision', impairmentLabels),
      select('communication.speech', '言語', 'Speech', impairmentLabels),
      {
        name: 'communication.usesHearingAid',
        label: { ja: '補聴器', en: 'Hearing aid' },
        input: { type: 'yes-no' },
      },
      area('communication.note', '特記事項', 'Notes', 2),
    ],
  },
  {
    legend: { ja: '感染症', en: 'Infections' },
    fields: [
      {
        name: 'infections',
        label: { ja: '感染症', en: 'Infections' },
        input: { type: 'code-objects', codes: infectionLabels },
      },
    ],
  },
  {
    legend: { ja: '医療処置・医療機器', en: 'Procedures and devices' },
    fields: [
      {
        name: 'procedures',
        label: { ja: '在宅で行っている処置・使っている機器', en: 'Procedures and devices at home' },
        input: { type: 'checkboxes', codes: procedureLabels },
      },
      text(
        'proceduresNote',
        '設定・詳細（例: 在宅酸素 安静時 1L/分）',
        'Settings and details (e.g. oxygen 1 L/min at rest)',
      ),
    ],
  },
  {
    legend: { ja: '口腔・歯科', en: 'Oral and dental state' },
    fields: [
      select('oral.dentures', '義歯', 'Dentures', dentureLabels),
      select('oral.swallowing', '嚥下', 'Swallowing', swallowingLabels),
      select('oral.hygiene', '口腔衛生', 'Oral hygiene', oralHygieneLabels),
      area('oral.note', '特記事項', 'Notes', 2),
    ],
  },
  {
    legend: { ja: '排泄コントロール', en: 'Bowel and bladder control' },
    fields: [
      select('bowelControl.urination', '排尿', 'Urination', continenceLabels),
      select('bowelControl.defecation', '排便', 'Defecation', continenceLabels),
      {
        name: 'bowelControl.usesPads',
        label: { ja: 'おむつ・パッド', en: 'Pads' },
        input: { type: 'yes-no' },
      },
      area('bowelControl.note', '特記事項', 'Notes', 2),
    ],
  },
];

export const allergyForm: FormSpec = [
  {
    fields: [
      text('substance', '原因物質・薬剤', 'Substance', true),
      select('category', '分類', 'Category', allergyCategoryLabels),
      select('kind', '種類', 'Kind', allergyKindLabels),
      { ...select('criticality', '重篤度', 'Criticality', criticalityLabels), isRequired: false },
      area('reaction', '症状', 'Reaction', 2),
      area('note', '備考', 'Note', 2),
    ],
  },
];

/**
 * The visit record, arranged for entry right after a visit on a phone: time and profession already
 * filled in, care given as large tick boxes, vitals as number fields, then the free text.
 */
export const visitRecordForm: FormSpec = [
  {
    fields: [
      { name: 'scheduledVisitId', label: { ja: '予定', en: 'Planned visit' }, input: { type: 'hidden' } },
      {
        name: 'visitedAt',
        label: { ja: '訪問日時', en: 'Visited at' },
        input: { type: 'datetime' },
        isRequired: true,
      },
      { name: 'endedAt', label: { ja: '終了時刻', en: 'Ended at' }, input: { type: 'datetime' } },
      select('profession', '職種', 'Profession', professionLabels),
    ],
  },
  {
    legend: { ja: 'バイタルサイン', en: 'Vital signs' },
    optionalObject: 'vitals',
    isCompact: true,
    fields: [
      number('vitals.bodyTemperature', '体温（℃）', 'Temperature (°C)', '0.1'),
      number('vitals.systolic', '血圧 上（mmHg）', 'Systolic (mmHg)'),
      number('vitals.diastolic', '血圧 下（mmHg）', 'Diastolic (mmHg)'),
      number('vitals.pulse', '脈拍（回/分）', 'Pulse (/min)'),
      number('vitals.respiratoryRate', '呼吸数（回/分）', 'Respiration (/min)'),
      number('vitals.oxygenSaturation', 'SpO2（%）', 'SpO2 (%)'),
      number('vitals.bodyWeight', '体重（kg）', 'Weight (kg)', '0.1'),
    ],
  },
  {
    fields: [
      {
        name: 'careGiven',
        label: { ja: '実施したケア', en: 'Care given' },
        input: { type: 'checkboxes', codes: careActivityLabels },
      },
    ],
  },
  {
    fields: [
      area('state', '訪問時の様子', 'State at the visit', 4, true),
      area('careNote', 'ケアの内容', 'Notes on the care', 2),
      area('reactions', '本人・家族の反応', 'Reactions of patient and family', 2),
    ],
  },
  {
    legend: { ja: '食事', en: 'Meals' },
    optionalObject: 'meals',
    fields: [
      { ...select('meals.intake', '摂取量', 'Intake', mealIntakeLabels), isRequired: false },
      { ...select('meals.form', '食形態', 'Form', mealFormLabels), isRequired: false },
      text('meals.note', '特記事項', 'Notes'),
    ],
  },
  {
    legend: { ja: '排泄', en: 'Excretion' },
    optionalObject: 'excretion',
    fields: [
      number('excretion.urinationsPerDay', '排尿回数（回/日）', 'Urinations per day'),
      {
        name: 'excretion.hadBowelMovement',
        label: { ja: '排便あり', en: 'Bowel movement' },
        input: { type: 'yes-no' },
      },
      number('excretion.stoolForm', '便性状（ブリストル 1〜7）', 'Stool form (Bristol 1–7)'),
      text('excretion.note', '特記事項', 'Notes'),
    ],
  },
  {
    legend: { ja: '服薬', en: 'Medication' },
    optionalObject: 'medication',
    fields: [
      {
        ...select('medication.adherence', '服薬状況', 'Adherence', medicationAdherenceLabels),
        isRequired: false,
      },
      text('medication.note', '特記事項', 'Notes'),
    ],
  },
];

export const itemForms: Readonly<Record<ItemKind, FormSpec>> = {
  basics: basicsForm,
  diagnosis: diagnosisForm,
  'medical-history': medicalHistoryForm,
  'course-note': courseNoteForm,
  medication: medicationForm,
  explanation: explanationForm,
  wishes: wishesForm,
  'physical-function': physicalFunctionForm,
  allergy: allergyForm,
  'visit-record': visitRecordForm,
};
