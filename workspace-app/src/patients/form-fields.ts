import {
  type Bilingual,
  fromDatetimeLocal,
  type Html,
  html,
  joinHtml,
  type Language,
  splitBilingual,
  toDatetimeLocal,
} from '@hcw/common';
import type { CodeLabels } from '../validation/bilingual-fields.js';
import type { ItemIssue } from './invalid-item-error.js';

/**
 * Forms for the standard items, described once and used both ways: rendered as HTML (with each
 * validation message next to its field) and read back from the posted form into the nested value the
 * item's schema checks. Field names are the item's own paths (`vitals.pulse`, `family.0.name`), so a
 * schema issue finds its field by name.
 */

export type FieldInput =
  | { type: 'text' }
  | { type: 'textarea'; rows?: number }
  | { type: 'number'; step: string; inputMode: 'decimal' | 'numeric' }
  | { type: 'date' }
  | { type: 'partial-date' }
  | { type: 'datetime' }
  | { type: 'select'; codes: CodeLabels<string> }
  | { type: 'yes-no' }
  | { type: 'checkbox' }
  | { type: 'checkboxes'; codes: CodeLabels<string> }
  | { type: 'code-objects'; codes: CodeLabels<string> }
  | { type: 'lines' }
  | { type: 'hidden' };

export interface FieldSpec {
  /** The item path, relative to its group's `repeat` prefix when the group repeats. */
  name: string;
  label: Bilingual;
  input: FieldInput;
  isRequired?: boolean;
  hint?: Bilingual;
}

export interface GroupSpec {
  legend?: Bilingual;
  /** Short fields side by side (vital signs), so a phone shows them on one screen. */
  isCompact?: boolean;
  /** An object the item may leave out: omitted when every field of the group is left empty. */
  optionalObject?: string;
  /** A list of objects shown as this many rows (`family.0…`, `family.1…`); empty rows are dropped. */
  repeat?: { path: string; rows: number };
  fields: FieldSpec[];
}

export type FormSpec = readonly GroupSpec[];

/** What a browser posts: one value per name, or several for checkboxes. */
export type RawForm = Record<string, string | string[] | undefined>;

function pick(text: Bilingual, lang: Language): string {
  return text[lang];
}

/** Splits an issue message written "日本語 / English" and keeps the reader's language. */
export function messageIn(message: string, lang: Language): string {
  return splitBilingual(message)[lang];
}

function fieldNames(group: GroupSpec): string[] {
  const rows = group.repeat
    ? Array.from({ length: group.repeat.rows }, (_, i) => `${group.repeat!.path}.${i}.`)
    : [''];
  return rows.flatMap((prefix) => group.fields.map((field) => `${prefix}${field.name}`));
}

function first(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}

function all(value: string | string[] | undefined): string[] {
  return (Array.isArray(value) ? value : value === undefined ? [] : [value])
    .map((v) => v.trim())
    .filter(Boolean);
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node: Record<string, unknown> = target;
  for (const [index, part] of parts.entries()) {
    if (index === parts.length - 1) {
      node[part] = value;
      return;
    }
    const next = node[part];
    if (typeof next !== 'object' || next === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
}

function getPath(source: unknown, path: string): unknown {
  let node: unknown = source;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** One posted value as the schema expects it; `undefined` when left empty. */
function readField(field: FieldSpec, raw: string | string[] | undefined): unknown {
  const text = first(raw);
  switch (field.input.type) {
    case 'checkbox':
      return text !== '';
    case 'checkboxes':
      return all(raw);
    case 'code-objects':
      return all(raw).map((code) => ({ code }));
    case 'lines':
      return text === ''
        ? []
        : text
            .split(/\r?\n/)
            .map((line) => line.trim())
            .filter(Boolean);
    case 'number': {
      if (text === '') return undefined;
      const number = Number(text.replace(/[０-９．]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)));
      // Not a number is passed on as text, so the schema words the message.
      return Number.isFinite(number) ? number : text;
    }
    case 'yes-no':
      return text === 'true' ? true : text === 'false' ? false : undefined;
    case 'datetime':
      return text === '' ? undefined : fromDatetimeLocal(text);
    default:
      return text === '' ? undefined : text;
  }
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === false || (Array.isArray(value) && value.length === 0);
}

/** The nested value a posted form stands for, ready for the item's schema. */
export function readForm(spec: FormSpec, form: RawForm): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const group of spec) {
    if (group.repeat) {
      const rows: Record<string, unknown>[] = [];
      for (let i = 0; i < group.repeat.rows; i++) {
        const row: Record<string, unknown> = {};
        for (const field of group.fields) {
          const read = readField(field, form[`${group.repeat.path}.${i}.${field.name}`]);
          if (read !== undefined) setPath(row, field.name, read);
        }
        if (group.fields.some((field) => !isEmpty(getPath(row, field.name)))) rows.push(row);
      }
      setPath(value, group.repeat.path, rows);
      continue;
    }
    const read = group.fields.map((field) => [field, readField(field, form[field.name])] as const);
    if (group.optionalObject && read.every(([, v]) => isEmpty(v))) continue;
    for (const [field, v] of read) if (v !== undefined) setPath(value, field.name, v);
  }
  return value;
}

/** The form values that show a stored item for editing. */
export function formFromValue(spec: FormSpec, source: unknown): RawForm {
  const form: RawForm = {};
  const show = (field: FieldSpec, name: string, value: unknown) => {
    if (value === undefined || value === null) return;
    switch (field.input.type) {
      case 'checkbox':
        if (value === true) form[name] = 'on';
        return;
      case 'checkboxes':
        form[name] = Array.isArray(value) ? value.map(String) : [];
        return;
      case 'code-objects':
        form[name] = Array.isArray(value)
          ? value.map((v) => String((v as { code?: unknown }).code ?? ''))
          : [];
        return;
      case 'lines':
        form[name] = Array.isArray(value) ? value.map(String).join('\n') : '';
        return;
      case 'datetime':
        form[name] = toDatetimeLocal(String(value));
        return;
      default:
        form[name] = String(value);
    }
  };
  for (const group of spec) {
    if (group.repeat) {
      const rows = getPath(source, group.repeat.path);
      if (!Array.isArray(rows)) continue;
      rows.slice(0, group.repeat.rows).forEach((row, i) => {
        for (const field of group.fields)
          show(field, `${group.repeat!.path}.${i}.${field.name}`, getPath(row, field.name));
      });
      continue;
    }
    for (const field of group.fields) show(field, field.name, getPath(source, field.name));
  }
  return form;
}

/**
 * Places each issue by the field it is about: the field itself, the nearest field whose path it lies
 * under (a code list's entry), or the form as a whole.
 */
export function placeIssues(spec: FormSpec, issues: readonly ItemIssue[]): Map<string, string[]> {
  const names = spec.flatMap(fieldNames).sort((a, b) => b.length - a.length);
  const groups = spec.flatMap((group) =>
    [group.repeat?.path, group.optionalObject].filter((p): p is string => !!p),
  );
  const placed = new Map<string, string[]>();
  for (const issue of issues) {
    const target =
      names.find((name) => issue.path === name || issue.path.startsWith(`${name}.`)) ??
      groups.find((name) => issue.path === name || issue.path.startsWith(`${name}.`)) ??
      '';
    placed.set(target, [...(placed.get(target) ?? []), issue.message]);
  }
  return placed;
}

function fieldId(name: string): string {
  return `f-${name.replaceAll('.', '-')}`;
}

/** One choice of a select, its text right against its tags. */
function option(value: string, text: string, isSelected: boolean): Html {
  return html`<option value="${value}" ${isSelected && html`selected`}>${text}</option>`;
}

function renderControl(
  field: FieldSpec,
  name: string,
  form: RawForm,
  lang: Language,
  isInvalid: boolean,
): Html {
  const id = fieldId(name);
  const value = first(form[name]);
  const invalid = isInvalid && html`aria-invalid="true" aria-describedby="${id}-error"`;
  const required = field.isRequired && html`required`;
  const checks = html`${required} ${invalid}`;
  const input = field.input;
  switch (input.type) {
    case 'textarea': {
      const rows = input.rows ?? 3;
      return html`<textarea id="${id}" name="${name}" rows="${rows}" ${checks}>${value}</textarea>`;
    }
    case 'number':
      return html`<input
        id="${id}"
        name="${name}"
        type="text"
        inputmode="${input.inputMode}"
        value="${value}"
        data-step="${input.step}"
        ${required}
        ${invalid}
      />`;
    case 'date':
      return html`<input id="${id}" name="${name}" type="date" value="${value}" ${required} ${invalid} />`;
    case 'partial-date':
      return html`<input
        id="${id}"
        name="${name}"
        type="text"
        placeholder="2019-04"
        value="${value}"
        ${invalid}
      />`;
    case 'datetime':
      return html`<input
        id="${id}"
        name="${name}"
        type="datetime-local"
        value="${value}"
        ${required}
        ${invalid}
      />`;
    case 'hidden':
      return html`<input id="${id}" name="${name}" type="hidden" value="${value}" />`;
    case 'select': {
      const chosen = first(form[name]);
      const options = Object.entries(input.codes).map(([code, label]) =>
        option(code, pick(label, lang), chosen === code),
      );
      return html`<select id="${id}" name="${name}" ${required} ${invalid}>
        <option value="">—</option>
        ${options}
      </select>`;
    }
    case 'yes-no': {
      const chosen = first(form[name]);
      const choice = (v: string, label: Bilingual) => option(v, pick(label, lang), chosen === v);
      return html`<select id="${id}" name="${name}" ${invalid}>
        ${choice('', { ja: '—', en: '—' })}${choice('true', { ja: 'はい', en: 'yes' })}${choice('false', {
          ja: 'いいえ',
          en: 'no',
        })}
      </select>`;
    }
    case 'checkbox':
      return html`<input
        id="${id}"
        name="${name}"
        type="checkbox"
        ${first(form[name]) && html`checked`}
        ${invalid}
      />`;
    case 'checkboxes':
    case 'code-objects': {
      const chosen = new Set(all(form[name]));
      return html`<span class="choices"
        >${Object.entries(input.codes).map(
          ([code, label]) =>
            html`<label class="choice"
              ><input type="checkbox" name="${name}" value="${code}" ${chosen.has(code) && html`checked`} />
              ${pick(label, lang)}</label
            >`,
        )}</span
      >`;
    }
    case 'lines':
      return html`<textarea id="${id}" name="${name}" rows="3" ${invalid}>${value}</textarea>`;
    default:
      return html`<input id="${id}" name="${name}" type="text" value="${value}" ${required} ${invalid} />`;
  }
}

/** Messages as lines of one element, in the reader's language. */
function messageLines(messages: readonly string[], lang: Language): Html {
  return joinHtml(
    messages.map((m) => messageIn(m, lang)),
    html`<br />`,
  );
}

function renderField(
  field: FieldSpec,
  name: string,
  form: RawForm,
  lang: Language,
  issues: Map<string, string[]>,
): Html {
  if (field.input.type === 'hidden') return renderControl(field, name, form, lang, false);
  const messages = issues.get(name) ?? [];
  const error =
    messages.length > 0 &&
    html`<span class="field-error" id="${fieldId(name)}-error">${messageLines(messages, lang)}</span>`;
  const hint = field.hint && html`<span class="hint">${pick(field.hint, lang)}</span>`;
  const mark = field.isRequired && html` <span class="required">*</span>`;
  const control = renderControl(field, name, form, lang, messages.length > 0);
  const isInline = field.input.type === 'checkbox';
  const className = ['field', messages.length > 0 && 'has-error', isInline && 'inline']
    .filter(Boolean)
    .join(' ');
  return html`<div class="${className}" data-field="${name}">
    <label for="${fieldId(name)}">${pick(field.label, lang)}${mark}</label>${control}${hint}${error}
  </div>`;
}

/** The fields of a form, grouped; issues are shown next to their fields and the rest above them. */
export function renderFields(
  spec: FormSpec,
  form: RawForm,
  lang: Language,
  issueList: readonly ItemIssue[] = [],
): Html {
  const issues = placeIssues(spec, issueList);
  const general = [...(issues.get('') ?? [])];
  const groups = spec.map((group) => {
    const groupMessages = [group.repeat?.path, group.optionalObject]
      .filter((p): p is string => !!p)
      .flatMap((p) => issues.get(p) ?? []);
    const groupError =
      groupMessages.length > 0 && html`<p class="field-error">${messageLines(groupMessages, lang)}</p>`;
    const rows = group.repeat
      ? Array.from(
          { length: group.repeat.rows },
          (_, i) =>
            html`<div class="row">
              ${group.fields.map((f) =>
                renderField(f, `${group.repeat!.path}.${i}.${f.name}`, form, lang, issues),
              )}
            </div>`,
        )
      : group.fields.map((f) => renderField(f, f.name, form, lang, issues));
    return group.legend
      ? html`<fieldset ${group.isCompact && html`class="compact"`}>
          <legend>${pick(group.legend, lang)}</legend>
          ${groupError}${rows}
        </fieldset>`
      : html`${groupError}${rows}`;
  });
  const summary =
    general.length > 0 &&
    html`<div class="form-errors" role="alert">
      ${general.map((m) => html`<p>${messageIn(m, lang)}</p>`)}
    </div>`;
  return html`${summary}${joinHtml(groups, '\n')}`;
}
