import { type Html, html, type Language } from '@hcw/common';
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
import { pick, transferPage, updatedAtLabel, type PageNotice } from './page-parts.js';
import { tt } from './transfer-text.js';
import type { BedBoard } from './update-free-beds.js';

const sexes: readonly BedSex[] = ['male', 'female', 'any'];
const rooms: readonly RoomType[] = ['individual', 'shared'];

/** Form field names: maleIndividual, femaleShared, … */
export function bedFieldName(sex: BedSex, room: RoomType): string {
  return `${sex}${room === 'individual' ? 'Individual' : 'Shared'}`;
}

function stepper(lang: Language, name: string, value: number, max: number, label: string): Html {
  // Kept as written: formatted, each long tag would have one attribute a line.
  // prettier-ignore
  return html`<div class="stepper">
<button type="button" class="step" data-step="-1" data-target="${name}" aria-label="${tt(lang, 'oneLess', { what: label })}">−</button>
<input type="number" name="${name}" value="${value}" min="0" max="${max}" inputmode="numeric" aria-label="${label}">
<button type="button" class="step" data-step="1" data-target="${name}" aria-label="${tt(lang, 'oneMore', { what: label })}">＋</button>
</div>`;
}

function wardCard(lang: Language, ward: StoredWard, now: Date, staleAfterHours: number): Html {
  const isStale = now.getTime() - Date.parse(ward.freeBedsUpdatedAt) > staleAfterHours * 3_600_000;
  const header = rooms.map((room) => html`<th scope="col">${pick(lang, roomTypeLabels[room])}</th>`);
  const rows = sexes.map((sex) => {
    const cells = rooms.map((room) => {
      const label = `${pick(lang, bedSexLabels[sex])} ${pick(lang, roomTypeLabels[room])}`;
      return html`<td data-label="${pick(lang, roomTypeLabels[room])}">
        ${stepper(lang, bedFieldName(sex, room), ward.freeBeds[sex][room], ward.totalBeds, label)}
      </td>`;
    });
    return html`<tr>
      <th scope="row">${pick(lang, bedSexLabels[sex])}</th>
      ${cells}
    </tr>`;
  });
  const isolation =
    ward.isolationRooms.total > 0
      ? html`<div class="isolation">
          <span>${tt(lang, 'freeIsolationRooms', { total: String(ward.isolationRooms.total) })}</span
          >${stepper(lang, 'isolationFree', ward.isolationRooms.free, ward.isolationRooms.total, tt(lang, 'isolationRoom'))}
        </div>`
      : html`<input type="hidden" name="isolationFree" value="0" />`;
  const freeTotal = tt(lang, 'freeTotal', {
    free: String(totalFreeBeds(ward.freeBeds)),
    beds: String(ward.totalBeds),
  });
  return html`<article class="ward-card${isStale && ' is-stale'}" id="ward-${ward.id}">
    <h2>
      ${ward.name}
      <small
        >${pick(lang, wardTypeLabels[ward.wardType])}・${pick(lang, wardFunctionLabels[ward.wardFunction])}・${tt(lang, 'bedsTotal', { beds: String(ward.totalBeds) })}</small
      >
    </h2>
    <p>${updatedAtLabel(lang, ward.freeBedsUpdatedAt, isStale)}</p>
    <form method="post" action="/transfers/beds/${ward.id}" class="bed-form">
      <input type="hidden" name="version" value="${ward.version}" />
      <table class="bed-grid">
        <thead>
          <tr>
            <td></td>
            ${header}
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
      <p class="hint">${tt(lang, 'isolationCountedInSingles')}</p>
      ${isolation}
      <p class="total">${freeTotal}</p>
      <button type="submit" class="button primary big">${tt(lang, 'saveFigures')}</button>
    </form>
    ${profileForm(lang, ward)}
  </article>`;
}

function checkboxes<Code extends string>(
  lang: Language,
  name: string,
  labels: CodeLabels<Code>,
  chosen: readonly string[],
): Html[] {
  return (Object.keys(labels) as Code[]).map(
    (code) =>
      html`<label class="choice"
        ><input type="checkbox" name="${name}" value="${code}" ${chosen.includes(code) && html`checked`} />
        ${pick(lang, labels[code])}</label
      >`,
  );
}

function options<Code extends string>(
  lang: Language,
  labels: CodeLabels<Code>,
  chosen: string | undefined,
  blank?: string,
): Html {
  const rows = (Object.keys(labels) as Code[]).map(
    (code) =>
      html`<option value="${code}" ${chosen === code && html`selected`}>${pick(lang, labels[code])}</option>`,
  );
  return html`${blank !== undefined && html`<option value="">${blank}</option>`}${rows}`;
}

function numberField(
  lang: Language,
  name: string,
  label: string,
  value: number | null | undefined,
  max: number,
): Html {
  return html`<label class="field"
    >${label}
    <input type="number" name="${name}" min="0" max="${max}" inputmode="numeric" value="${value ?? ''}"
  /></label>`;
}

/** What the ward takes on, beside its free beds: the bed manager keeps all of it. */
function profileForm(lang: Language, ward: StoredWard): Html {
  const infections = (Object.keys(infectionLabels) as (keyof typeof infectionLabels)[]).map((code) => {
    const accepted = ward.infectionsAccepted.find((infection) => infection.code === code);
    const value = accepted ? (accepted.needsIsolationRoom ? 'isolation' : 'yes') : '';
    const option = (v: string, text: string) =>
      html`<option value="${v}" ${value === v && html`selected`}>${text}</option>`;
    return html`<label class="field"
      >${pick(lang, infectionLabels[code])}
      <select name="infection-${code}">
        ${option('', tt(lang, 'notAccepted'))}${option('yes', tt(lang, 'accepted'))}${option('isolation', tt(lang, 'acceptedInIsolation'))}
      </select></label
    >`;
  });
  const accepted = ward.patientsAccepted ?? {};
  const adlOptions = ['1', '2', '3'].map(
    (n) =>
      html`<option value="${n}" ${String(accepted.maxAdlCategory ?? '') === n && html`selected`}>
        ${tt(lang, 'upToAdlCategory', { category: n })}
      </option>`,
  );
  return html`<details class="profile-form">
    <summary>${tt(lang, 'editProfile')}</summary>
    <form method="post" action="/transfers/beds/${ward.id}/profile" class="ward-profile-form">
      <input type="hidden" name="version" value="${ward.version}" />
      <fieldset>
        <legend>${tt(lang, 'proceduresAccepted')}</legend>
        ${checkboxes(lang, 'proceduresAccepted', procedureLabels, ward.proceduresAccepted)}
      </fieldset>
      <fieldset>
        <legend>${tt(lang, 'infectionsAccepted')}</legend>
        ${infections}
        ${numberField(lang, 'isolationRoomsTotal', tt(lang, 'isolationRoomsTotal'), ward.isolationRooms.total, ward.totalBeds)}
      </fieldset>
      <fieldset>
        <legend>${tt(lang, 'dementiaAccepted')}</legend>
        <label class="field"
          >${tt(lang, 'dementiaMaxLevel')}
          <select name="dementiaMaxLevel">
            ${options(lang, dementiaLevelLabels, ward.dementia.maxLevel)}
          </select></label
        >
        ${checkboxes(lang, 'behaviouralSymptomsAccepted', behaviouralSymptomLabels, ward.dementia.behaviouralSymptomsAccepted)}
      </fieldset>
      <fieldset>
        <legend>${tt(lang, 'patientsAccepted')}</legend>
        <label class="field"
          >${tt(lang, 'maxAdlCategory')}
          <select name="maxAdlCategory">
            <option value="">${tt(lang, 'noLimit')}</option>
            ${adlOptions}
          </select></label
        >
        <label class="field"
          >${tt(lang, 'maxIndependenceLevel')}
          <select name="maxIndependenceLevel">
            ${options(lang, independenceLevelLabels, accepted.maxIndependenceLevel, tt(lang, 'noLimit'))}
          </select></label
        >
        ${numberField(lang, 'minAge', tt(lang, 'minAge'), accepted.minAge, 120)}
        ${numberField(lang, 'maxAge', tt(lang, 'maxAge'), accepted.maxAge, 120)}
      </fieldset>
      <fieldset>
        <legend>${tt(lang, 'chargesAndStay')}</legend>
        ${numberField(lang, 'chargeIndividual', tt(lang, 'chargeIndividual'), ward.extraRoomChargeYenPerDay.individual, 10_000_000)}
        ${numberField(lang, 'chargeShared', tt(lang, 'chargeShared'), ward.extraRoomChargeYenPerDay.shared, 10_000_000)}
        ${numberField(lang, 'maxStayDays', tt(lang, 'maxStayDaysField'), ward.maxStayDays, 3650)}
        ${numberField(lang, 'typicalWaitDays', tt(lang, 'typicalWaitDaysField'), ward.typicalWaitDays, 365)}
      </fieldset>
      <button type="submit" class="button secondary">${tt(lang, 'saveProfile')}</button>
    </form>
  </details>`;
}

/** The bed manager's one screen: every ward's free beds, changed or confirmed in a few taps. */
export function renderBedPage(
  lang: Language,
  board: BedBoard,
  now: Date,
  staleAfterHours: number,
  notice?: PageNotice,
): string {
  const holds = board.holds.map((hold) => {
    const room = hold.isIsolationRoom ? tt(lang, 'isolationRoom') : pick(lang, roomTypeLabels[hold.roomType]);
    const admission =
      hold.admissionDate && html` ・ ${tt(lang, 'admissionOn', { date: hold.admissionDate })}`;
    return html`<li>
      ${hold.wardName} ・ ${room}（${pick(lang, bedSexLabels[hold.bedSex])}） ・
      ${hold.requestingOrganisation}${admission}
      <a href="/transfers/inquiries/${hold.inquiryId}">${tt(lang, 'openInquiry')}</a>
    </li>`;
  });
  return transferPage(
    lang,
    tt(lang, 'bedsTitle'),
    html`<h1>${tt(lang, 'bedsTitle')}: ${board.hospital.name}</h1>
      <p class="lead">${tt(lang, 'bedsLead', { hours: String(staleAfterHours) })}</p>
      ${
        holds.length > 0 &&
        html`<section class="holds">
          <h2>${tt(lang, 'heldBeds')}</h2>
          <ul class="list">
            ${holds}
          </ul>
        </section>`
      }
      ${board.hospital.wards.map((ward) => wardCard(lang, ward, now, staleAfterHours))}`,
    notice,
  );
}
