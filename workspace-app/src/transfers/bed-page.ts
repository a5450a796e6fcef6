import type { Language } from '../ui/i18n.js';
import {
  bedSexLabels,
  roomTypeLabels,
  wardFunctionLabels,
  wardTypeLabels,
  type BedSex,
  type RoomType,
} from './care-codes.js';
import { totalFreeBeds, type StoredWard } from './hospital-store.js';
import { e, pick, transferPage, updatedAtLabel, type PageNotice } from './page-parts.js';
import { tt } from './transfer-text.js';
import type { BedBoard } from './update-free-beds.js';

const sexes: readonly BedSex[] = ['male', 'female', 'any'];
const rooms: readonly RoomType[] = ['individual', 'shared'];

/** Form field names: maleIndividual, femaleShared, … */
export function bedFieldName(sex: BedSex, room: RoomType): string {
  return `${sex}${room === 'individual' ? 'Individual' : 'Shared'}`;
}

function stepper(lang: Language, name: string, value: number, max: number, label: string): string {
  return `<div class="stepper">
<button type="button" class="step" data-step="-1" data-target="${name}" aria-label="${e(tt(lang, 'oneLess', { what: label }))}">−</button>
<input type="number" name="${name}" value="${value}" min="0" max="${max}" inputmode="numeric" aria-label="${e(label)}">
<button type="button" class="step" data-step="1" data-target="${name}" aria-label="${e(tt(lang, 'oneMore', { what: label }))}">＋</button>
</div>`;
}

function wardCard(lang: Language, ward: StoredWard, now: Date, staleAfterHours: number): string {
  const isStale = now.getTime() - Date.parse(ward.freeBedsUpdatedAt) > staleAfterHours * 3_600_000;
  const header = rooms.map((room) => `<th scope="col">${e(pick(lang, roomTypeLabels[room]))}</th>`).join('');
  const rows = sexes
    .map((sex) => {
      const cells = rooms
        .map((room) => {
          const label = `${pick(lang, bedSexLabels[sex])} ${pick(lang, roomTypeLabels[room])}`;
          return `<td data-label="${e(pick(lang, roomTypeLabels[room]))}">${stepper(lang, bedFieldName(sex, room), ward.freeBeds[sex][room], ward.totalBeds, label)}</td>`;
        })
        .join('');
      return `<tr><th scope="row">${e(pick(lang, bedSexLabels[sex]))}</th>${cells}</tr>`;
    })
    .join('');
  const isolation =
    ward.isolationRooms.total > 0
      ? `<div class="isolation"><span>${e(tt(lang, 'freeIsolationRooms', { total: String(ward.isolationRooms.total) }))}</span>${stepper(lang, 'isolationFree', ward.isolationRooms.free, ward.isolationRooms.total, tt(lang, 'isolationRoom'))}</div>`
      : `<input type="hidden" name="isolationFree" value="0">`;
  return `<article class="ward-card${isStale ? ' is-stale' : ''}" id="ward-${e(ward.id)}">
<h2>${e(ward.name)} <small>${e(pick(lang, wardTypeLabels[ward.wardType]))}・${e(pick(lang, wardFunctionLabels[ward.wardFunction]))}・${e(tt(lang, 'bedsTotal', { beds: String(ward.totalBeds) }))}</small></h2>
<p>${updatedAtLabel(lang, ward.freeBedsUpdatedAt, isStale)}</p>
<form method="post" action="/transfers/beds/${e(ward.id)}" class="bed-form">
<input type="hidden" name="version" value="${ward.version}">
<table class="bed-grid"><thead><tr><td></td>${header}</tr></thead><tbody>${rows}</tbody></table>
<p class="hint">${e(tt(lang, 'isolationCountedInSingles'))}</p>
${isolation}
<p class="total">${e(tt(lang, 'freeTotal', { free: String(totalFreeBeds(ward.freeBeds)), beds: String(ward.totalBeds) }))}</p>
<button type="submit" class="button primary big">${e(tt(lang, 'saveFigures'))}</button>
</form>
</article>`;
}

/** The bed manager's one screen: every ward's free beds, changed or confirmed in a few taps. */
export function renderBedPage(
  lang: Language,
  board: BedBoard,
  now: Date,
  staleAfterHours: number,
  notice?: PageNotice,
): string {
  const holds = board.holds.map(
    (hold) =>
      `<li>${e(hold.wardName)} ・ ${e(hold.isIsolationRoom ? tt(lang, 'isolationRoom') : pick(lang, roomTypeLabels[hold.roomType]))}（${e(pick(lang, bedSexLabels[hold.bedSex]))}） ・ ${e(hold.requestingOrganisation)}${hold.admissionDate ? ` ・ ${e(tt(lang, 'admissionOn', { date: hold.admissionDate }))}` : ''} <a href="/transfers/inquiries/${e(hold.inquiryId)}">${e(tt(lang, 'openInquiry'))}</a></li>`,
  );
  return transferPage(
    lang,
    tt(lang, 'bedsTitle'),
    `<h1>${e(tt(lang, 'bedsTitle'))}: ${e(board.hospital.name)}</h1>
<p class="lead">${e(tt(lang, 'bedsLead', { hours: String(staleAfterHours) }))}</p>
${holds.length > 0 ? `<section class="holds"><h2>${e(tt(lang, 'heldBeds'))}</h2><ul class="list">${holds.join('')}</ul></section>` : ''}
${board.hospital.wards.map((ward) => wardCard(lang, ward, now, staleAfterHours)).join('\n')}`,
    notice,
  );
}
