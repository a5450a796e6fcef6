import { type Html, html, type Language } from '@hcw/common';
import { roomTypeLabels, wardFunctionLabels, wardTypeLabels } from './care-codes.js';
import {
  pick,
  requestStatusBadge,
  transferPage,
  updatedAtLabel,
  inquiryStatusBadge,
  type PageNotice,
} from './page-parts.js';
import type { MatchReason } from './rank-hospitals.js';
import { renderMapLegend, renderMunicipalityList, renderSchematicMap } from './schematic-map.js';
import type { SearchFilters, SearchHit, TransferSearchResult } from './search-transfer-hospitals.js';
import { careAreaLabels, tokyoAreas, type MunicipalityId } from './tokyo-areas.js';
import type { StoredRequest } from './transfer-store.js';
import { tt } from './transfer-text.js';
import { patientSummary } from './transfer-notifications.js';

const waitChoices = [3, 7, 14, 30];

/** The filters as the page's query string carries them (`area`, `municipality`, `wardType`, `maxWait`, `fresh`). */
export function searchFiltersFromQuery(query: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const list = (value: unknown): string[] =>
    (Array.isArray(value) ? value : [value]).filter(
      (item): item is string => typeof item === 'string' && item !== '',
    );
  const one = (value: unknown): string | undefined => list(value)[0];
  const number = (value: unknown): number | string | undefined => {
    const text = one(value);
    if (text === undefined) return undefined;
    return /^\d+$/.test(text) ? Number(text) : text;
  };
  const filters: Record<string, unknown> = {
    areaIds: list(query.area),
    wardTypes: list(query.wardType),
    isFreshOnly: one(query.fresh) === '1',
  };
  const municipality = one(query.municipality);
  if (municipality !== undefined) filters.municipalityId = municipality;
  const maxWait = number(query.maxWait);
  if (maxWait !== undefined) filters.maxWaitDays = maxWait;
  const limit = number(query.limit);
  if (limit !== undefined) filters.matchLimit = limit;
  return filters;
}

const defaultMatchLimit = 50;

export function searchQueryOf(
  filters: SearchFilters,
  overrides: { municipalityId?: MunicipalityId | null; matchLimit?: number } = {},
): string {
  const params = new URLSearchParams();
  for (const area of filters.areaIds) params.append('area', area);
  const municipality =
    overrides.municipalityId === undefined ? filters.municipalityId : overrides.municipalityId;
  if (municipality) params.set('municipality', municipality);
  for (const type of filters.wardTypes) params.append('wardType', type);
  if (filters.maxWaitDays !== null) params.set('maxWait', String(filters.maxWaitDays));
  if (filters.isFreshOnly) params.set('fresh', '1');
  const limit = overrides.matchLimit ?? filters.matchLimit;
  if (limit !== defaultMatchLimit) params.set('limit', String(limit));
  const query = params.toString();
  return query ? `?${query}` : '';
}

function reasons(
  lang: Language,
  items: readonly MatchReason[],
  kind: 'fits' | 'drawbacks' | 'exclusions',
): Html {
  if (items.length === 0) return html``;
  return html`<ul class="reasons ${kind}">
    ${items.map((item) => html`<li>${pick(lang, item)}</li>`)}
  </ul>`;
}

/** What fits is the long, alike part of every card: folded on a small screen, open wherever it fits. */
function foldedFits(lang: Language, fits: readonly MatchReason[]): Html {
  if (fits.length === 0) return html``;
  return html`<details class="fits-box folds-when-compact">
    <summary>${tt(lang, 'fitsCount', { count: String(fits.length) })}</summary>
    ${reasons(lang, fits, 'fits')}
  </details>`;
}

function hitCard(lang: Language, hit: SearchHit, canAsk: boolean): Html {
  const municipality = tokyoAreas.municipality(hit.municipalityId);
  const place = `${lang === 'ja' ? municipality.name : municipality.id}・${pick(lang, careAreaLabels[hit.areaId])}`;
  const ward = `${hit.ward.name}（${pick(lang, wardTypeLabels[hit.ward.wardType])}・${pick(lang, wardFunctionLabels[hit.ward.wardFunction])}）`;
  const offer = hit.ward.bedOffer;
  const bed = offer
    ? `${offer.isIsolationRoom ? tt(lang, 'isolationRoom') : pick(lang, roomTypeLabels[offer.roomType])}・${
        offer.extraChargeYenPerDay === 0
          ? tt(lang, 'noExtraCharge')
          : tt(lang, 'yenPerDay', { amount: offer.extraChargeYenPerDay.toLocaleString('ja-JP') })
      }`
    : tt(lang, 'noBedForPatient');
  const pickBox =
    canAsk &&
    hit.inquiry === null &&
    html`<label class="pick"
      ><input type="checkbox" name="hospitalIds" value="${hit.hospitalId}" />
      ${tt(lang, 'askThisHospital')}</label
    >`;
  const asked =
    hit.inquiry &&
    html`<p class="asked">
      ${tt(lang, 'alreadyAsked')} ${inquiryStatusBadge(lang, hit.inquiry.status)}
      <a href="/transfers/inquiries/${hit.inquiry.id}">${tt(lang, 'openInquiry')}</a>
    </p>`;
  const rank = hit.rank !== null && html`<span class="rank">${hit.rank}</span>`;
  const desk = hit.contactDesk;
  return html`<article class="hit${hit.isExcluded && ' is-excluded'}" data-hospital-id="${hit.hospitalId}">
    ${pickBox}
    <h3>
      ${rank}${hit.hospitalName} <span class="score">${tt(lang, 'score', { score: String(hit.score) })}</span>
    </h3>
    <p class="where">${place} ・ ${ward}</p>
    <p class="bed">
      ${bed} ・ ${tt(lang, 'typicalWait', { days: String(hit.ward.typicalWaitDays) })} ・
      ${updatedAtLabel(lang, hit.wardFreeBedsUpdatedAt, hit.isWardStale)}
    </p>
    ${reasons(lang, hit.exclusions, 'exclusions')}${foldedFits(lang, hit.fits)}${reasons(lang, hit.drawbacks, 'drawbacks')}
    <p class="contact">${desk.name} <a href="tel:${desk.phone}">${desk.phone}</a> ${desk.hours}</p>
    ${asked}
  </article>`;
}

function filterForm(lang: Language, request: StoredRequest, filters: SearchFilters): Html {
  const areaBoxes = tokyoAreas.careAreas.map((area) => {
    const checked = filters.areaIds.includes(area.id) && html`checked`;
    return html`<label class="choice"
      ><input type="checkbox" name="area" value="${area.id}" ${checked} /> ${pick(lang, area)}</label
    >`;
  });
  const typeBoxes = (Object.keys(wardTypeLabels) as (keyof typeof wardTypeLabels)[]).map((type) => {
    const checked = filters.wardTypes.includes(type) && html`checked`;
    return html`<label class="choice"
      ><input type="checkbox" name="wardType" value="${type}" ${checked} />
      ${pick(lang, wardTypeLabels[type])}</label
    >`;
  });
  const waitOptions = [
    html`<option value="">${tt(lang, 'anyWait')}</option>`,
    ...waitChoices.map(
      (days) =>
        html`<option value="${days}" ${filters.maxWaitDays === days && html`selected`}>
          ${tt(lang, 'waitAtMost', { days: String(days) })}
        </option>`,
    ),
  ];
  const searchPath = `/transfers/requests/${request.id}/search`;
  const municipality =
    filters.municipalityId &&
    html`<input type="hidden" name="municipality" value="${filters.municipalityId}" />
      <p class="hint">
        ${tt(lang, 'onlyMunicipality', { name: lang === 'ja' ? tokyoAreas.municipality(filters.municipalityId).name : filters.municipalityId })}
        <a href="${searchPath}${searchQueryOf(filters, { municipalityId: null })}"
          >${tt(lang, 'allMunicipalities')}</a
        >
      </p>`;
  const isOpen = filters.areaIds.length > 0 || filters.wardTypes.length > 0;
  return html`<form method="get" action="${searchPath}" class="filters">
    <details ${isOpen && html`open`}>
      <summary>${tt(lang, 'filters')}</summary>
      <div class="field">
        <span class="label">${tt(lang, 'careAreas')}</span>
        <div class="choices">${areaBoxes}</div>
      </div>
      <div class="field">
        <span class="label">${tt(lang, 'desiredWardTypes')}</span>
        <div class="choices">${typeBoxes}</div>
      </div>
    </details>
    ${municipality}
    <div class="filter-row">
      <label
        >${tt(lang, 'typicalWaitFilter')}
        <select name="maxWait">
          ${waitOptions}
        </select></label
      >
      <label class="choice"
        ><input type="checkbox" name="fresh" value="1" ${filters.isFreshOnly && html`checked`} />
        ${tt(lang, 'freshOnly')}</label
      >
      <button type="submit" class="button secondary">${tt(lang, 'search')}</button>
    </div>
  </form>`;
}

export function renderSearchPage(lang: Language, result: TransferSearchResult, notice?: PageNotice): string {
  const { request } = result;
  const canAsk = request.status === 'open';
  const summary = pick(lang, patientSummary(request, request.requestingOrganisation));
  const mapOptions = {
    lang,
    data: result.byMunicipality,
    selected: result.filters.municipalityId,
    linkFor: (id: MunicipalityId) =>
      `/transfers/requests/${request.id}/search${searchQueryOf(result.filters, { municipalityId: id })}`,
  };
  const map = renderSchematicMap(mapOptions);
  const matches = result.matches.map((hit) => hitCard(lang, hit, canAsk));
  const excluded = result.excluded.map((hit) => hitCard(lang, hit, false));
  const moreQuery = searchQueryOf(result.filters, {
    matchLimit: Math.min(1000, result.filters.matchLimit * 4),
  });
  const more =
    result.matchCount > result.matches.length &&
    html`<p><a href="/transfers/requests/${request.id}/search${moreQuery}">${tt(lang, 'showMore')}</a></p>`;
  const askForm = canAsk
    ? html`<div class="ask-bar">
        <details class="ask-note folds-when-compact">
          <summary>${tt(lang, 'messageToHospitals')}</summary>
          <label for="message">${tt(lang, 'messageToHospitals')}</label>
          <textarea name="message" id="message" rows="2" maxlength="2000"></textarea>
        </details>
        <button type="submit" class="button primary">${tt(lang, 'askSelected')}</button>
      </div>`
    : html`<p class="hint">${tt(lang, 'requestNotOpen')} ${requestStatusBadge(lang, request.status)}</p>`;
  const counts = tt(lang, 'searchCounts', {
    hospitals: String(result.hospitalCount),
    matches: String(result.matchCount),
    stale: String(result.staleAfterHours),
  });
  return transferPage(
    lang,
    tt(lang, 'searchTitle'),
    html`<h1>${tt(lang, 'searchTitle')}</h1>
      <p class="lead">
        <a href="/transfers/requests/${request.id}">${summary}</a> ${requestStatusBadge(lang, request.status)}
      </p>
      ${filterForm(lang, request, result.filters)}
      <p class="counts">${counts}</p>
      <section class="map-section">
        <h2>${tt(lang, 'mapTitle')}</h2>
        ${map}${renderMapLegend(lang)}
        <p class="hint">${tt(lang, 'mapHint')}</p>
        ${renderMunicipalityList(mapOptions)}
      </section>
      <form method="post" action="/transfers/requests/${request.id}/inquiries" class="hits-form">
        <section>
          <h2>${tt(lang, 'matchingHospitals', { count: String(result.matchCount) })}</h2>
          ${matches.length > 0 ? matches : html`<p>${tt(lang, 'noMatches')}</p>`} ${more}
        </section>
        ${askForm}
      </form>
      <section>
        <h2>${tt(lang, 'excludedHospitals', { count: String(result.excludedCount) })}</h2>
        <p class="hint">${tt(lang, 'excludedHint')}</p>
        ${excluded}
      </section>`,
    notice,
  );
}
