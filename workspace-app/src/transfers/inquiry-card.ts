import { type Language, toDatetimeLocal, tokyoDateTime } from '@hcw/common';
import { roomTypeLabels } from './care-codes.js';
import type { StoredWard } from './hospital-store.js';
import {
  answerableStatuses,
  closeReasonLabels,
  confirmableStatuses,
  declineReasonLabels,
  inquiryStatusLabels,
} from './inquiry-codes.js';
import { actionButton, definitionList, e, inquiryStatusBadge, pick } from './page-parts.js';
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

function thread(lang: Language, events: readonly InquiryEvent[]): string {
  if (events.length === 0) return '';
  const items = events.map((event) => {
    const status =
      event.kind === 'answered' || event.kind === 'closed'
        ? `: ${pick(lang, inquiryStatusLabels[event.statusAfter])}`
        : '';
    const body = event.body ? `<p class="body">${e(event.body).split('\n').join('<br>')}</p>` : '';
    return `<li class="event side-${event.side}"><p class="meta"><strong>${e(tt(lang, eventKindKeys[event.kind]))}${e(status)}</strong> ・ ${e(event.authorName)}（${e(event.authorOrganisation)}） ・ ${e(tokyoDateTime(event.occurredAt))}</p>${body}</li>`;
  });
  return `<ol class="thread">${items.join('')}</ol>`;
}

function answerFacts(lang: Language, inquiry: StoredInquiry, now: Date): string {
  const rows: [string, string][] = [[tt(lang, 'ward'), e(inquiry.wardName)]];
  if (inquiry.roomType) {
    rows.push([
      tt(lang, 'room'),
      e(inquiry.isIsolationRoom ? tt(lang, 'isolationRoom') : pick(lang, roomTypeLabels[inquiry.roomType])),
    ]);
  }
  if (inquiry.holdUntil) {
    const isExpired = Date.parse(inquiry.holdUntil) <= now.getTime();
    rows.push([
      tt(lang, 'holdUntil'),
      `${e(tokyoDateTime(inquiry.holdUntil))}${isExpired ? ` <strong class="badge stale">${e(tt(lang, 'expired'))}</strong>` : ''}`,
    ]);
  }
  if (inquiry.admissionDate) rows.push([tt(lang, 'admissionDate'), e(inquiry.admissionDate)]);
  if (inquiry.conditions) rows.push([tt(lang, 'conditions'), e(inquiry.conditions)]);
  if (inquiry.status === 'declined' && inquiry.declineReason) {
    rows.push([tt(lang, 'declineReason'), e(pick(lang, declineReasonLabels[inquiry.declineReason]))]);
  }
  if (inquiry.closeReason)
    rows.push([tt(lang, 'closeReason'), e(pick(lang, closeReasonLabels[inquiry.closeReason]))]);
  rows.push([tt(lang, 'sentAt'), e(tokyoDateTime(inquiry.sentAt))]);
  return definitionList(rows);
}

function answerForm(lang: Language, inquiry: StoredInquiry, wards: readonly StoredWard[], now: Date): string {
  const radio = (value: string, key: TransferTextKey, isChecked = false) =>
    `<label class="choice"><input type="radio" name="answer" value="${value}"${isChecked ? ' checked' : ''} required> ${e(tt(lang, key))}</label>`;
  const wardOptions = wards
    .map(
      (ward) =>
        `<option value="${e(ward.id)}"${ward.id === inquiry.wardId ? ' selected' : ''}>${e(ward.name)}</option>`,
    )
    .join('');
  const roomOptions = (Object.keys(roomTypeLabels) as (keyof typeof roomTypeLabels)[])
    .map(
      (room) =>
        `<option value="${room}"${(inquiry.roomType ?? 'shared') === room ? ' selected' : ''}>${e(pick(lang, roomTypeLabels[room]))}</option>`,
    )
    .join('');
  const reasonOptions = (Object.keys(declineReasonLabels) as (keyof typeof declineReasonLabels)[])
    .map((reason) => `<option value="${reason}">${e(pick(lang, declineReasonLabels[reason]))}</option>`)
    .join('');
  const defaultHold = toDatetimeLocal(new Date(now.getTime() + 24 * 3_600_000));
  return `<form method="post" action="/transfers/inquiries/${e(inquiry.id)}/answer" class="answer-form">
<h3>${e(tt(lang, 'answerTitle'))}</h3>
<div class="choices answer-kinds">${radio('accept', 'answerAccept')}${radio('conditional', 'answerConditional')}${radio('decline', 'answerDecline')}${radio('needs-information', 'answerNeedsInformation')}</div>
<fieldset class="answer-part part-offer"><legend>${e(tt(lang, 'offerPart'))}</legend>
<div class="field"><label for="wardId-${e(inquiry.id)}">${e(tt(lang, 'ward'))}</label><select name="wardId" id="wardId-${e(inquiry.id)}">${wardOptions}</select></div>
<div class="field"><label for="roomType-${e(inquiry.id)}">${e(tt(lang, 'room'))}</label><select name="roomType" id="roomType-${e(inquiry.id)}">${roomOptions}</select></div>
<div class="field"><label for="holdUntil-${e(inquiry.id)}">${e(tt(lang, 'holdUntil'))}</label><input type="datetime-local" name="holdUntil" id="holdUntil-${e(inquiry.id)}" value="${defaultHold}"></div>
<div class="field"><label for="admissionDate-${e(inquiry.id)}">${e(tt(lang, 'admissionDate'))}</label><input type="date" name="admissionDate" id="admissionDate-${e(inquiry.id)}"><p class="hint">${e(tt(lang, 'admissionDateHint'))}</p></div>
<div class="field"><label for="conditions-${e(inquiry.id)}">${e(tt(lang, 'conditionsIfAny'))}</label><textarea name="conditions" id="conditions-${e(inquiry.id)}" rows="2" maxlength="2000"></textarea></div>
</fieldset>
<fieldset class="answer-part part-decline"><legend>${e(tt(lang, 'declinePart'))}</legend>
<div class="field"><label for="reason-${e(inquiry.id)}">${e(tt(lang, 'declineReason'))}</label><select name="reason" id="reason-${e(inquiry.id)}">${reasonOptions}</select></div>
</fieldset>
<div class="field"><label for="note-${e(inquiry.id)}">${e(tt(lang, 'answerNote'))}</label><textarea name="note" id="note-${e(inquiry.id)}" rows="2" maxlength="2000"></textarea></div>
<p><button type="submit" class="button primary">${e(tt(lang, 'sendAnswer'))}</button></p>
</form>`;
}

function messageForm(lang: Language, inquiry: StoredInquiry): string {
  return `<form method="post" action="/transfers/inquiries/${e(inquiry.id)}/messages" class="message-form">
<label for="text-${e(inquiry.id)}">${e(tt(lang, 'writeMessage'))}</label>
<textarea name="text" id="text-${e(inquiry.id)}" rows="2" maxlength="2000" required></textarea>
<button type="submit" class="button secondary">${e(tt(lang, 'sendMessage'))}</button>
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
export function renderInquiryCard(options: InquiryCardOptions): string {
  const { lang, request, inquiry, viewer, now } = options;
  const events = options.events.filter((event) => event.inquiryId === inquiry.id);
  const isOpenRequest = request.status === 'open';
  const actions: string[] = [];
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
  return `<article class="inquiry" id="inquiry-${e(inquiry.id)}">
<h3><a href="/transfers/inquiries/${e(inquiry.id)}">${e(inquiry.hospitalName)}</a> ${inquiryStatusBadge(lang, inquiry.status)}</h3>
${answerFacts(lang, inquiry, now)}
${actions.length > 0 ? `<div class="actions">${actions.join('')}</div>` : ''}
${thread(lang, events)}
${canAnswer ? answerForm(lang, inquiry, options.wards, now) : ''}
${canWrite ? messageForm(lang, inquiry) : ''}
</article>`;
}
