import { type Html, html, tokyoDateTimeSeconds, trustedHtml } from '@hcw/common';
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
  body: Html,
  scripts: string[] = [],
): string {
  const lang = language === 'en' ? '?lang=en' : '';
  // Auditors move between the trail and the recordings; the pages themselves check the role.
  const auditorLinks =
    user.roles.includes('auditor') &&
    html`<a href="/admin/audit${lang}">${m.auditTitle}</a
      ><a href="/admin/recordings${lang}">${m.recordingsLink}</a>`;
  return html`<!doctype html>
    <html lang="${language}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <link rel="stylesheet" href="/client/admin/console.css" />
      </head>
      <body>
        <header class="top">
          <h1>${title}</h1>
          <nav>
            ${auditorLinks}<span class="who">${user.displayName}（${user.organisation}）</span>
            <a href="${otherLanguageHref}" lang="${language === 'ja' ? 'en' : 'ja'}">${m.otherLanguage}</a>
            <form method="post" action="/auth/logout"><button type="submit">${m.signOut}</button></form>
          </nav>
        </header>
        <main>${body}</main>
        ${scripts.map((s) => html`<script type="module" src="${s}"></script>`)}
      </body>
    </html>`.toString();
}

/** JSON for a data block: `<` is escaped so the text can never close the element it sits in. */
function dataBlock(id: string, value: unknown): Html {
  // Script text is not HTML: entities would reach the JSON as they are, so the JSON goes in unescaped; with
  // `<` written \u003c it cannot end the element.
  const json = trustedHtml(JSON.stringify(value).replaceAll('<', '\\u003c'));
  return html`<script type="application/json" id="${id}">
    ${json}
  </script>`;
}

export function consolePage(language: ConsoleLanguage, m: ConsoleMessages, user: SignedInUser): string {
  const lang = language === 'en' ? '&lang=en' : '';
  const chart = (name: string, alt: string): Html => {
    const src = `/admin/charts/${name}.svg?hours=24${lang}`;
    return html`<figure>
      <img class="chart" data-src="${src}" src="${src}" alt="${alt}" width="720" height="240" />
    </figure>`;
  };
  const body = html`<p id="live-status" class="notice" role="status" hidden>${m.connectionLost}</p>
    <p id="action-status" class="notice" role="status" hidden></p>
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">${m.sessions}</h2>
      <p class="meta">${m.updatedAt}: <span id="updated-at">—</span></p>
      <div class="scroll">
        <table id="sessions">
          <thead>
            <tr>
              <th>${m.user}</th>
              <th>${m.organisation}</th>
              <th>${m.device}</th>
              <th>${m.desktop}</th>
              <th>${m.guacd}</th>
              <th>${m.since}</th>
              <th>${m.tunnel}</th>
              <th>${m.bytes}</th>
              <th>${m.dropped}</th>
              <th>${m.actions}</th>
            </tr>
          </thead>
          <tbody></tbody>
        </table>
      </div>
      <p id="no-sessions" class="meta" hidden>${m.noSessions}</p>
    </section>
    <section aria-labelledby="pools-title">
      <h2 id="pools-title">${m.pools}</h2>
      <div id="pools"></div>
    </section>
    <p><a href="/admin/enrolment-codes${language === 'en' ? '?lang=en' : ''}">${m.enrolmentCodes}</a></p>
    <section aria-labelledby="charts-title">
      <h2 id="charts-title">${m.charts}</h2>
      ${chart('sessions', m.sessionsChart)} ${chart('sign-ins', m.signInsChart)}
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
  const field = (name: keyof AuditQuery, label: string, type = 'text'): Html =>
    html`<label>${label}<input type="${type}" name="${name}" value="${view.query[name] ?? ''}" /></label>`;
  const params = new URLSearchParams(
    Object.entries(view.query).filter(([k, v]) => v !== '' && k !== 'verify'),
  ).toString();
  const chain = !view.chain
    ? m.chainNever
    : view.chain.ok
      ? fill(m.chainOk, { checked: view.chain.checked })
      : fill(m.chainBad, { id: view.chain.firstBadId, problem: view.chain.problem });
  const rows = view.rows;
  const table =
    rows === undefined
      ? ''
      : rows.length === 0
        ? html`<p>${m.noResults}</p>`
        : html`<p class="meta">${fill(m.showingFirst, { n: view.limit })}</p>
            <div class="scroll">
              <table id="audit-rows">
                <thead>
                  <tr>
                    <th>${m.occurredAt}</th>
                    <th>${m.type}</th>
                    <th>${m.outcome}</th>
                    <th>${m.user}</th>
                    <th>${m.organisation}</th>
                    <th>${m.patient}</th>
                    <th>${m.address}</th>
                    <th>${m.details}</th>
                  </tr>
                </thead>
                <tbody>
                  ${rows.map(
                    (r) =>
                      html`<tr>
                        <td>${tokyoDateTimeSeconds(r.occurredAt)}</td>
                        <td>${r.type}</td>
                        <td>${r.outcome}</td>
                        <td>${r.actorId ?? ''}</td>
                        <td>${r.actorOrganisation ?? ''}</td>
                        <td>${r.patientId ?? ''}</td>
                        <td>${r.clientAddress ?? ''}</td>
                        <td><code>${JSON.stringify(r.details)}</code></td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`;
  const english = language === 'en' && html`<input type="hidden" name="lang" value="en" />`;
  const body = html`<section aria-labelledby="chain-title">
      <h2 id="chain-title">${m.chain}</h2>
      <p id="chain-status" class="${view.chain && !view.chain.ok ? 'bad' : 'ok'}">${chain}</p>
      ${
        view.chain &&
        html`<p class="meta">${m.verifiedAt}: ${tokyoDateTimeSeconds(new Date(view.chain.verifiedAt))}</p>`
      }
      <form method="get" action="/admin/audit">
        ${english}
        <input type="hidden" name="verify" value="1" /><button type="submit">${m.verifyNow}</button>
      </form>
    </section>
    <section aria-labelledby="search-title">
      <h2 id="search-title">${m.searchAudit}</h2>
      <form method="get" action="/admin/audit" class="search">
        ${english} ${field('user', m.user)}${field('patient', m.patient)}${field('type', m.type)}
        ${field('from', m.from, 'datetime-local')}${field('to', m.to, 'datetime-local')}
        <button type="submit">${m.search}</button>
      </form>
      <p>
        <a class="button" href="/admin/audit.csv${params ? `?${params}` : ''}" download>${m.exportCsv}</a>
      </p>
    </section>
    <section aria-labelledby="results-title">
      <h2 id="results-title">${m.results}</h2>
      ${table}
    </section>`;
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
  const rows = pending.map(
    (p) =>
      html`<tr data-id="${p.id}">
        <td>${p.userId}</td>
        <td>${p.issuedBy}</td>
        <td>${tokyoDateTimeSeconds(p.issuedAt)}</td>
        <td>${tokyoDateTimeSeconds(p.expiresAt)}</td>
        <td><button type="button" class="revoke" data-id="${p.id}">${m.revoke}</button></td>
      </tr>`,
  );
  const body = html`<p id="action-status" class="notice" role="status" hidden></p>
    <section aria-labelledby="issue-title">
      <h2 id="issue-title">${m.issueCode}</h2>
      <p>${m.enrolmentCodesIntro}</p>
      <form id="issue-code">
        <label>${m.userId}<input name="userId" required maxlength="200" autocomplete="off" /></label>
        <button type="submit">${m.issue}</button>
      </form>
      <p id="issued-code" class="notice" role="status" hidden></p>
    </section>
    <section aria-labelledby="pending-title">
      <h2 id="pending-title">${m.pendingCodes}</h2>
      ${
        pending.length === 0
          ? html`<p class="meta">${m.noPendingCodes}</p>`
          : html`<div class="scroll">
              <table id="pending-codes">
                <thead>
                  <tr>
                    <th>${m.user}</th>
                    <th>${m.issuedBy}</th>
                    <th>${m.issuedAt}</th>
                    <th>${m.expiresAt}</th>
                    <th>${m.actions}</th>
                  </tr>
                </thead>
                <tbody>
                  ${rows}
                </tbody>
              </table>
            </div>`
      }
    </section>
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
