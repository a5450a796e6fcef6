import { tokyoDateTimeSeconds } from '@hcw/common';
import { escapeHtml as h } from '../http/html.js';
import type { SignedInUser } from '../auth/signed-in-user.js';
import type { PendingEnrolmentCode } from '../auth/second-factor/enrolment-codes.js';
import type { AuditQuery, AuditRow, ChainStatus } from './audit-search.js';
import { fill, type ConsoleLanguage, type ConsoleMessages } from './console-messages.js';

/**
 * The console's pages: large type and a plain layout, our own stylesheet and scripts only (the CSP allows
 * nothing inline). The live parts are filled in by /client/admin/console.js; the audit page works without
 * any script at all.
 */
export function layout(
  language: ConsoleLanguage,
  m: ConsoleMessages,
  title: string,
  user: SignedInUser,
  otherLanguageHref: string,
  body: string,
  scripts: string[] = [],
): string {
  const lang = language === 'en' ? '?lang=en' : '';
  // Auditors move between the trail and the recordings; the pages themselves check the role.
  const auditorLinks = user.roles.includes('auditor')
    ? `<a href="/admin/audit${lang}">${h(m.auditTitle)}</a><a href="/admin/recordings${lang}">${h(m.recordingsLink)}</a>`
    : '';
  return `<!doctype html><html lang="${language}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title><link rel="stylesheet" href="/client/admin/console.css"></head>
<body><header class="top"><h1>${h(title)}</h1>
<nav>${auditorLinks}<span class="who">${h(user.displayName)}（${h(user.organisation)}）</span>
<a href="${h(otherLanguageHref)}" lang="${language === 'ja' ? 'en' : 'ja'}">${h(m.otherLanguage)}</a>
<form method="post" action="/auth/logout"><button type="submit">${h(m.signOut)}</button></form></nav></header>
<main>${body}</main>${scripts.map((s) => `<script type="module" src="${h(s)}"></script>`).join('')}</body></html>`;
}

/** JSON for a data block: `<` is escaped so the text can never close the element it sits in. */
function dataBlock(id: string, value: unknown): string {
  return `<script type="application/json" id="${id}">${JSON.stringify(value).replaceAll('<', '\\u003c')}</script>`;
}

export function consolePage(language: ConsoleLanguage, m: ConsoleMessages, user: SignedInUser): string {
  const lang = language === 'en' ? '&lang=en' : '';
  const body = `
<p id="live-status" class="notice" role="status" hidden>${h(m.connectionLost)}</p>
<p id="action-status" class="notice" role="status" hidden></p>
<section aria-labelledby="sessions-title"><h2 id="sessions-title">${h(m.sessions)}</h2>
<p class="meta">${h(m.updatedAt)}: <span id="updated-at">—</span></p>
<div class="scroll"><table id="sessions"><thead><tr>
<th>${h(m.user)}</th><th>${h(m.organisation)}</th><th>${h(m.device)}</th><th>${h(m.desktop)}</th>
<th>${h(m.guacd)}</th><th>${h(m.since)}</th><th>${h(m.tunnel)}</th><th>${h(m.bytes)}</th><th>${h(m.dropped)}</th>
<th>${h(m.actions)}</th></tr></thead><tbody></tbody></table></div>
<p id="no-sessions" class="meta" hidden>${h(m.noSessions)}</p></section>
<section aria-labelledby="pools-title"><h2 id="pools-title">${h(m.pools)}</h2><div id="pools"></div></section>
<p><a href="/admin/enrolment-codes${language === 'en' ? '?lang=en' : ''}">${h(m.enrolmentCodes)}</a></p>
<section aria-labelledby="charts-title"><h2 id="charts-title">${h(m.charts)}</h2>
<figure><img class="chart" data-src="/admin/charts/sessions.svg?hours=24${lang}" src="/admin/charts/sessions.svg?hours=24${lang}" alt="${h(m.sessionsChart)}" width="720" height="240"></figure>
<figure><img class="chart" data-src="/admin/charts/sign-ins.svg?hours=24${lang}" src="/admin/charts/sign-ins.svg?hours=24${lang}" alt="${h(m.signInsChart)}" width="720" height="240"></figure>
</section>
${dataBlock('console-messages', m)}`;
  return layout(language, m, m.consoleTitle, user, language === 'en' ? '/admin' : '/admin?lang=en', body, [
    '/client/admin/console.js',
  ]);
}

export function auditPage(
  language: ConsoleLanguage,
  m: ConsoleMessages,
  user: SignedInUser,
  view: {
    query: Record<string, string>;
    rows: AuditRow[] | undefined;
    limit: number;
    chain: ChainStatus | undefined;
  },
): string {
  const field = (name: keyof AuditQuery, label: string, type = 'text'): string =>
    `<label>${h(label)}<input type="${type}" name="${name}" value="${h(view.query[name] ?? '')}"></label>`;
  const params = new URLSearchParams(
    Object.entries(view.query).filter(([k, v]) => v !== '' && k !== 'verify'),
  ).toString();
  const chain = !view.chain
    ? h(m.chainNever)
    : view.chain.ok
      ? h(fill(m.chainOk, { checked: view.chain.checked }))
      : h(fill(m.chainBad, { id: view.chain.firstBadId, problem: view.chain.problem }));
  const rows = view.rows;
  const table =
    rows === undefined
      ? ''
      : rows.length === 0
        ? `<p>${h(m.noResults)}</p>`
        : `<p class="meta">${h(fill(m.showingFirst, { n: view.limit }))}</p><div class="scroll"><table id="audit-rows"><thead><tr>
<th>${h(m.occurredAt)}</th><th>${h(m.type)}</th><th>${h(m.outcome)}</th><th>${h(m.user)}</th><th>${h(m.organisation)}</th>
<th>${h(m.patient)}</th><th>${h(m.address)}</th><th>${h(m.details)}</th></tr></thead><tbody>
${rows
  .map(
    (r) => `<tr><td>${h(tokyoDateTimeSeconds(r.occurredAt))}</td><td>${h(r.type)}</td><td>${h(r.outcome)}</td>
<td>${h(r.actorId ?? '')}</td><td>${h(r.actorOrganisation ?? '')}</td><td>${h(r.patientId ?? '')}</td>
<td>${h(r.clientAddress ?? '')}</td><td><code>${h(JSON.stringify(r.details))}</code></td></tr>`,
  )
  .join('')}</tbody></table></div>`;
  const lang = language === 'en' ? 'en' : '';
  const body = `
<section aria-labelledby="chain-title"><h2 id="chain-title">${h(m.chain)}</h2>
<p id="chain-status" class="${view.chain && !view.chain.ok ? 'bad' : 'ok'}">${chain}</p>
${view.chain ? `<p class="meta">${h(m.verifiedAt)}: ${h(tokyoDateTimeSeconds(new Date(view.chain.verifiedAt)))}</p>` : ''}
<form method="get" action="/admin/audit">${lang ? '<input type="hidden" name="lang" value="en">' : ''}
<input type="hidden" name="verify" value="1"><button type="submit">${h(m.verifyNow)}</button></form></section>
<section aria-labelledby="search-title"><h2 id="search-title">${h(m.searchAudit)}</h2>
<form method="get" action="/admin/audit" class="search">${lang ? '<input type="hidden" name="lang" value="en">' : ''}
${field('user', m.user)}${field('patient', m.patient)}${field('type', m.type)}
${field('from', m.from, 'datetime-local')}${field('to', m.to, 'datetime-local')}
<button type="submit">${h(m.search)}</button></form>
<p><a class="button" href="/admin/audit.csv${params ? `?${params}` : ''}" download>${h(m.exportCsv)}</a></p>
</section>
<section aria-labelledby="results-title"><h2 id="results-title">${h(m.results)}</h2>${table}</section>`;
  const other = new URLSearchParams(view.query);
  if (language === 'en') other.delete('lang');
  else other.set('lang', 'en');
  other.delete('verify');
  return layout(language, m, m.auditTitle, user, `/admin/audit?${other.toString()}`, body);
}

/** Issuing, listing and revoking enrolment codes; the codes themselves appear only in the issuing answer. */
export function enrolmentCodesPage(
  language: ConsoleLanguage,
  m: ConsoleMessages,
  user: SignedInUser,
  pending: PendingEnrolmentCode[],
): string {
  const rows = pending
    .map(
      (p) => `<tr data-id="${h(p.id)}"><td>${h(p.userId)}</td><td>${h(p.issuedBy)}</td>
<td>${h(tokyoDateTimeSeconds(p.issuedAt))}</td><td>${h(tokyoDateTimeSeconds(p.expiresAt))}</td>
<td><button type="button" class="revoke" data-id="${h(p.id)}">${h(m.revoke)}</button></td></tr>`,
    )
    .join('');
  const body = `
<p id="action-status" class="notice" role="status" hidden></p>
<section aria-labelledby="issue-title"><h2 id="issue-title">${h(m.issueCode)}</h2>
<p>${h(m.enrolmentCodesIntro)}</p>
<form id="issue-code"><label>${h(m.userId)}<input name="userId" required maxlength="200" autocomplete="off"></label>
<button type="submit">${h(m.issue)}</button></form>
<p id="issued-code" class="notice" role="status" hidden></p></section>
<section aria-labelledby="pending-title"><h2 id="pending-title">${h(m.pendingCodes)}</h2>
${
  pending.length === 0
    ? `<p class="meta">${h(m.noPendingCodes)}</p>`
    : `<div class="scroll"><table id="pending-codes"><thead><tr><th>${h(m.user)}</th><th>${h(m.issuedBy)}</th>
<th>${h(m.issuedAt)}</th><th>${h(m.expiresAt)}</th><th>${h(m.actions)}</th></tr></thead><tbody>${rows}</tbody></table></div>`
}</section>
${dataBlock('console-messages', m)}`;
  return layout(
    language,
    m,
    m.enrolmentCodes,
    user,
    language === 'en' ? '/admin/enrolment-codes' : '/admin/enrolment-codes?lang=en',
    body,
    ['/client/admin/enrolment-codes.js'],
  );
}
