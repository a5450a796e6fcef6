import { type Language } from '@hcw/common';
import type { CodeLabels } from '../validation/bilingual-fields.js';
import {
  behaviouralSymptomLabels,
  bedSexLabels,
  dementiaLevelLabels,
  independenceLevelLabels,
  infectionLabels,
  procedureLabels,
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
${profileForm(lang, ward)}
</article>`;
}

function checkboxes<Code extends string>(
  lang: Language,
  name: string,
  labels: CodeLabels<Code>,
  chosen: readonly string[],
): string {
  return (Object.keys(labels) as Code[])
    .map(
      (code) =>
        `<label class="choice"><input type="checkbox" name="${name}" value="${e(code)}"${chosen.includes(code) ? ' checked' : ''}> ${e(pick(lang, labels[code]))}</label>`,
    )
    .join('');
}

function options<Code extends string>(
  lang: Language,
  labels: CodeLabels<Code>,
  chosen: string | undefined,
  blank?: string,
): string {
  const rows = (Object.keys(labels) as Code[]).map(
    (code) =>
      `<option value="${e(code)}"${chosen === code ? ' selected' : ''}>${e(pick(lang, labels[code]))}</option>`,
  );
  return `${blank !== undefined ? `<option value="">${e(blank)}</option>` : ''}${rows.join('')}`;
}

function numberField(
  lang: Language,
  name: string,
  label: string,
  value: number | null | undefined,
  max: number,
): string {
  return `<label class="field">${e(label)} <input type="number" name="${name}" min="0" max="${max}" inputmode="numeric" value="${value ?? ''}"></label>`;
}

/** What the ward takes on, beside its free beds: the bed manager keeps all of it. */
function profileForm(lang: Language, ward: StoredWard): string {
  const infections = (Object.keys(infectionLabels) as (keyof typeof infectionLabels)[])
    .map((code) => {
      const accepted = ward.infectionsAccepted.find((infection) => infection.code === code);
      const value = accepted ? (accepted.needsIsolationRoom ? 'isolation' : 'yes') : '';
      const option = (v: string, text: string) =>
        `<option value="${v}"${value === v ? ' selected' : ''}>${e(text)}</option>`;
      return `<label class="field">${e(pick(lang, infectionLabels[code]))} <select name="infection-${code}">${option('', tt(lang, 'notAccepted'))}${option('yes', tt(lang, 'accepted'))}${option('isolation', tt(lang, 'acceptedInIsolation'))}</select></label>`;
    })
    .join('');
  const accepted = ward.patientsAccepted ?? {};
  const adlOptions = ['1', '2', '3']
    .map(
      (n) =>
        `<option value="${n}"${String(accepted.maxAdlCategory ?? '') === n ? ' selected' : ''}>${e(tt(lang, 'upToAdlCategory', { category: n }))}</option>`,
    )
    .join('');
  return `<details class="profile-form"><summary>${e(tt(lang, 'editProfile'))}</summary>
<form method="post" action="/transfers/beds/${e(ward.id)}/profile" class="ward-profile-form">
<input type="hidden" name="version" value="${ward.version}">
<fieldset><legend>${e(tt(lang, 'proceduresAccepted'))}</legend>${checkboxes(lang, 'proceduresAccepted', procedureLabels, ward.proceduresAccepted)}</fieldset>
<fieldset><legend>${e(tt(lang, 'infectionsAccepted'))}</legend>${infections}
${numberField(lang, 'isolationRoomsTotal', tt(lang, 'isolationRoomsTotal'), ward.isolationRooms.total, ward.totalBeds)}</fieldset>
<fieldset><legend>${e(tt(lang, 'dementiaAccepted'))}</legend>
<label class="field">${e(tt(lang, 'dementiaMaxLevel'))} <select name="dementiaMaxLevel">${options(lang, dementiaLevelLabels, ward.dementia.maxLevel)}</select></label>
${checkboxes(lang, 'behaviouralSymptomsAccepted', behaviouralSymptomLabels, ward.dementia.behaviouralSymptomsAccepted)}</fieldset>
<fieldset><legend>${e(tt(lang, 'patientsAccepted'))}</legend>
<label class="field">${e(tt(lang, 'maxAdlCategory'))} <select name="maxAdlCategory"><option value="">${e(tt(lang, 'noLimit'))}</option>${adlOptions}</select></label>
<label class="field">${e(tt(lang, 'maxIndependenceLevel'))} <select name="maxIndependenceLevel">${options(lang, independenceLevelLabels, accepted.maxIndependenceLevel, tt(lang, 'noLimit'))}</select></label>
${numberField(lang, 'minAge', tt(lang, 'minAge'), accepted.minAge, 120)}
${numberField(lang, 'maxAge', tt(lang, 'maxAge'), accepted.maxAge, 120)}</fieldset>
<fieldset><legend>${e(tt(lang, 'chargesAndStay'))}</legend>
${numberField(lang, 'chargeIndividual', tt(lang, 'chargeIndividual'), ward.extraRoomChargeYenPerDay.individual, 10_000_000)}
${numberField(lang, 'chargeShared', tt(lang, 'chargeShared'), ward.extraRoomChargeYenPerDay.shared, 10_000_000)}
${numberField(lang, 'maxStayDays', tt(lang, 'maxStayDaysField'), ward.maxStayDays, 3650)}
${numberField(lang, 'typicalWaitDays', tt(lang, 'typicalWaitDaysField'), ward.typicalWaitDays, 365)}</fieldset>
<button type="submit" class="button secondary">${e(tt(lang, 'saveProfile'))}</button>
</form></details>`;
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
