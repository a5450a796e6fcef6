import { type Html, html, joinHtml, tokyoDateTimeSeconds, trustedHtml } from '@hcw/common';
import type { SignedInUser } from '../auth/signed-in-user.js';
import { fill, consoleMessages, type ConsoleLanguage } from '../admin/console-messages.js';
import { layout } from '../admin/console-pages.js';
import { MATCH_TOLERANCE_SECONDS, type PatientAccess, type PatientRecordings } from './patient-accesses.js';
import type { RecordingMessages } from './recording-messages.js';
import type { RecordingRow } from './recording-store.js';

/**
 * The auditor's recording pages: a search (by user, patient or time) and a player. Like the audit page,
 * our own stylesheet and scripts only; the search works without any script, the player needs one.
 */

function duration(row: RecordingRow): string {
  if (!row.endedAt) return '—';
  const seconds = Math.max(0, Math.round((row.endedAt.getTime() - row.startedAt.getTime()) / 1000));
  const h2 = (n: number): string => String(n).padStart(2, '0');
  return `${Math.floor(seconds / 3600)}:${h2(Math.floor(seconds / 60) % 60)}:${h2(seconds % 60)}`;
}

function size(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function languageQuery(language: ConsoleLanguage, first: '?' | '&' = '?'): string {
  return language === 'en' ? `${first}lang=en` : '';
}

function recordingsTable(
  language: ConsoleLanguage,
  m: RecordingMessages,
  rows: { recording: RecordingRow; accesses?: PatientAccess[] }[],
): Html {
  const withAccesses = rows.some((r) => r.accesses);
  const row = ({ recording: r, accesses }: { recording: RecordingRow; accesses?: PatientAccess[] }): Html => {
    const playable = r.state !== 'deleted';
    const accessesHere = (accesses ?? []).map((a) => `${tokyoDateTimeSeconds(a.occurredAt)} ${a.type}`);
    return html`<tr data-recording="${r.id}">
      <td>${r.userDisplayName}（${r.userId}）</td>
      <td>${r.userOrganisation}</td>
      <td>${r.desktopId}（${r.poolId}）</td>
      <td>${tokyoDateTimeSeconds(r.startedAt)}</td>
      <td>${r.endedAt ? tokyoDateTimeSeconds(r.endedAt) : '—'}</td>
      <td class="number">${duration(r)}</td>
      <td class="number">${size(r.fileBytes)}</td>
      <td>${m[`state-${r.state}`]}</td>
      ${withAccesses && html`<td>${joinHtml(accessesHere, html`<br />`)}</td>`}
      <td>
        ${
          playable &&
          html`<a class="button" href="/admin/recordings/${r.id}${languageQuery(language)}">${m.play}</a>`
        }
      </td>
    </tr>`;
  };
  return html`<div class="scroll">
    <table id="recordings">
      <thead>
        <tr>
          <th>${m.who}</th>
          <th>${m.organisation}</th>
          <th>${m.desktop}</th>
          <th>${m.startedAt}</th>
          <th>${m.endedAt}</th>
          <th>${m.duration}</th>
          <th>${m.size}</th>
          <th>${m.state}</th>
          ${withAccesses && html`<th>${m.accessesHere}</th>`}
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(row)}
      </tbody>
    </table>
  </div>`;
}

function accessesTable(m: RecordingMessages, accesses: PatientAccess[], id: string, withSeek?: Date): Html {
  const seek = (a: PatientAccess): Html | false => {
    if (!withSeek) return false;
    const offset = Math.max(0, a.occurredAt.getTime() - withSeek.getTime());
    return html`<td>
      <button type="button" class="seek" data-offset-ms="${offset}">${m.seekHere}</button>
    </td>`;
  };
  return html`<div class="scroll">
    <table id="${id}">
      <thead>
        <tr>
          <th>${m.accessTime}</th>
          <th>${m.who}</th>
          <th>${m.patient}</th>
          <th>${m.accessType}</th>
          <th>${m.accessOutcome}</th>
          ${withSeek && html`<th></th>`}
        </tr>
      </thead>
      <tbody>
        ${accesses.map(
          (a) =>
            html`<tr>
              <td>${tokyoDateTimeSeconds(a.occurredAt)}</td>
              <td>${a.actorId}</td>
              <td>${a.patientId}</td>
              <td>${a.type}</td>
              <td>${a.outcome}</td>
              ${seek(a)}
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function recordingsPage(
  language: ConsoleLanguage,
  m: RecordingMessages,
  user: SignedInUser,
  view: {
    query: Record<string, string>;
    rows?: RecordingRow[];
    byPatient?: PatientRecordings;
    isPatientSearchAvailable: boolean;
    isConfigured: boolean;
    limit: number;
  },
): string {
  const field = (name: string, label: string, type = 'text'): Html =>
    html`<label>${label}<input type="${type}" name="${name}" value="${view.query[name] ?? ''}" /></label>`;
  let results: Html | undefined;
  if (view.byPatient) {
    const { matches, unmatched, isTruncated } = view.byPatient;
    results = html`${isTruncated && html`<p class="notice">${fill(m.truncated, { n: 2000 })}</p>`}
      <p class="meta">${fill(m.matchNote, { s: MATCH_TOLERANCE_SECONDS })}</p>
      ${matches.length === 0 ? html`<p>${m.noResults}</p>` : recordingsTable(language, m, matches)}
      ${
        unmatched.length > 0 &&
        html`<h3>${m.unmatchedTitle}</h3>
          <p class="meta">${m.unmatchedHelp}</p>
          ${accessesTable(m, unmatched, 'unmatched')}`
      }`;
  } else if (view.rows) {
    results =
      view.rows.length === 0
        ? html`<p>${m.noResults}</p>`
        : html`<p class="meta">${fill(m.latest, { n: view.limit })}</p>
            ${recordingsTable(
              language,
              m,
              view.rows.map((recording) => ({ recording })),
            )}`;
  }
  const body = html`<section aria-labelledby="search-title">
      <h2 id="search-title">${m.searchRecordings}</h2>
      <p class="meta">${m.searchHelp}</p>
      ${!view.isConfigured && html`<p class="notice">${m.notConfigured}</p>`}
      ${!view.isPatientSearchAvailable && html`<p class="notice">${m.patientUnavailable}</p>`}
      <form method="get" action="/admin/recordings" class="search">
        ${language === 'en' && html`<input type="hidden" name="lang" value="en" />`}
        ${field('user', m.user)}${view.isPatientSearchAvailable && field('patient', m.patient)}
        ${field('from', m.from, 'datetime-local')}${field('to', m.to, 'datetime-local')}
        <button type="submit">${m.search}</button>
      </form>
    </section>
    <section aria-labelledby="results-title">
      <h2 id="results-title">${m.results}</h2>
      ${results}
    </section>`;
  const other = new URLSearchParams(view.query);
  if (language === 'en') other.delete('lang');
  else other.set('lang', 'en');
  return layout(
    language,
    consoleMessages(language),
    m.recordingsTitle,
    user,
    `/admin/recordings?${other.toString()}`,
    body,
  );
}

export function playerPage(
  language: ConsoleLanguage,
  m: RecordingMessages,
  user: SignedInUser,
  recording: RecordingRow,
  accesses: PatientAccess[] | undefined,
): string {
  const texts = { loading: m.loading, loaded: m.loaded, failedToLoad: m.failedToLoad };
  // Script text is not HTML: the JSON goes in unescaped; with `<` written \u003c it cannot end the element.
  const textsJson = trustedHtml(JSON.stringify(texts).replaceAll('<', '\\u003c'));
  // The player's position 0 on the clock: when the first frame went out, or (cut off before) the start.
  const origin = recording.firstFrameAt ?? recording.startedAt;
  const body = html`<section aria-labelledby="about-title">
      <h2 id="about-title">${m.aboutRecording}</h2>
      <dl class="facts">
        <dt>${m.who}</dt>
        <dd>${recording.userDisplayName}（${recording.userId}）、${recording.userOrganisation}</dd>
        <dt>${m.desktop}</dt>
        <dd>${recording.desktopId}（${recording.poolId}）</dd>
        <dt>${m.startedAt}</dt>
        <dd>${tokyoDateTimeSeconds(recording.startedAt)}</dd>
        <dt>${m.endedAt}</dt>
        <dd>${recording.endedAt ? tokyoDateTimeSeconds(recording.endedAt) : '—'}</dd>
        <dt>${m.size}</dt>
        <dd>${size(recording.fileBytes)}</dd>
        <dt>${m.state}</dt>
        <dd>${m[`state-${recording.state}`]}</dd>
        <dt>${m.expiresAt}</dt>
        <dd>${tokyoDateTimeSeconds(recording.expiresAt)}</dd>
        <dt>${m.sessionRef}</dt>
        <dd><code>${recording.sessionRef}</code></dd>
      </dl>
      ${recording.state !== 'complete' && html`<p class="notice">${m.incompleteNote}</p>`}
      <p class="meta">${m.playbackAudited}</p>
    </section>
    <section aria-labelledby="player-title">
      <h2 id="player-title">${m.player}</h2>
      <div
        id="player"
        data-recording="${recording.id}"
        data-first-frame-at="${origin.getTime()}"
        data-state="loading"
      >
        <p id="player-status" role="status">${m.loading}</p>
        <div class="controls">
          <button type="button" id="play" disabled>${m.playPause}</button>
          <label
            >${m.position} <input type="range" id="seek" min="0" max="0" value="0" step="1" disabled
          /></label>
          <span id="clock">0:00 / 0:00</span> <span id="wall-clock" class="meta"></span>
        </div>
        <div id="screen"></div>
      </div>
    </section>
    <section aria-labelledby="accesses-title">
      <h2 id="accesses-title">${m.accessesDuring}</h2>
      ${
        accesses === undefined
          ? html`<p class="notice">${m.patientUnavailable}</p>`
          : accesses.length === 0
            ? html`<p>${m.noAccessesDuring}</p>`
            : accessesTable(m, accesses, 'accesses-during', origin)
      }
    </section>
    <script type="application/json" id="player-messages">
      ${textsJson}
    </script>`;
  return layout(
    language,
    consoleMessages(language),
    m.recordingTitle,
    user,
    `/admin/recordings/${recording.id}${language === 'en' ? '' : '?lang=en'}`,
    body,
    ['/client/admin/recording-player.js'],
  );
}
