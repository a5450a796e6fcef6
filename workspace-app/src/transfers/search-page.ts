import { type Language } from '@hcw/common';
import { roomTypeLabels, wardFunctionLabels, wardTypeLabels } from './care-codes.js';
import {
  e,
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
): string {
  if (items.length === 0) return '';
  return `<ul class="reasons ${kind}">${items.map((item) => `<li>${e(pick(lang, item))}</li>`).join('')}</ul>`;
}

/** What fits is the long, alike part of every card: folded on a small screen, open wherever it fits. */
function foldedFits(lang: Language, fits: readonly MatchReason[]): string {
  if (fits.length === 0) return '';
  return `<details class="fits-box folds-when-compact"><summary>${e(tt(lang, 'fitsCount', { count: String(fits.length) }))}</summary>${reasons(lang, fits, 'fits')}</details>`;
}

function hitCard(lang: Language, hit: SearchHit, canAsk: boolean): string {
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
    canAsk && hit.inquiry === null
      ? `<label class="pick"><input type="checkbox" name="hospitalIds" value="${e(hit.hospitalId)}"> ${e(tt(lang, 'askThisHospital'))}</label>`
      : '';
  const asked = hit.inquiry
    ? `<p class="asked">${e(tt(lang, 'alreadyAsked'))} ${inquiryStatusBadge(lang, hit.inquiry.status)} <a href="/transfers/inquiries/${e(hit.inquiry.id)}">${e(tt(lang, 'openInquiry'))}</a></p>`
    : '';
  const rank = hit.rank === null ? '' : `<span class="rank">${hit.rank}</span>`;
  return `<article class="hit${hit.isExcluded ? ' is-excluded' : ''}" data-hospital-id="${e(hit.hospitalId)}">
${pickBox}
<h3>${rank}${e(hit.hospitalName)} <span class="score">${e(tt(lang, 'score', { score: String(hit.score) }))}</span></h3>
<p class="where">${e(place)} ・ ${e(ward)}</p>
<p class="bed">${e(bed)} ・ ${e(tt(lang, 'typicalWait', { days: String(hit.ward.typicalWaitDays) }))} ・ ${updatedAtLabel(lang, hit.wardFreeBedsUpdatedAt, hit.isWardStale)}</p>
${reasons(lang, hit.exclusions, 'exclusions')}${foldedFits(lang, hit.fits)}${reasons(lang, hit.drawbacks, 'drawbacks')}
<p class="contact">${e(hit.contactDesk.name)} <a href="tel:${e(hit.contactDesk.phone)}">${e(hit.contactDesk.phone)}</a> ${e(hit.contactDesk.hours)}</p>
${asked}
</article>`;
}

function filterForm(lang: Language, request: StoredRequest, filters: SearchFilters): string {
  const areaBoxes = tokyoAreas.careAreas
    .map(
      (area) =>
        `<label class="choice"><input type="checkbox" name="area" value="${area.id}"${filters.areaIds.includes(area.id) ? ' checked' : ''}> ${e(pick(lang, area))}</label>`,
    )
    .join('');
  const typeBoxes = (Object.keys(wardTypeLabels) as (keyof typeof wardTypeLabels)[])
    .map(
      (type) =>
        `<label class="choice"><input type="checkbox" name="wardType" value="${type}"${filters.wardTypes.includes(type) ? ' checked' : ''}> ${e(pick(lang, wardTypeLabels[type]))}</label>`,
    )
    .join('');
  const waitOptions = [`<option value="">${e(tt(lang, 'anyWait'))}</option>`]
    .concat(
      waitChoices.map(
        (days) =>
          `<option value="${days}"${filters.maxWaitDays === days ? ' selected' : ''}>${e(tt(lang, 'waitAtMost', { days: String(days) }))}</option>`,
      ),
    )
    .join('');
  const municipality = filters.municipalityId
    ? `<input type="hidden" name="municipality" value="${filters.municipalityId}"><p class="hint">${e(tt(lang, 'onlyMunicipality', { name: lang === 'ja' ? tokyoAreas.municipality(filters.municipalityId).name : filters.municipalityId }))} <a href="/transfers/requests/${e(request.id)}/search${e(searchQueryOf(filters, { municipalityId: null }))}">${e(tt(lang, 'allMunicipalities'))}</a></p>`
    : '';
  return `<form method="get" action="/transfers/requests/${e(request.id)}/search" class="filters">
<details${filters.areaIds.length > 0 || filters.wardTypes.length > 0 ? ' open' : ''}><summary>${e(tt(lang, 'filters'))}</summary>
<div class="field"><span class="label">${e(tt(lang, 'careAreas'))}</span><div class="choices">${areaBoxes}</div></div>
<div class="field"><span class="label">${e(tt(lang, 'desiredWardTypes'))}</span><div class="choices">${typeBoxes}</div></div>
</details>
${municipality}
<div class="filter-row">
<label>${e(tt(lang, 'typicalWaitFilter'))} <select name="maxWait">${waitOptions}</select></label>
<label class="choice"><input type="checkbox" name="fresh" value="1"${filters.isFreshOnly ? ' checked' : ''}> ${e(tt(lang, 'freshOnly'))}</label>
<button type="submit" class="button secondary">${e(tt(lang, 'search'))}</button>
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
  const matches = result.matches.map((hit) => hitCard(lang, hit, canAsk)).join('\n');
  const excluded = result.excluded.map((hit) => hitCard(lang, hit, false)).join('\n');
  const more =
    result.matchCount > result.matches.length
      ? `<p><a href="/transfers/requests/${e(request.id)}/search${e(searchQueryOf(result.filters, { matchLimit: Math.min(1000, result.filters.matchLimit * 4) }))}">${e(tt(lang, 'showMore'))}</a></p>`
      : '';
  const askForm = canAsk
    ? `<div class="ask-bar"><details class="ask-note folds-when-compact"><summary>${e(tt(lang, 'messageToHospitals'))}</summary>
<label for="message">${e(tt(lang, 'messageToHospitals'))}</label>
<textarea name="message" id="message" rows="2" maxlength="2000"></textarea></details>
<button type="submit" class="button primary">${e(tt(lang, 'askSelected'))}</button></div>`
    : `<p class="hint">${e(tt(lang, 'requestNotOpen'))} ${requestStatusBadge(lang, request.status)}</p>`;
  return transferPage(
    lang,
    tt(lang, 'searchTitle'),
    `<h1>${e(tt(lang, 'searchTitle'))}</h1>
<p class="lead"><a href="/transfers/requests/${e(request.id)}">${e(summary)}</a> ${requestStatusBadge(lang, request.status)}</p>
${filterForm(lang, request, result.filters)}
<p class="counts">${e(tt(lang, 'searchCounts', { hospitals: String(result.hospitalCount), matches: String(result.matchCount), stale: String(result.staleAfterHours) }))}</p>
<section class="map-section"><h2>${e(tt(lang, 'mapTitle'))}</h2>${map}${renderMapLegend(lang)}<p class="hint">${e(tt(lang, 'mapHint'))}</p>${renderMunicipalityList(mapOptions)}</section>
<form method="post" action="/transfers/requests/${e(request.id)}/inquiries" class="hits-form">
<section><h2>${e(tt(lang, 'matchingHospitals', { count: String(result.matchCount) }))}</h2>
${matches || `<p>${e(tt(lang, 'noMatches'))}</p>`}
${more}
</section>
${askForm}
</form>
<section><h2>${e(tt(lang, 'excludedHospitals', { count: String(result.excludedCount) }))}</h2>
<p class="hint">${e(tt(lang, 'excludedHint'))}</p>
${excluded}
</section>`,
    notice,
  );
}
