import { type Html, html, type HtmlValue, joinHtml, type Language } from '@hcw/common';
import { layout } from '../ui/layout.js';
import type { AccountLink } from './account-links.js';
import type { PatientGroupMapping } from './patient-groups.js';
import { formatTokyoTime, timelineLayout } from './timeline-page.js';
import { tl } from './timeline-messages.js';

export interface VendorChoice {
  id: string;
  name: string;
}

/** A table cell that carries its column's name, shown as the field's label when the row becomes a card. */
function cell(label: string, content: HtmlValue, className?: string): Html {
  return className
    ? html`<td data-label="${label}" class="${className}">${content}</td>`
    : html`<td data-label="${label}">${content}</td>`;
}

function vendorSelect(vendors: VendorChoice[]): Html {
  return html`<select name="vendor" required>
    ${vendors.map((vendor) => html`<option value="${vendor.id}">${vendor.name}</option>`)}
  </select>`;
}

/** A practitioner's own vendor accounts: what is linked, what awaits confirmation, and a form to add one. */
export function renderAccountsPage(
  lang: Language,
  data: { links: AccountLink[]; vendors: VendorChoice[]; sourceName(id: string): string },
): string {
  const status = (link: AccountLink) =>
    tl(lang, link.status === 'confirmed' ? 'accountConfirmed' : 'accountPending');
  const rows = joinHtml(
    data.links.map(
      (link) =>
        html`<tr>
          ${cell(tl(lang, 'accountVendor'), data.sourceName(link.vendor))}
          ${cell(tl(lang, 'accountId'), link.vendorAccount)}
          ${cell(tl(lang, 'accountStatus'), status(link), `tl-status-${link.status}`)}
          <td class="tl-cell-actions">
            <form method="post" action="/timeline/accounts/remove" class="tl-inline-form">
              <input type="hidden" name="vendor" value="${link.vendor}" />
              <input type="hidden" name="account" value="${link.vendorAccount}" />
              <button type="submit" class="tl-secondary">${tl(lang, 'accountRemove')}</button>
            </form>
          </td>
        </tr>`,
    ),
    '\n',
  );
  const table =
    data.links.length === 0
      ? html`<p>${tl(lang, 'accountNone')}</p>`
      : html`<table class="tl-table">
          <thead>
            <tr>
              <th>${tl(lang, 'accountVendor')}</th>
              <th>${tl(lang, 'accountId')}</th>
              <th>${tl(lang, 'accountStatus')}</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${rows}
          </tbody>
        </table>`;
  return layout(
    lang,
    tl(lang, 'accounts'),
    html`<section class="tl">
      <h1 class="tl-heading">${tl(lang, 'accounts')}</h1>
      <p>${tl(lang, 'accountsLead')}</p>
      ${table}
      <form method="post" action="/timeline/accounts" class="tl-form">
        <label>${tl(lang, 'accountVendor')}${vendorSelect(data.vendors)}</label>
        <label>${tl(lang, 'accountId')}<input name="account" required maxlength="200" /></label>
        <button type="submit">${tl(lang, 'accountAdd')}</button>
      </form>
      <nav class="tl-nav"><a href="/timeline">${tl(lang, 'backToTimeline')}</a></nav>
    </section>`,
    timelineLayout,
  );
}

/** The administrator's page: links awaiting confirmation, and which vendor group is which patient. */
export function renderReviewPage(
  lang: Language,
  data: {
    pending: AccountLink[];
    mappings: PatientGroupMapping[];
    vendors: VendorChoice[];
    sourceName(id: string): string;
  },
): string {
  const pending = joinHtml(
    data.pending.map(
      (link) =>
        html`<tr>
          ${cell(tl(lang, 'reviewPractitioner'), link.practitionerId)}
          ${cell(tl(lang, 'accountVendor'), data.sourceName(link.vendor))}
          ${cell(tl(lang, 'accountId'), link.vendorAccount)}
          ${cell(tl(lang, 'reviewRequestedAt'), formatTokyoTime(lang, link.requestedAt))}
          <td class="tl-cell-actions">
            <form method="post" action="/timeline/accounts/confirm" class="tl-inline-form">
              <input type="hidden" name="practitioner" value="${link.practitionerId}" />
              <input type="hidden" name="vendor" value="${link.vendor}" />
              <input type="hidden" name="account" value="${link.vendorAccount}" />
              <button type="submit">${tl(lang, 'reviewConfirm')}</button>
            </form>
          </td>
        </tr>`,
    ),
    '\n',
  );
  const mappings = joinHtml(
    data.mappings.map(
      (mapping) =>
        html`<tr>
          ${cell(tl(lang, 'accountVendor'), data.sourceName(mapping.vendor))}
          ${cell(tl(lang, 'groupRef'), mapping.patientGroupRef)}
          ${cell(tl(lang, 'groupPatientId'), mapping.patientId)}
          ${cell(tl(lang, 'groupPatientLabel'), mapping.patientLabel)}
        </tr>`,
    ),
    '\n',
  );
  return layout(
    lang,
    tl(lang, 'review'),
    html`<section class="tl">
      <h1 class="tl-heading">${tl(lang, 'review')}</h1>
      ${
        data.pending.length === 0
          ? html`<p>${tl(lang, 'reviewNone')}</p>`
          : html`<table class="tl-table">
              <thead>
                <tr>
                  <th>${tl(lang, 'reviewPractitioner')}</th>
                  <th>${tl(lang, 'accountVendor')}</th>
                  <th>${tl(lang, 'accountId')}</th>
                  <th>${tl(lang, 'reviewRequestedAt')}</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                ${pending}
              </tbody>
            </table>`
      }
      <h2>${tl(lang, 'groups')}</h2>
      <table class="tl-table">
        <thead>
          <tr>
            <th>${tl(lang, 'accountVendor')}</th>
            <th>${tl(lang, 'groupRef')}</th>
            <th>${tl(lang, 'groupPatientId')}</th>
            <th>${tl(lang, 'groupPatientLabel')}</th>
          </tr>
        </thead>
        <tbody>
          ${mappings}
        </tbody>
      </table>
      <form method="post" action="/timeline/patient-groups" class="tl-form">
        <label>${tl(lang, 'accountVendor')}${vendorSelect(data.vendors)}</label>
        <label>${tl(lang, 'groupRef')}<input name="group" required maxlength="200" /></label>
        <label>${tl(lang, 'groupPatientId')}<input name="patient" required maxlength="200" /></label>
        <label>${tl(lang, 'groupPatientLabel')}<input name="label" required maxlength="200" /></label>
        <button type="submit">${tl(lang, 'groupSave')}</button>
      </form>
      <nav class="tl-nav"><a href="/">${tl(lang, 'portalHome')}</a></nav>
    </section>`,
    timelineLayout,
  );
}
