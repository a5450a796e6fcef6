import { type Language } from '@hcw/common';
import { escapeHtml } from '../ui/i18n.js';
import { layout, type LayoutOptions } from '../ui/layout.js';
import { authorRoles, type VitalSigns } from '../connectors/canonical-event.js';
import { allowedDeepLink, type DeepLinkAllowList } from './deep-link-allow-list.js';
import type { TimelineItem, TimelinePage } from './read-timeline.js';
import { cursorOf, filtersQuery, type TimelineFilters } from './timeline-filters.js';
import { portalSourceLabels, roleLabels, tl } from './timeline-messages.js';
import type { VendorHealth } from './vendor-health.js';

/** What every rendering needs to know besides the data: names of sources, and where links may lead. */
export interface RenderContext {
  lang: Language;
  sourceName(source: string): string;
  allowList: DeepLinkAllowList;
}

export interface TimelinePageData {
  filters: TimelineFilters;
  page: TimelinePage;
  patients: Array<{ patientId: string; label: string }>;
  sources: Array<{ id: string; name: string }>;
  health: VendorHealth[];
  hasActiveAccount: boolean;
  /** The session's form token; the page's forms post it back. */
}

const timeFormats = {
  ja: new Intl.DateTimeFormat('ja-JP', {
    timeZone: 'Asia/Tokyo',
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }),
  en: new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Tokyo',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  }),
};

/** Tokyo wall-clock time, whatever the server's zone: practitioners read the time of their own day. */
export function formatTokyoTime(lang: Language, instant: Date): string {
  return timeFormats[lang].format(instant);
}

const h = escapeHtml;

export const timelineLayout: LayoutOptions = {
  section: 'timeline',
  stylesheets: ['/assets/timeline/timeline.css'],
};

export function renderTimelineItem(item: TimelineItem, context: RenderContext): string {
  const { lang } = context;
  const source = context.sourceName(item.vendor);
  const classes = ['tl-item', item.isUnread ? 'tl-unread' : '', `tl-kind-${item.kind}`]
    .filter(Boolean)
    .join(' ');
  const patient = [item.patientGroupName, item.patientLabel ? `（${item.patientLabel}）` : '']
    .filter(Boolean)
    .join('');
  const role = item.author.roleLabel ?? (item.author.role ? roleLabels[item.author.role][lang] : '');
  const author = [role, item.author.name].filter(Boolean).join(' ');
  const sourceLabel = item.portalSource !== null ? portalSourceLabels[item.portalSource] : undefined;
  const meta = `<div class="tl-meta"><span class="tl-source">${h(source)}</span>${
    sourceLabel ? ` <span class="tl-portal-kind">${h(sourceLabel[lang])}</span>` : ''
  } <time datetime="${h(item.occurredAt.toISOString())}">${h(formatTokyoTime(lang, item.occurredAt))}</time>${
    item.isUnread ? ` <span class="tl-new">${h(tl(lang, 'unreadMark'))}</span>` : ''
  }</div>`;
  const who =
    (patient ? `<div class="tl-patient">${h(patient)}</div>` : '') +
    (author ? `<div class="tl-author">${h(author)}</div>` : '');
  return `<li class="${classes}" data-event-id="${item.id}" data-occurred-at="${h(item.occurredAt.toISOString())}">
${meta}
${who}
${renderContent(item, context, source)}
</li>`;
}

function renderContent(item: TimelineItem, context: RenderContext, source: string): string {
  const { lang } = context;
  const openPath = `/timeline/open/${item.id}`;
  if (item.portalLink !== null) {
    return `<a class="tl-title tl-open" href="${openPath}">${h(item.title)}</a>`;
  }
  const vitals = item.vitals ? renderVitals(lang, item.vitals) : '';
  if (item.body !== null && item.body.trim() !== '') {
    return `<details class="tl-details" data-read-url="/timeline/api/items/${item.id}/read">
<summary class="tl-title">${h(item.title)}</summary>
<p class="tl-body">${h(item.body)}</p>${vitals}${renderDeepLink(item, context, source)}
</details>`;
  }
  // Metadata only (MCS sends no body): the message is read in the vendor's own web application.
  const unread =
    item.vendorUnreadCount !== null && item.vendorUnreadCount > 0
      ? `<span class="tl-vendor-unread">${h(
          tl(lang, 'vendorUnread', { source, count: String(item.vendorUnreadCount) }),
        )}</span>`
      : '';
  const link = allowedDeepLink(context.allowList, item.vendor, item.deepLink);
  const title = link
    ? `<a class="tl-title tl-open" href="${openPath}">${h(item.title)}</a>`
    : `<span class="tl-title">${h(item.title)}</span>`;
  return `${title}${vitals}${unread ? `<div>${unread}</div>` : ''}${
    link ? '' : `<p class="tl-hint">${h(tl(lang, 'noBody'))}</p>`
  }${renderDeepLink(item, context, source)}`;
}

function renderDeepLink(item: TimelineItem, context: RenderContext, source: string): string {
  if (item.deepLink === null) return '';
  if (!allowedDeepLink(context.allowList, item.vendor, item.deepLink)) {
    return `<p class="tl-hint">${h(tl(context.lang, 'linkRefused'))}</p>`;
  }
  return `<a class="tl-button" href="/timeline/open/${item.id}">${h(tl(context.lang, 'openIn', { source }))}</a>`;
}

function renderVitals(lang: Language, vitals: VitalSigns): string {
  const rows: Array<[string, string]> = [];
  if (vitals.temperatureCelsius !== undefined)
    rows.push([tl(lang, 'vitalTemperature'), `${vitals.temperatureCelsius.toFixed(1)} ℃`]);
  if (vitals.systolicMmHg !== undefined && vitals.diastolicMmHg !== undefined)
    rows.push([tl(lang, 'vitalBloodPressure'), `${vitals.systolicMmHg}/${vitals.diastolicMmHg} mmHg`]);
  if (vitals.pulsePerMinute !== undefined)
    rows.push([tl(lang, 'vitalPulse'), `${vitals.pulsePerMinute} ${lang === 'ja' ? '回/分' : '/min'}`]);
  if (vitals.spo2Percent !== undefined) rows.push([tl(lang, 'vitalSpo2'), `${vitals.spo2Percent} %`]);
  return `<dl class="tl-vitals">${rows.map(([label, value]) => `<dt>${h(label)}</dt><dd>${h(value)}</dd>`).join('')}</dl>`;
}

export function renderUnreadSummary(unreadBySource: Record<string, number>, context: RenderContext): string {
  const entries = Object.entries(unreadBySource).filter(([, count]) => count > 0);
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return `<span class="tl-unread-total">${h(tl(context.lang, 'allRead'))}</span>`;
  const parts = entries
    .map(
      ([source, count]) => `<span class="tl-unread-source">${h(context.sourceName(source))} ${count}</span>`,
    )
    .join(' ');
  return `<span class="tl-unread-total">${h(tl(context.lang, 'unreadTotal', { count: String(total) }))}</span> ${parts}`;
}

export function renderHealth(
  health: VendorHealth[],
  sources: RenderContext['sourceName'],
  lang: Language,
): string {
  if (health.length === 0) return '';
  const lines = health.map((entry) => {
    const source = sources(entry.vendor);
    if (entry.staleSince !== null) {
      return `<li class="tl-health-stale" data-vendor="${h(entry.vendor)}" data-stale-since="${h(
        entry.staleSince.toISOString(),
      )}">⚠ ${h(tl(lang, 'healthStale', { source, time: formatTokyoTime(lang, entry.staleSince) }))}</li>`;
    }
    if (entry.lastSuccessAt === null) return `<li>${h(tl(lang, 'healthNever', { source }))}</li>`;
    return `<li class="tl-health-up" data-vendor="${h(entry.vendor)}">${h(
      tl(lang, 'healthUp', { source, time: formatTokyoTime(lang, entry.lastSuccessAt) }),
    )}</li>`;
  });
  return `<details class="tl-health"${health.some((entry) => entry.staleSince !== null) ? ' open' : ''}>
<summary>${h(tl(lang, 'healthTitle'))}</summary>
<ul>${lines.join('\n')}</ul>
</details>`;
}

export function renderTimelinePage(data: TimelinePageData, context: RenderContext): string {
  const { lang } = context;
  const { filters, page } = data;
  const option = (value: string, label: string, selected: string | undefined) =>
    `<option value="${h(value)}"${value === (selected ?? '') ? ' selected' : ''}>${h(label)}</option>`;
  const all = tl(lang, 'filterAll');
  const patientOptions = [
    option('', all, filters.patient),
    ...data.patients.map((patient) => option(patient.patientId, patient.label, filters.patient)),
  ];
  if (filters.patient && !data.patients.some((patient) => patient.patientId === filters.patient)) {
    patientOptions.push(option(filters.patient, filters.patient, filters.patient));
  }
  const sourceOptions = [
    option('', all, filters.vendor),
    ...data.sources.map((s) => option(s.id, s.name, filters.vendor)),
  ];
  const roleOptions = [
    option('', all, filters.role),
    ...authorRoles.map((role) => option(role, roleLabels[role][lang], filters.role)),
  ];
  const last = page.items.at(-1);
  const more =
    page.hasMore && last
      ? `<a class="tl-more" href="/timeline?${h(filtersQuery(filters, { before: cursorOf(last) }))}">${h(tl(lang, 'more'))}</a>`
      : '';
  const newest = filters.before
    ? `<a class="tl-more" href="/timeline?${h(filtersQuery(filters))}">${h(tl(lang, 'newest'))}</a>`
    : '';
  const isFiltered = Boolean(
    filters.patient || filters.vendor || filters.role || filters.q || filters.unread,
  );
  const empty = data.hasActiveAccount ? tl(lang, 'empty') : tl(lang, 'noAccounts');
  const items = page.items.map((item) => renderTimelineItem(item, context)).join('\n');
  const body = `<section class="tl" id="timeline" data-lang="${lang}" data-query="${h(filtersQuery(filters))}" data-live="${
    filters.before ? 'off' : 'on'
  }">
<h1 class="tl-heading">${h(tl(lang, 'title'))}</h1>
<div class="tl-summary"><p class="tl-unread-line" id="tl-unread">${renderUnreadSummary(page.unreadBySource, context)}</p>
<form method="post" action="/timeline/read-all" class="tl-inline-form" id="tl-read-all">
<button type="submit" class="tl-secondary">${h(tl(lang, 'markAllRead'))}</button></form></div>
${renderHealth(data.health, context.sourceName, lang)}
<details class="tl-filter-box folds-when-compact"${isFiltered ? ' open' : ''}>
<summary>${h(tl(lang, isFiltered ? 'filterTitleActive' : 'filterTitle'))}</summary>
<form class="tl-filters" method="get" action="/timeline">
<label>${h(tl(lang, 'filterPatient'))}<select name="patient">${patientOptions.join('')}</select></label>
<label>${h(tl(lang, 'filterSource'))}<select name="vendor">${sourceOptions.join('')}</select></label>
<label>${h(tl(lang, 'filterRole'))}<select name="role">${roleOptions.join('')}</select></label>
<label>${h(tl(lang, 'filterSearch'))}<input type="search" name="q" maxlength="100" value="${h(filters.q ?? '')}"></label>
<label class="tl-check"><input type="checkbox" name="unread" value="1"${filters.unread ? ' checked' : ''}>${h(
    tl(lang, 'filterUnread'),
  )}</label>
<button type="submit">${h(tl(lang, 'filterApply'))}</button>
<a href="/timeline" class="tl-clear">${h(tl(lang, 'filterClear'))}</a>
</form>
</details>
<p class="tl-live" id="tl-live" data-offline="${h(tl(lang, 'liveOffline'))}" data-online="${h(tl(lang, 'live'))}">${h(
    tl(lang, 'live'),
  )}</p>
<ol class="tl-items" id="tl-items">
${items}
</ol>
${page.items.length === 0 ? `<p class="tl-empty" id="tl-empty">${h(empty)}</p>` : ''}
${newest}${more}
<nav class="tl-nav"><a href="/timeline/accounts">${h(tl(lang, 'accounts'))}</a> ・ <a href="/">${h(tl(lang, 'portalHome'))}</a></nav>
</section>
<script src="/socket.io/socket.io.min.js" defer></script>
<script src="/assets/timeline/timeline.js" defer></script>`;
  return layout(lang, tl(lang, 'title'), body, timelineLayout);
}
