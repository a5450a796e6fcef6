import { type Html, html, type Language, tokyoDateTime } from '@hcw/common';
import type { StoredWard } from './hospital-store.js';
import { renderInquiryCard } from './inquiry-card.js';
import type { ListedTransfers } from './list-transfers.js';
import {
  actionButton,
  inquiryStatusBadge,
  pick,
  requestStatusBadge,
  transferPage,
  type PageNotice,
} from './page-parts.js';
import type { TransferRequestView } from './read-transfer-request.js';
import { renderRequestForm } from './request-form.js';
import type { FormValues } from './form-values.js';
import { mainDiagnosisFor } from './main-diagnosis-for.js';
import { renderRequestSummary } from './request-summary.js';
import type { InputIssue } from './transfer-errors.js';
import type { FhirTransferBundle } from './transfer-fhir.js';
import { patientSummary } from './transfer-notifications.js';
import { tt } from './transfer-text.js';
import { attachmentPictures } from '../attachments/attachment-page.js';
import { isUuid } from '../patients/patient-access.js';

/** The start of the transfer search: an MSW's requests, a bed manager's inquiries and bed screen. */
export function renderOverviewPage(
  lang: Language,
  overview: ListedTransfers,
  roles: readonly string[],
  notice?: PageNotice,
): string {
  const parts: Html[] = [html`<h1>${tt(lang, 'transfersHome')}</h1>`];
  const isMsw = roles.includes('msw');
  const makesBackupBeds = !isMsw && roles.includes('practitioner');
  if (isMsw || makesBackupBeds) {
    const rows = overview.requests.map(
      (request) =>
        html`<li>
          <a href="/transfers/requests/${request.id}"
            >${pick(lang, patientSummary(request, request.requestingOrganisation))}</a
          >
          ${request.purpose === 'backup-bed' && html`<span class="badge">${tt(lang, 'backupBedBadge')}</span>`}
          ${requestStatusBadge(lang, request.status)}
          <span class="when">${tokyoDateTime(request.createdAt)} ・ ${request.createdByName}</span>
        </li>`,
    );
    const days = overview.daysToBed;
    parts.push(
      html`<section>
        <h2>${tt(lang, isMsw ? 'ourRequests' : 'ourBackupBeds')}</h2>
        ${
          isMsw
            ? html`<p>
                <a class="button primary" href="/transfers/requests/new">${tt(lang, 'newRequest')}</a>
              </p>`
            : html`<p class="hint">${tt(lang, 'backupBedFromRecord')}</p>`
        }
        <p class="days-to-bed">
          ${
            days.averageDays === null
              ? tt(lang, 'daysToBedNone')
              : tt(lang, 'daysToBed', {
                  average: String(days.averageDays),
                  longest: String(days.longestDays),
                  count: String(days.confirmed),
                })
          }
        </p>
        ${
          rows.length > 0
            ? html`<ul class="list">
                ${rows}
              </ul>`
            : html`<p>${tt(lang, 'noRequests')}</p>`
        }
      </section>`,
    );
  }
  if (roles.includes('bed-manager')) {
    if (overview.hospital) {
      const rows = overview.inquiries.map(
        ({ inquiry, request }) =>
          html`<li>
            <a href="/transfers/inquiries/${inquiry.id}"
              >${pick(lang, patientSummary(request, inquiry.hospitalOrganisation))}</a
            >
            ${inquiryStatusBadge(lang, inquiry.status)}
            <span class="when">${request.requestingOrganisation} ・ ${tokyoDateTime(inquiry.updatedAt)}</span>
          </li>`,
      );
      parts.push(
        html`<section>
          <h2>${overview.hospital.name}</h2>
          <p><a class="button primary big" href="/transfers/beds">${tt(lang, 'updateFreeBeds')}</a></p>
          <h3>${tt(lang, 'inquiriesToUs')}</h3>
          ${
            rows.length > 0
              ? html`<ul class="list">
                  ${rows}
                </ul>`
              : html`<p>${tt(lang, 'noInquiries')}</p>`
          }
        </section>`,
      );
    } else {
      parts.push(html`<p class="notice">${tt(lang, 'notAHospital')}</p>`);
    }
  }
  if (!isMsw && !makesBackupBeds && !roles.includes('bed-manager')) {
    parts.push(html`<p class="notice">${tt(lang, 'careTeamHint')}</p>`);
  }
  return transferPage(lang, tt(lang, 'transfersHome'), html`${parts}`, notice);
}

export function renderNewRequestPage(
  lang: Language,
  form: FormValues,
  issues: readonly InputIssue[],
): string {
  const isBackupBed = form.purpose?.[0] === 'backup-bed';
  const title = tt(lang, isBackupBed ? 'newBackupBed' : 'newRequest');
  return transferPage(
    lang,
    title,
    html`<h1>${title}</h1>
      <p class="lead">${tt(lang, isBackupBed ? 'newBackupBedLead' : 'newRequestLead')}</p>
      ${renderRequestForm(lang, form, issues)}`,
  );
}

export interface RequestPageOptions {
  view: TransferRequestView;
  /** For a bed manager: their hospital's wards, offered in the answer form. */
  wards: readonly StoredWard[];
  now: Date;
  notice?: PageNotice;
  /** Show only this inquiry (the inquiry page). */
  onlyInquiryId?: string;
}

/** A request with its needs and inquiries, as the viewer may see and act on them. */
/**
 * The request's photos and documents as pictures (a PDF page by page), what is withheld from this reader, and
 * for the requester the record's others to attach. No link leads to a file.
 */
function attachmentsSection(lang: Language, view: TransferRequestView): Html {
  const { request } = view;
  const { shown, withheld, addable } = view.attachments;
  if (request.patientId === null || !isUuid(request.patientId)) return html``;
  const figures = shown.map(
    (attachment) =>
      html`<figure class="attachment" data-attachment-id="${attachment.id}">
        ${attachmentPictures(
          (page) => `/transfers/requests/${request.id}/attachments/${attachment.id}/pages/${page}`,
          attachment,
          lang,
        )}
      </figure>`,
  );
  const addForm =
    addable.length > 0 &&
    html`<form method="post" action="/transfers/requests/${request.id}/attachments" class="attach-form">
      <fieldset class="unfiled-picker">
        <legend>${tt(lang, 'attachmentsAdd')}</legend>
        ${addable.map(
          (attachment) =>
            html`<label class="unfiled" data-attachment-id="${attachment.id}">
              <input type="checkbox" name="attachments" value="${attachment.id}" />
              ${
                attachment.pages > 0 &&
                html`<img
                  class="thumbnail"
                  src="/patients/${request.patientId}/attachments/${attachment.id}/pages/1"
                  alt=""
                  draggable="false"
                />`
              }
              <span>${tokyoDateTime(attachment.filedAt ?? attachment.receivedAt)}</span>
            </label>`,
        )}
      </fieldset>
      <p class="hint">${tt(lang, 'attachmentsAddHint')}</p>
      <p><button type="submit" class="button">${tt(lang, 'attachmentsAdd')}</button></p>
    </form>`;
  return html`<section class="attachments-section" id="attachments">
    <h2>${tt(lang, 'attachmentsHeading')}</h2>
    ${figures.length > 0 ? html`<div class="attachments">${figures}</div>` : withheld === 0 && html`<p>${tt(lang, 'attachmentsNone')}</p>`}
    ${withheld > 0 && html`<p class="notice" role="note">${tt(lang, 'attachmentsWithheld', { count: String(withheld) })}</p>`}
    ${addForm}
  </section>`;
}

export function renderRequestPage(lang: Language, options: RequestPageOptions): string {
  const { view, now } = options;
  const { request, viewer } = view;
  const inquiries = options.onlyInquiryId
    ? view.inquiries.filter((inquiry) => inquiry.id === options.onlyInquiryId)
    : view.inquiries;
  const actions: Html[] = [];
  if (viewer.kind === 'requester' && request.status === 'open') {
    actions.push(
      html`<a class="button primary" href="/transfers/requests/${request.id}/search"
        >${tt(lang, 'searchHospitals')}</a
      >`,
    );
  }
  if (viewer.kind === 'requester' && request.status !== 'cancelled') {
    actions.push(
      actionButton(`/transfers/requests/${request.id}/cancel`, tt(lang, 'cancelRequest'), 'danger'),
    );
  }
  actions.push(
    html`<a class="button secondary" href="/transfers/requests/${request.id}/fhir"
      >${tt(lang, 'fhirView')}</a
    >`,
  );
  const cards = inquiries.map((inquiry) =>
    renderInquiryCard({ lang, request, inquiry, events: view.events, viewer, wards: options.wards, now }),
  );
  const title = options.onlyInquiryId ? tt(lang, 'inquiryTitle') : tt(lang, 'requestTitle');
  const inquiriesHeading =
    !options.onlyInquiryId && html`<h2>${tt(lang, 'inquiries', { count: String(inquiries.length) })}</h2>`;
  const backToRequest =
    options.onlyInquiryId &&
    viewer.kind !== 'asked-hospital' &&
    html`<p><a href="/transfers/requests/${request.id}">${tt(lang, 'allInquiries')}</a></p>`;
  const requestedBy = tt(lang, 'requestedBy', {
    organisation: request.requestingOrganisation,
    name: request.createdByName,
    at: tokyoDateTime(request.createdAt),
  });
  return transferPage(
    lang,
    title,
    html`<h1>${title}</h1>
      <p class="lead">
        ${pick(lang, patientSummary(request, view.readerOrganisation))}
        ${requestStatusBadge(lang, request.status)}
      </p>
      <p class="who">${requestedBy}</p>
      <div class="actions">${actions}</div>
      <section class="needs">
        <h2>${tt(lang, 'patientNeeds')}</h2>
        ${renderRequestSummary(lang, request.details, mainDiagnosisFor(request, view.readerOrganisation))}
      </section>
      ${attachmentsSection(lang, view)}
      <section class="inquiries">
        ${inquiriesHeading}${backToRequest}
        ${cards.length > 0 ? cards : html`<p>${tt(lang, 'noInquiriesYet')}</p>`}
      </section>`,
    options.notice,
  );
}

/** The FHIR R4 resources of a request, shown as JSON on the page (never offered as a download). */
export function renderFhirPage(lang: Language, requestId: string, bundle: FhirTransferBundle): string {
  return transferPage(
    lang,
    tt(lang, 'fhirView'),
    html`<h1>${tt(lang, 'fhirView')}</h1>
      <p class="lead">${tt(lang, 'fhirLead')}</p>
      <p><a href="/transfers/requests/${requestId}">${tt(lang, 'backToRequest')}</a></p>
      <pre class="fhir-json">${JSON.stringify(bundle, null, 2)}</pre>`,
  );
}
