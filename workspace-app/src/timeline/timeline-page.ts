import { type Html, html, joinHtml, type Language } from '@hcw/common';
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

export const timelineLayout: LayoutOptions = {
  section: 'timeline',
  stylesheets: ['/assets/timeline/timeline.css'],
};

export function renderTimelineItem(item: TimelineItem, context: RenderContext): Html {
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
  const meta = html`<div class="tl-meta">
    <span class="tl-source">${source}</span>${
      sourceLabel && html` <span class="tl-portal-kind">${sourceLabel[lang]}</span>`
    } <time datetime="${item.occurredAt.toISOString()}">${formatTokyoTime(lang, item.occurredAt)}</time>${
      item.isUnread && html` <span class="tl-new">${tl(lang, 'unreadMark')}</span>`
    }
  </div>`;
  const who = html`${patient && html`<div class="tl-patient">${patient}</div>`}${
    author && html`<div class="tl-author">${author}</div>`
  }`;
  return html`<li
    class="${classes}"
    data-event-id="${item.id}"
    data-occurred-at="${item.occurredAt.toISOString()}"
  >
    ${meta} ${who} ${renderContent(item, context, source)}
  </li>`;
}

function renderContent(item: TimelineItem, context: RenderContext, source: string): Html {
  const { lang } = context;
  const openPath = `/timeline/open/${item.id}`;
  if (item.portalLink !== null) {
    return html`<a class="tl-title tl-open" href="${openPath}">${item.title}</a>`;
  }
  const vitals = item.vitals && renderVitals(lang, item.vitals);
  if (item.body !== null && item.body.trim() !== '') {
    return html`<details class="tl-details" data-read-url="/timeline/api/items/${item.id}/read">
      <summary class="tl-title">${item.title}</summary>
      <p class="tl-body">${item.body}</p>
      ${vitals}${renderDeepLink(item, context, source)}
    </details>`;
  }
  // Metadata only (MCS sends no body): the message is read in the vendor's own web application.
  const unread =
    item.vendorUnreadCount !== null &&
    item.vendorUnreadCount > 0 &&
    tl(lang, 'vendorUnread', { source, count: String(item.vendorUnreadCount) });
  const link = allowedDeepLink(context.allowList, item.vendor, item.deepLink);
  const title = link
    ? html`<a class="tl-title tl-open" href="${openPath}">${item.title}</a>`
    : html`<span class="tl-title">${item.title}</span>`;
  return html`${title}${vitals}${unread && html`<div><span class="tl-vendor-unread">${unread}</span></div>`}${
    !link && html`<p class="tl-hint">${tl(lang, 'noBody')}</p>`
  }${renderDeepLink(item, context, source)}`;
}

function renderDeepLink(item: TimelineItem, context: RenderContext, source: string): Html {
  if (item.deepLink === null) return html``;
  if (!allowedDeepLink(context.allowList, item.vendor, item.deepLink)) {
    return html`<p class="tl-hint">${tl(context.lang, 'linkRefused')}</p>`;
  }
  const text = tl(context.lang, 'openIn', { source });
  return html`<a class="tl-button" href="/timeline/open/${item.id}">${text}</a>`;
}

function renderVitals(lang: Language, vitals: VitalSigns): Html {
  const rows: Array<[string, string]> = [];
  if (vitals.temperatureCelsius !== undefined)
    rows.push([tl(lang, 'vitalTemperature'), `${vitals.temperatureCelsius.toFixed(1)} ℃`]);
  if (vitals.systolicMmHg !== undefined && vitals.diastolicMmHg !== undefined)
    rows.push([tl(lang, 'vitalBloodPressure'), `${vitals.systolicMmHg}/${vitals.diastolicMmHg} mmHg`]);
  if (vitals.pulsePerMinute !== undefined)
    rows.push([tl(lang, 'vitalPulse'), `${vitals.pulsePerMinute} ${lang === 'ja' ? '回/分' : '/min'}`]);
  if (vitals.spo2Percent !== undefined) rows.push([tl(lang, 'vitalSpo2'), `${vitals.spo2Percent} %`]);
  return html`<dl class="tl-vitals">
    ${rows.map(
      ([label, value]) =>
        html`<dt>${label}</dt>
          <dd>${value}</dd>`,
    )}
  </dl>`;
}

export function renderUnreadSummary(unreadBySource: Record<string, number>, context: RenderContext): Html {
  const entries = Object.entries(unreadBySource).filter(([, count]) => count > 0);
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return html`<span class="tl-unread-total">${tl(context.lang, 'allRead')}</span>`;
  const parts = joinHtml(
    entries.map(
      ([source, count]) => html`<span class="tl-unread-source">${context.sourceName(source)} ${count}</span>`,
    ),
    ' ',
  );
  const totalText = tl(context.lang, 'unreadTotal', { count: String(total) });
  return html`<span class="tl-unread-total">${totalText}</span> ${parts}`;
}

export function renderHealth(
  health: VendorHealth[],
  sources: RenderContext['sourceName'],
  lang: Language,
): Html {
  if (health.length === 0) return html``;
  const lines = health.map((entry) => {
    const source = sources(entry.vendor);
    if (entry.staleSince !== null) {
      return html`<li
        class="tl-health-stale"
        data-vendor="${entry.vendor}"
        data-stale-since="${entry.staleSince.toISOString()}"
      >
        ⚠ ${tl(lang, 'healthStale', { source, time: formatTokyoTime(lang, entry.staleSince) })}
      </li>`;
    }
    if (entry.lastSuccessAt === null) return html`<li>${tl(lang, 'healthNever', { source })}</li>`;
    return html`<li class="tl-health-up" data-vendor="${entry.vendor}">
      ${tl(lang, 'healthUp', {
        source,
        time: formatTokyoTime(lang, entry.lastSuccessAt),
      })}
    </li>`;
  });
  return html`<details class="tl-health" ${health.some((entry) => entry.staleSince !== null) && html`open`}>
    <summary>${tl(lang, 'healthTitle')}</summary>
    <ul>
      ${joinHtml(lines, '\n')}
    </ul>
  </details>`;
}

export function renderTimelinePage(data: TimelinePageData, context: RenderContext): string {
  const { lang } = context;
  const { filters, page } = data;
  const option = (value: string, label: string, selected: string | undefined) =>
    value === (selected ?? '')
      ? html`<option value="${value}" selected>${label}</option>`
      : html`<option value="${value}">${label}</option>`;
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
  const olderQuery = last && filtersQuery(filters, { before: cursorOf(last) });
  const more =
    page.hasMore &&
    olderQuery &&
    html`<a class="tl-more" href="/timeline?${olderQuery}">${tl(lang, 'more')}</a>`;
  const newest =
    filters.before &&
    html`<a class="tl-more" href="/timeline?${filtersQuery(filters)}">${tl(lang, 'newest')}</a>`;
  const isFiltered = Boolean(
    filters.patient || filters.vendor || filters.role || filters.q || filters.unread,
  );
  const empty = data.hasActiveAccount ? tl(lang, 'empty') : tl(lang, 'noAccounts');
  const items = joinHtml(
    page.items.map((item) => renderTimelineItem(item, context)),
    '\n',
  );
  const body = html`<section
      class="tl"
      id="timeline"
      data-lang="${lang}"
      data-query="${filtersQuery(filters)}"
      data-live="${filters.before ? 'off' : 'on'}"
    >
      <h1 class="tl-heading">${tl(lang, 'title')}</h1>
      <div class="tl-summary">
        <p class="tl-unread-line" id="tl-unread">${renderUnreadSummary(page.unreadBySource, context)}</p>
        <form method="post" action="/timeline/read-all" class="tl-inline-form" id="tl-read-all">
          <button type="submit" class="tl-secondary">${tl(lang, 'markAllRead')}</button>
        </form>
      </div>
      ${renderHealth(data.health, context.sourceName, lang)}
      <details class="tl-filter-box folds-when-compact" ${isFiltered && html`open`}>
        <summary>${tl(lang, isFiltered ? 'filterTitleActive' : 'filterTitle')}</summary>
        <form class="tl-filters" method="get" action="/timeline">
          <label
            >${tl(lang, 'filterPatient')}<select name="patient">
              ${patientOptions}
            </select></label
          >
          <label
            >${tl(lang, 'filterSource')}<select name="vendor">
              ${sourceOptions}
            </select></label
          >
          <label
            >${tl(lang, 'filterRole')}<select name="role">
              ${roleOptions}
            </select></label
          >
          <label
            >${tl(lang, 'filterSearch')}<input
              type="search"
              name="q"
              maxlength="100"
              value="${filters.q ?? ''}"
          /></label>
          <label class="tl-check"
            ><input type="checkbox" name="unread" value="1" ${filters.unread && html`checked`} />${tl(
              lang,
              'filterUnread',
            )}</label
          >
          <button type="submit">${tl(lang, 'filterApply')}</button>
          <a href="/timeline" class="tl-clear">${tl(lang, 'filterClear')}</a>
        </form>
      </details>
      <p
        class="tl-live"
        id="tl-live"
        data-offline="${tl(lang, 'liveOffline')}"
        data-online="${tl(lang, 'live')}"
      >
        ${tl(lang, 'live')}
      </p>
      <ol class="tl-items" id="tl-items">
        ${items}
      </ol>
      ${page.items.length === 0 && html`<p class="tl-empty" id="tl-empty">${empty}</p>`} ${newest}${more}
      <nav class="tl-nav">
        <a href="/timeline/accounts">${tl(lang, 'accounts')}</a> ・ <a href="/">${tl(lang, 'portalHome')}</a>
      </nav>
    </section>
    <script src="/socket.io/socket.io.min.js" defer></script>
    <script src="/assets/timeline/timeline.js" defer></script>`;
  return layout(lang, tl(lang, 'title'), body, timelineLayout);
}
