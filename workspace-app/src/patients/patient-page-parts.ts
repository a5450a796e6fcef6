import { type Bilingual, type Html, html, type Language, tokyoDateTime, tokyoToday } from '@hcw/common';
import { procedureLabels } from '../clinical/procedures.js';
import { layout } from '../ui/layout.js';
import type { CodeLabels } from '../validation/bilingual-fields.js';
import type { VitalReading } from './handoff-content.js';
import type { TeamRole } from './patient-access.js';
import { pt } from './patients-messages.js';
import {
  allergyCategoryLabels,
  allergyKindLabels,
  careActivityLabels,
  continenceLabels,
  criticalityLabels,
  diagnosisStatusLabels,
  dentureLabels,
  impairmentLabels,
  infectionLabels,
  medicationAdherenceLabels,
  medicationRouteLabels,
  medicationStatusLabels,
  placeOfCareLabels,
  professionLabels,
  sceneLabels,
  swallowingLabels,
  mealIntakeLabels,
  explanationAudienceLabels,
} from './standard-codes.js';
import type { ItemData, ItemKind } from './standard-items.js';

/** A page of the patient record: the portal's layout plus the record's own stylesheet and script. */
export function patientPage(lang: Language, title: string, body: Html): string {
  return layout(
    lang,
    title,
    html`<script src="/assets/patients/patients.js" defer></script>
      <div class="patients">${body}</div>`,
    { section: 'patients', stylesheets: ['/assets/patients/patients.css'] },
  );
}

/** A bilingual text in the reader's language, as markup. */
export function say(lang: Language, text: Bilingual): Html {
  return html`${text[lang]}`;
}

/** A code's label in the reader's language; 不明 / unknown for what the record does not know yet. */
export function labelOf<Code extends string>(
  labels: CodeLabels<Code>,
  code: string | undefined,
  lang: Language,
): string {
  if (code === undefined) return lang === 'ja' ? '不明' : 'unknown';
  const label = (labels as Record<string, Bilingual | undefined>)[code];
  return label ? label[lang] : code;
}

/** A link that keeps the reader's language. */
export function href(path: string, lang: Language): string {
  if (lang === 'ja') return path;
  return `${path}${path.includes('?') ? '&' : '?'}lang=en`;
}

export function link(path: string, text: string, lang: Language, className = ''): Html {
  return html`<a ${className && html`class="${className}"`} href="${href(path, lang)}">${text}</a>`;
}

/** A form that posts to the record (the portal's cross-site guard checks where it was sent from). */
export function postForm(
  action: string,
  lang: Language,
  inner: Html,
  options: { confirm?: string; className?: string } = {},
): Html {
  return html`<form
    method="post"
    action="${href(action, lang)}"
    ${options.confirm && html`data-confirm="${options.confirm}"`}
    ${options.className && html`class="${options.className}"`}
  >
    ${inner}
  </form>`;
}

export function button(text: string, className = 'button'): Html {
  return html`<button type="submit" class="${className}">${text}</button>`;
}

export function ageOn(birthDate: string, today = tokyoToday()): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

export function roleLabel(role: TeamRole, lang: Language): string {
  return pt(lang, role === 'owner' ? 'roleOwner' : role === 'editor' ? 'roleEditor' : 'roleReader');
}

/** Professions are stored as the sign-in gives them (看護師) or as codes (nurse); both read well. */
export function professionText(profession: string, lang: Language): string {
  return labelOf(professionLabels, profession, lang);
}

/** The profession code of a sign-in profession, to preselect it in a visit record. */
export function professionCode(profession: string): string | undefined {
  const entry = Object.entries(professionLabels).find(
    ([code, label]) => code === profession || label.ja === profession || profession.includes(label.ja),
  );
  return entry?.[0];
}

export function vitalsLine(
  reading: Omit<VitalReading, 'id' | 'source' | 'measuredAt'>,
  lang: Language,
): string {
  const ja = lang === 'ja';
  return [
    reading.bodyTemperature !== undefined ? `${ja ? '体温' : 'Temp'} ${reading.bodyTemperature}℃` : '',
    reading.systolic !== undefined ? `${ja ? '血圧' : 'BP'} ${reading.systolic}/${reading.diastolic}` : '',
    reading.pulse !== undefined ? `${ja ? '脈拍' : 'Pulse'} ${reading.pulse}` : '',
    reading.respiratoryRate !== undefined ? `${ja ? '呼吸' : 'Resp'} ${reading.respiratoryRate}` : '',
    reading.oxygenSaturation !== undefined ? `SpO2 ${reading.oxygenSaturation}%` : '',
    reading.bodyWeight !== undefined ? `${ja ? '体重' : 'Weight'} ${reading.bodyWeight}kg` : '',
  ]
    .filter(Boolean)
    .join(' ／ ');
}

export function vitalSource(reading: VitalReading, lang: Language): string {
  return reading.source.kind === 'visit'
    ? pt(lang, 'fromVisit', { who: reading.source.by })
    : pt(lang, 'fromConnector', {
        vendor:
          reading.source.vendor === 'vital-link'
            ? lang === 'ja'
              ? 'バイタルリンク'
              : 'Vital Link'
            : reading.source.vendor,
        who: reading.source.by ?? '—',
      });
}

function excerpt(text: string, length = 120): string {
  return text.length <= length ? text : `${text.slice(0, length)}…`;
}

/** One line that says what an item holds, for lists. */
export function itemSummary(kind: ItemKind, data: unknown, lang: Language): string {
  switch (kind) {
    case 'diagnosis': {
      const d = data as ItemData<'diagnosis'>;
      const notTold = d.isNotToldToPatient
        ? lang === 'ja'
          ? '【未告知】'
          : '[not told to the patient] '
        : '';
      return `${d.isMain ? (lang === 'ja' ? '【主】' : '[main] ') : ''}${notTold}${d.name}${d.icd10 ? `（${d.icd10}）` : ''} ・ ${labelOf(diagnosisStatusLabels, d.status, lang)}${d.onset ? ` ・ ${lang === 'ja' ? '発症' : 'onset'} ${d.onset}` : ''}`;
    }
    case 'medical-history': {
      const h = data as ItemData<'medical-history'>;
      return `${h.name}${h.onset ? ` ・ ${h.onset}` : ''}`;
    }
    case 'course-note': {
      const c = data as ItemData<'course-note'>;
      return `${c.recordedOn} ［${labelOf(sceneLabels, c.scene, lang)}］ ${excerpt(c.text)}`;
    }
    case 'medication': {
      const m = data as ItemData<'medication'>;
      return `${m.name} ${m.dose} ${m.timing}（${labelOf(medicationRouteLabels, m.route, lang)}） ・ ${labelOf(medicationStatusLabels, m.status, lang)}`;
    }
    case 'explanation': {
      const e = data as ItemData<'explanation'>;
      const to = e.audience.map((a) => labelOf(explanationAudienceLabels, a, lang)).join('・');
      const reactions = [e.patientReaction, e.familyReaction].filter(Boolean).join(' ／ ');
      return `${e.explainedOn} ${e.explainedBy.name} → ${to}: ${excerpt(e.content, 80)}${reactions ? ` ＜${excerpt(reactions, 80)}＞` : ''}`;
    }
    case 'allergy': {
      const a = data as ItemData<'allergy'>;
      return `${a.substance}（${labelOf(allergyKindLabels, a.kind, lang)}・${labelOf(allergyCategoryLabels, a.category, lang)}${a.criticality ? `・${labelOf(criticalityLabels, a.criticality, lang)}` : ''}）${a.reaction ? ` ${a.reaction}` : ''}`;
    }
    case 'wishes': {
      const w = data as ItemData<'wishes'>;
      return [
        w.patientWishes ? `${lang === 'ja' ? '本人' : 'Patient'}: ${excerpt(w.patientWishes, 80)}` : '',
        w.familyWishes ? `${lang === 'ja' ? '家族' : 'Family'}: ${excerpt(w.familyWishes, 80)}` : '',
        w.preferredPlaceOfDeath
          ? `${lang === 'ja' ? '看取りの場所' : 'Place of death'}: ${labelOf(placeOfCareLabels, w.preferredPlaceOfDeath, lang)}`
          : '',
      ]
        .filter(Boolean)
        .join(' ／ ');
    }
    case 'physical-function': {
      const p = data as ItemData<'physical-function'>;
      return [
        p.disabilities.length > 0 ? p.disabilities.join('、') : '',
        p.procedures.length > 0
          ? `${lang === 'ja' ? '医療処置・機器' : 'Procedures and devices'} ${p.procedures.map((code) => labelOf(procedureLabels, code, lang)).join('、')}${p.proceduresNote ? `（${p.proceduresNote}）` : ''}`
          : '',
        `${lang === 'ja' ? '聴力' : 'Hearing'} ${labelOf(impairmentLabels, p.communication.hearing, lang)}`,
        `${lang === 'ja' ? '嚥下' : 'Swallowing'} ${labelOf(swallowingLabels, p.oral.swallowing, lang)}`,
        `${lang === 'ja' ? '義歯' : 'Dentures'} ${labelOf(dentureLabels, p.oral.dentures, lang)}`,
        `${lang === 'ja' ? '排尿' : 'Urination'} ${labelOf(continenceLabels, p.bowelControl.urination, lang)}`,
        `${lang === 'ja' ? '排便' : 'Defecation'} ${labelOf(continenceLabels, p.bowelControl.defecation, lang)}`,
        p.infections.length > 0
          ? `${lang === 'ja' ? '感染症' : 'Infections'} ${p.infections.map((i) => labelOf(infectionLabels, i.code, lang)).join('、')}`
          : '',
      ]
        .filter(Boolean)
        .join(' ／ ');
    }
    case 'visit-record': {
      const v = data as ItemData<'visit-record'>;
      const care = v.careGiven.map((c) => labelOf(careActivityLabels, c, lang)).join('、');
      return [
        `${tokyoDateTime(v.visitedAt)} ${labelOf(professionLabels, v.profession, lang)}`,
        v.vitals ? vitalsLine(v.vitals, lang) : '',
        care,
        excerpt(v.state),
        v.meals
          ? `${lang === 'ja' ? '食事' : 'Meals'} ${labelOf(mealIntakeLabels, v.meals.intake, lang)}`
          : '',
        v.medication ? labelOf(medicationAdherenceLabels, v.medication.adherence, lang) : '',
      ]
        .filter(Boolean)
        .join(' ／ ');
    }
    case 'basics':
      return '';
  }
}

export function notice(text: string, className = 'notice-box'): Html {
  return html`<p class="${className}">${text}</p>`;
}
