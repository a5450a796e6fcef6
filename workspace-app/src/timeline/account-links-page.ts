import { type Language } from '@hcw/common';
import { escapeHtml as h } from '../ui/i18n.js';
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
function cell(label: string, html: string, className?: string): string {
  return `<td data-label="${h(label)}"${className ? ` class="${className}"` : ''}>${html}</td>`;
}

function vendorSelect(vendors: VendorChoice[]): string {
  return `<select name="vendor" required>${vendors
    .map((vendor) => `<option value="${h(vendor.id)}">${h(vendor.name)}</option>`)
    .join('')}</select>`;
}

/** A practitioner's own vendor accounts: what is linked, what awaits confirmation, and a form to add one. */
export function renderAccountsPage(
  lang: Language,
  data: { links: AccountLink[]; vendors: VendorChoice[]; sourceName(id: string): string },
): string {
  const rows = data.links
    .map(
      (link) => `<tr>${cell(tl(lang, 'accountVendor'), h(data.sourceName(link.vendor)))}${cell(
        tl(lang, 'accountId'),
        h(link.vendorAccount),
      )}
${cell(tl(lang, 'accountStatus'), h(tl(lang, link.status === 'confirmed' ? 'accountConfirmed' : 'accountPending')), `tl-status-${link.status}`)}
<td class="tl-cell-actions"><form method="post" action="/timeline/accounts/remove" class="tl-inline-form">
<input type="hidden" name="vendor" value="${h(link.vendor)}">
<input type="hidden" name="account" value="${h(link.vendorAccount)}">
<button type="submit" class="tl-secondary">${h(tl(lang, 'accountRemove'))}</button></form></td></tr>`,
    )
    .join('\n');
  const table =
    data.links.length === 0
      ? `<p>${h(tl(lang, 'accountNone'))}</p>`
      : `<table class="tl-table"><thead><tr><th>${h(tl(lang, 'accountVendor'))}</th><th>${h(
          tl(lang, 'accountId'),
        )}</th><th>${h(tl(lang, 'accountStatus'))}</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
  return layout(
    lang,
    tl(lang, 'accounts'),
    `<section class="tl">
<h1 class="tl-heading">${h(tl(lang, 'accounts'))}</h1>
<p>${h(tl(lang, 'accountsLead'))}</p>
${table}
<form method="post" action="/timeline/accounts" class="tl-form">
<label>${h(tl(lang, 'accountVendor'))}${vendorSelect(data.vendors)}</label>
<label>${h(tl(lang, 'accountId'))}<input name="account" required maxlength="200"></label>
<button type="submit">${h(tl(lang, 'accountAdd'))}</button>
</form>
<nav class="tl-nav"><a href="/timeline">${h(tl(lang, 'backToTimeline'))}</a></nav>
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
  const pending = data.pending
    .map(
      (link) => `<tr>${cell(tl(lang, 'reviewPractitioner'), h(link.practitionerId))}${cell(
        tl(lang, 'accountVendor'),
        h(data.sourceName(link.vendor)),
      )}${cell(tl(lang, 'accountId'), h(link.vendorAccount))}${cell(
        tl(lang, 'reviewRequestedAt'),
        h(formatTokyoTime(lang, link.requestedAt)),
      )}
<td class="tl-cell-actions"><form method="post" action="/timeline/accounts/confirm" class="tl-inline-form">
<input type="hidden" name="practitioner" value="${h(link.practitionerId)}">
<input type="hidden" name="vendor" value="${h(link.vendor)}">
<input type="hidden" name="account" value="${h(link.vendorAccount)}">
<button type="submit">${h(tl(lang, 'reviewConfirm'))}</button></form></td></tr>`,
    )
    .join('\n');
  const mappings = data.mappings
    .map(
      (mapping) =>
        `<tr>${cell(tl(lang, 'accountVendor'), h(data.sourceName(mapping.vendor)))}${cell(
          tl(lang, 'groupRef'),
          h(mapping.patientGroupRef),
        )}${cell(tl(lang, 'groupPatientId'), h(mapping.patientId))}${cell(
          tl(lang, 'groupPatientLabel'),
          h(mapping.patientLabel),
        )}</tr>`,
    )
    .join('\n');
  return layout(
    lang,
    tl(lang, 'review'),
    `<section class="tl">
<h1 class="tl-heading">${h(tl(lang, 'review'))}</h1>
${
  data.pending.length === 0
    ? `<p>${h(tl(lang, 'reviewNone'))}</p>`
    : `<table class="tl-table"><thead><tr><th>${h(tl(lang, 'reviewPractitioner'))}</th><th>${h(
        tl(lang, 'accountVendor'),
      )}</th><th>${h(tl(lang, 'accountId'))}</th><th>${h(tl(lang, 'reviewRequestedAt'))}</th><th></th></tr></thead><tbody>${pending}</tbody></table>`
}
<h2>${h(tl(lang, 'groups'))}</h2>
<table class="tl-table"><thead><tr><th>${h(tl(lang, 'accountVendor'))}</th><th>${h(tl(lang, 'groupRef'))}</th><th>${h(
      tl(lang, 'groupPatientId'),
    )}</th><th>${h(tl(lang, 'groupPatientLabel'))}</th></tr></thead><tbody>${mappings}</tbody></table>
<form method="post" action="/timeline/patient-groups" class="tl-form">
<label>${h(tl(lang, 'accountVendor'))}${vendorSelect(data.vendors)}</label>
<label>${h(tl(lang, 'groupRef'))}<input name="group" required maxlength="200"></label>
<label>${h(tl(lang, 'groupPatientId'))}<input name="patient" required maxlength="200"></label>
<label>${h(tl(lang, 'groupPatientLabel'))}<input name="label" required maxlength="200"></label>
<button type="submit">${h(tl(lang, 'groupSave'))}</button>
</form>
<nav class="tl-nav"><a href="/">${h(tl(lang, 'portalHome'))}</a></nav>
</section>`,
    timelineLayout,
  );
}
