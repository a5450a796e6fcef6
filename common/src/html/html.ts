/**
 * Pages are written with the `html` tag: every value placed in the template is escaped unless it is
 * itself markup made by `html` (or declared trusted with `trustedHtml`), so forgetting to escape a
 * patient's name is not possible by accident. A value may be a string, a number, markup, a list of any of
 * these (joined without separator), or `false`, `null` and `undefined`, which write nothing, so that
 * `${condition && html`…`}` reads as it means.
 */
export class Html {
  static readonly #made = Symbol('Html');

  readonly #markup: string;

  private constructor(markup: string, made: symbol) {
    if (made !== Html.#made) throw new TypeError('Html is made only by the html tag or trustedHtml');
    this.#markup = markup;
  }

  /** @internal */
  static of(markup: string): Html {
    return new Html(markup, Html.#made);
  }

  toString(): string {
    return this.#markup;
  }
}

export type HtmlValue = Html | string | number | false | null | undefined | readonly HtmlValue[];

/** Escapes text for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function markupOf(value: HtmlValue): string {
  if (value === false || value === null || value === undefined) return '';
  if (value instanceof Html) return value.toString();
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(markupOf).join('');
  return escapeHtml(String(value));
}

/** The tag for markup: literal parts are kept as written, values are escaped unless they are markup. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let markup = strings[0] ?? '';
  values.forEach((value, index) => {
    markup += markupOf(value) + (strings[index + 1] ?? '');
  });
  return Html.of(markup);
}

/** Markup joined with a separator (itself markup or text), for lists such as `a ・ b ・ c`; empty values are left out. */
export function joinHtml(values: readonly HtmlValue[], separator: HtmlValue = ''): Html {
  const parts = values.filter(
    (value) => value !== false && value !== null && value !== undefined && value !== '',
  );
  return Html.of(parts.map(markupOf).join(markupOf(separator)));
}

/**
 * Markup from a source the code controls (an inline SVG drawn by the code, a stylesheet), taken as it is.
 * Never call it with anything that came from a request, a database or a vendor.
 */
export function trustedHtml(markup: string): Html {
  return Html.of(markup);
}
