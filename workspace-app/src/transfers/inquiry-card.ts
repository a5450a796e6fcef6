import { type Html, html, type HtmlValue, type Language, toDatetimeLocal, tokyoDateTime } from '@hcw/common';
import { roomTypeLabels } from './care-codes.js';
import type { StoredWard } from './hospital-store.js';
import {
  answerableStatuses,
  closeReasonLabels,
  confirmableStatuses,
  declineReasonLabels,
  inquiryStatusLabels,
} from './inquiry-codes.js';
import { actionButton, definitionList, inquiryStatusBadge, pick, withLineBreaks } from './page-parts.js';
import type { RequestViewer } from './transfer-access.js';
import type { InquiryEvent, StoredInquiry, StoredRequest } from './transfer-store.js';
import { tt, type TransferTextKey } from './transfer-text.js';

const eventKindKeys: Readonly<Record<InquiryEvent['kind'], TransferTextKey>> = {
  sent: 'eventSent',
  answered: 'eventAnswered',
  message: 'eventMessage',
  confirmed: 'eventConfirmed',
  closed: 'eventClosed',
  released: 'eventReleased',
};

function thread(lang: Language, events: readonly InquiryEvent[]): Html {
  if (events.length === 0) return html``;
  const items = events.map((event) => {
    const status =
      event.kind === 'answered' || event.kind === 'closed'
        ? `: ${pick(lang, inquiryStatusLabels[event.statusAfter])}`
        : '';
    const body = event.body && html`<p class="body">${withLineBreaks(event.body)}</p>`;
    return html`<li class="event side-${event.side}">
      <p class="meta">
        <strong>${tt(lang, eventKindKeys[event.kind])}${status}</strong> ・
        ${event.authorName}（${event.authorOrganisation}） ・ ${tokyoDateTime(event.occurredAt)}
      </p>
      ${body}
    </li>`;
  });
  return html`<ol class="thread">
    ${items}
  </ol>`;
}

function answerFacts(lang: Language, inquiry: StoredInquiry, now: Date): Html {
  const rows: [string, HtmlValue][] = [[tt(lang, 'ward'), inquiry.wardName]];
  if (inquiry.roomType) {
    rows.push([
      tt(lang, 'room'),
      inquiry.isIsolationRoom ? tt(lang, 'isolationRoom') : pick(lang, roomTypeLabels[inquiry.roomType]),
    ]);
  }
  if (inquiry.holdUntil) {
    const isExpired = Date.parse(inquiry.holdUntil) <= now.getTime();
    rows.push([
      tt(lang, 'holdUntil'),
      html`${tokyoDateTime(inquiry.holdUntil)}${isExpired && html` <strong class="badge stale">${tt(lang, 'expired')}</strong>`}`,
    ]);
  }
  if (inquiry.admissionDate) rows.push([tt(lang, 'admissionDate'), inquiry.admissionDate]);
  if (inquiry.conditions) rows.push([tt(lang, 'conditions'), inquiry.conditions]);
  if (inquiry.status === 'declined' && inquiry.declineReason) {
    rows.push([tt(lang, 'declineReason'), pick(lang, declineReasonLabels[inquiry.declineReason])]);
  }
  if (inquiry.closeReason)
    rows.push([tt(lang, 'closeReason'), pick(lang, closeReasonLabels[inquiry.closeReason])]);
  rows.push([tt(lang, 'sentAt'), tokyoDateTime(inquiry.sentAt)]);
  return definitionList(rows);
}

function answerForm(lang: Language, inquiry: StoredInquiry, wards: readonly StoredWard[], now: Date): Html {
  const radio = (value: string, key: TransferTextKey, isChecked = false) =>
    html`<label class="choice"
      ><input type="radio" name="answer" value="${value}" ${isChecked && html`checked`} required />
      ${tt(lang, key)}</label
    >`;
  const wardOptions = wards.map(
    (ward) =>
      html`<option value="${ward.id}" ${ward.id === inquiry.wardId && html`selected`}>${ward.name}</option>`,
  );
  const roomOptions = (Object.keys(roomTypeLabels) as (keyof typeof roomTypeLabels)[]).map(
    (room) =>
      html`<option value="${room}" ${(inquiry.roomType ?? 'shared') === room && html`selected`}>
        ${pick(lang, roomTypeLabels[room])}
      </option>`,
  );
  const reasonOptions = (Object.keys(declineReasonLabels) as (keyof typeof declineReasonLabels)[]).map(
    (reason) => html`<option value="${reason}">${pick(lang, declineReasonLabels[reason])}</option>`,
  );
  const defaultHold = toDatetimeLocal(new Date(now.getTime() + 24 * 3_600_000));
  const id = inquiry.id;
  return html`<form method="post" action="/transfers/inquiries/${id}/answer" class="answer-form">
    <h3>${tt(lang, 'answerTitle')}</h3>
    <div class="choices answer-kinds">
      ${radio('accept', 'answerAccept')}${radio('conditional', 'answerConditional')}${radio('decline', 'answerDecline')}${radio('needs-information', 'answerNeedsInformation')}
    </div>
    <fieldset class="answer-part part-offer">
      <legend>${tt(lang, 'offerPart')}</legend>
      <div class="field">
        <label for="wardId-${id}">${tt(lang, 'ward')}</label
        ><select name="wardId" id="wardId-${id}">
          ${wardOptions}
        </select>
      </div>
      <div class="field">
        <label for="roomType-${id}">${tt(lang, 'room')}</label
        ><select name="roomType" id="roomType-${id}">
          ${roomOptions}
        </select>
      </div>
      <div class="field">
        <label for="holdUntil-${id}">${tt(lang, 'holdUntil')}</label
        ><input type="datetime-local" name="holdUntil" id="holdUntil-${id}" value="${defaultHold}" />
      </div>
      <div class="field">
        <label for="admissionDate-${id}">${tt(lang, 'admissionDate')}</label
        ><input type="date" name="admissionDate" id="admissionDate-${id}" />
        <p class="hint">${tt(lang, 'admissionDateHint')}</p>
      </div>
      <div class="field">
        <label for="conditions-${id}">${tt(lang, 'conditionsIfAny')}</label
        ><textarea name="conditions" id="conditions-${id}" rows="2" maxlength="2000"></textarea>
      </div>
    </fieldset>
    <fieldset class="answer-part part-decline">
      <legend>${tt(lang, 'declinePart')}</legend>
      <div class="field">
        <label for="reason-${id}">${tt(lang, 'declineReason')}</label
        ><select name="reason" id="reason-${id}">
          ${reasonOptions}
        </select>
      </div>
    </fieldset>
    <div class="field">
      <label for="note-${id}">${tt(lang, 'answerNote')}</label
      ><textarea name="note" id="note-${id}" rows="2" maxlength="2000"></textarea>
    </div>
    <p><button type="submit" class="button primary">${tt(lang, 'sendAnswer')}</button></p>
  </form>`;
}

function messageForm(lang: Language, inquiry: StoredInquiry): Html {
  return html`<form method="post" action="/transfers/inquiries/${inquiry.id}/messages" class="message-form">
    <label for="text-${inquiry.id}">${tt(lang, 'writeMessage')}</label>
    <textarea name="text" id="text-${inquiry.id}" rows="2" maxlength="2000" required></textarea>
    <button type="submit" class="button secondary">${tt(lang, 'sendMessage')}</button>
  </form>`;
}

export interface InquiryCardOptions {
  lang: Language;
  request: StoredRequest;
  inquiry: StoredInquiry;
  events: readonly InquiryEvent[];
  viewer: RequestViewer;
  /** The asked hospital's wards, to offer another ward in the answer. */
  wards: readonly StoredWard[];
  now: Date;
}

/** One inquiry: the answer so far, its thread, and what the viewer can do next. */
export function renderInquiryCard(options: InquiryCardOptions): Html {
  const { lang, request, inquiry, viewer, now } = options;
  const events = options.events.filter((event) => event.inquiryId === inquiry.id);
  const isOpenRequest = request.status === 'open';
  const actions: Html[] = [];
  if (viewer.kind === 'requester') {
    const isOfferLive =
      confirmableStatuses.includes(inquiry.status) &&
      inquiry.holdUntil !== null &&
      Date.parse(inquiry.holdUntil) > now.getTime();
    if (isOpenRequest && isOfferLive) {
      actions.push(actionButton(`/transfers/inquiries/${inquiry.id}/confirm`, tt(lang, 'confirmHospital')));
    }
    if (isOpenRequest && inquiry.status !== 'closed' && inquiry.status !== 'confirmed') {
      actions.push(
        actionButton(`/transfers/inquiries/${inquiry.id}/withdraw`, tt(lang, 'withdrawInquiry'), 'secondary'),
      );
    }
  }
  const canAnswer =
    viewer.kind === 'asked-hospital' && isOpenRequest && answerableStatuses.includes(inquiry.status);
  const canWrite = viewer.kind !== 'care-team' && inquiry.status !== 'closed';
  return html`<article class="inquiry" id="inquiry-${inquiry.id}">
    <h3>
      <a href="/transfers/inquiries/${inquiry.id}">${inquiry.hospitalName}</a>
      ${inquiryStatusBadge(lang, inquiry.status)}
    </h3>
    ${answerFacts(lang, inquiry, now)} ${actions.length > 0 && html`<div class="actions">${actions}</div>`}
    ${thread(lang, events)} ${canAnswer && answerForm(lang, inquiry, options.wards, now)}
    ${canWrite && messageForm(lang, inquiry)}
  </article>`;
}
