import { fromDatetimeLocal } from '@hcw/common';
import { z } from 'zod';

// Forms from the pages arrive urlencoded; these read them into the JSON shapes the API takes, so the
// pages and the API go through the same validation and the same rules.

/** A urlencoded form as express reads it: every field a string or, when repeated, a list. */
const formBodySchema = z.record(z.union([z.string(), z.array(z.string())]));
export type FormValues = Readonly<Record<string, readonly string[]>>;

export function formValuesOf(body: unknown): FormValues {
  const parsed = formBodySchema.safeParse(body ?? {});
  if (!parsed.success) return {};
  const values: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(parsed.data))
    values[name] = Array.isArray(value) ? value : [value];
  return values;
}

export const first = (form: FormValues, name: string): string => form[name]?.[0]?.trim() ?? '';

export const all = (form: FormValues, name: string): string[] =>
  (form[name] ?? []).map((value) => value.trim()).filter((value) => value !== '');

export const textOrNull = (form: FormValues, name: string): string | null => first(form, name) || null;

/** A number when the field holds one; otherwise what was typed, for the schema to refuse by name. */
export const numberOrNull = (form: FormValues, name: string): number | string | null => {
  const text = first(form, name);
  if (text === '') return null;
  const number = Number(text);
  return Number.isFinite(number) ? number : text;
};

/** The answer form's fields as inquiryAnswerSchema's input; the fields of other kinds of answer are left out. */
export function answerInputFromForm(form: FormValues): Record<string, unknown> {
  const answer = first(form, 'answer');
  const offer = () => ({
    wardId: first(form, 'wardId'),
    roomType: first(form, 'roomType'),
    holdUntil: fromDatetimeLocal(first(form, 'holdUntil')),
    admissionDate: textOrNull(form, 'admissionDate'),
    note: textOrNull(form, 'note'),
  });
  switch (answer) {
    case 'accept':
      return { answer, ...offer() };
    case 'conditional':
      return { answer, ...offer(), conditions: first(form, 'conditions') };
    case 'decline':
      return { answer, reason: first(form, 'reason'), note: textOrNull(form, 'note') };
    case 'needs-information':
      return { answer, question: first(form, 'note') };
    default:
      return { answer };
  }
}

/** The bed form's fields as freeBedUpdateSchema's input. */
export function freeBedInputFromForm(form: FormValues): Record<string, unknown> {
  const count = (name: string) => numberOrNull(form, name) ?? 0;
  return {
    freeBeds: {
      male: { individual: count('maleIndividual'), shared: count('maleShared') },
      female: { individual: count('femaleIndividual'), shared: count('femaleShared') },
      any: { individual: count('anyIndividual'), shared: count('anyShared') },
    },
    freeIsolationRooms: count('isolationFree'),
    version: numberOrNull(form, 'version'),
  };
}

/** The ward profile form's fields as wardProfileUpdateSchema's input. */
export function wardProfileInputFromForm(form: FormValues): Record<string, unknown> {
  const optionalNumber = (name: string) => numberOrNull(form, name) ?? undefined;
  const infectionCodes = Object.keys(form)
    .filter((name) => name.startsWith('infection-') && first(form, name) !== '')
    .map((name) => name.slice('infection-'.length));
  return {
    version: numberOrNull(form, 'version'),
    proceduresAccepted: all(form, 'proceduresAccepted'),
    infectionsAccepted: infectionCodes.map((code) => ({
      code,
      needsIsolationRoom: first(form, `infection-${code}`) === 'isolation',
    })),
    isolationRoomsTotal: numberOrNull(form, 'isolationRoomsTotal'),
    dementia: {
      maxLevel: first(form, 'dementiaMaxLevel') || undefined,
      behaviouralSymptomsAccepted: all(form, 'behaviouralSymptomsAccepted'),
    },
    extraRoomChargeYenPerDay: {
      individual: numberOrNull(form, 'chargeIndividual') ?? 0,
      shared: numberOrNull(form, 'chargeShared') ?? 0,
    },
    maxStayDays: numberOrNull(form, 'maxStayDays'),
    typicalWaitDays: numberOrNull(form, 'typicalWaitDays'),
    patientsAccepted: {
      maxAdlCategory: optionalNumber('maxAdlCategory'),
      maxIndependenceLevel: first(form, 'maxIndependenceLevel') || undefined,
      minAge: optionalNumber('minAge'),
      maxAge: optionalNumber('maxAge'),
    },
  };
}
