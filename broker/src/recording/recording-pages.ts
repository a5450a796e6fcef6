import { tokyoDateTimeSeconds } from '@hcw/common';
import type { SignedInUser } from '../auth/signed-in-user.js';
import { fill, consoleMessages, type ConsoleLanguage } from '../admin/console-messages.js';
import { layout } from '../admin/console-pages.js';
import { escapeHtml as h } from '../http/html.js';
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
): string {
  const withAccesses = rows.some((r) => r.accesses);
  return `<div class="scroll"><table id="recordings"><thead><tr>
<th>${h(m.who)}</th><th>${h(m.organisation)}</th><th>${h(m.desktop)}</th><th>${h(m.startedAt)}</th>
<th>${h(m.endedAt)}</th><th>${h(m.duration)}</th><th>${h(m.size)}</th><th>${h(m.state)}</th>
${withAccesses ? `<th>${h(m.accessesHere)}</th>` : ''}<th></th></tr></thead><tbody>
${rows
  .map(({ recording: r, accesses }) => {
    const playable = r.state !== 'deleted';
    return `<tr data-recording="${h(r.id)}"><td>${h(r.userDisplayName)}（${h(r.userId)}）</td><td>${h(r.userOrganisation)}</td>
<td>${h(r.desktopId)}（${h(r.poolId)}）</td><td>${h(tokyoDateTimeSeconds(r.startedAt))}</td>
<td>${h(r.endedAt ? tokyoDateTimeSeconds(r.endedAt) : '—')}</td><td class="number">${h(duration(r))}</td>
<td class="number">${h(size(r.fileBytes))}</td><td>${h(m[`state-${r.state}`])}</td>
${withAccesses ? `<td>${(accesses ?? []).map((a) => h(`${tokyoDateTimeSeconds(a.occurredAt)} ${a.type}`)).join('<br>')}</td>` : ''}
<td>${playable ? `<a class="button" href="/admin/recordings/${h(r.id)}${languageQuery(language)}">${h(m.play)}</a>` : ''}</td></tr>`;
  })
  .join('')}</tbody></table></div>`;
}

function accessesTable(m: RecordingMessages, accesses: PatientAccess[], id: string, withSeek?: Date): string {
  return `<div class="scroll"><table id="${id}"><thead><tr><th>${h(m.accessTime)}</th><th>${h(m.who)}</th>
<th>${h(m.patient)}</th><th>${h(m.accessType)}</th><th>${h(m.accessOutcome)}</th>${withSeek ? '<th></th>' : ''}</tr></thead><tbody>
${accesses
  .map(
    (
      a,
    ) => `<tr><td>${h(tokyoDateTimeSeconds(a.occurredAt))}</td><td>${h(a.actorId)}</td><td>${h(a.patientId)}</td>
<td>${h(a.type)}</td><td>${h(a.outcome)}</td>${
      withSeek
        ? `<td><button type="button" class="seek" data-offset-ms="${Math.max(0, a.occurredAt.getTime() - withSeek.getTime())}">${h(m.seekHere)}</button></td>`
        : ''
    }</tr>`,
  )
  .join('')}</tbody></table></div>`;
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
  const field = (name: string, label: string, type = 'text'): string =>
    `<label>${h(label)}<input type="${type}" name="${name}" value="${h(view.query[name] ?? '')}"></label>`;
  let results: string;
  if (view.byPatient) {
    const { matches, unmatched, isTruncated } = view.byPatient;
    results =
      (isTruncated ? `<p class="notice">${h(fill(m.truncated, { n: 2000 }))}</p>` : '') +
      `<p class="meta">${h(fill(m.matchNote, { s: MATCH_TOLERANCE_SECONDS }))}</p>` +
      (matches.length === 0 ? `<p>${h(m.noResults)}</p>` : recordingsTable(language, m, matches)) +
      (unmatched.length > 0
        ? `<h3>${h(m.unmatchedTitle)}</h3><p class="meta">${h(m.unmatchedHelp)}</p>${accessesTable(m, unmatched, 'unmatched')}`
        : '');
  } else if (view.rows) {
    results =
      view.rows.length === 0
        ? `<p>${h(m.noResults)}</p>`
        : `<p class="meta">${h(fill(m.latest, { n: view.limit }))}</p>${recordingsTable(
            language,
            m,
            view.rows.map((recording) => ({ recording })),
          )}`;
  } else {
    results = '';
  }
  const body = `
<section aria-labelledby="search-title"><h2 id="search-title">${h(m.searchRecordings)}</h2>
<p class="meta">${h(m.searchHelp)}</p>
${view.isConfigured ? '' : `<p class="notice">${h(m.notConfigured)}</p>`}
${view.isPatientSearchAvailable ? '' : `<p class="notice">${h(m.patientUnavailable)}</p>`}
<form method="get" action="/admin/recordings" class="search">${language === 'en' ? '<input type="hidden" name="lang" value="en">' : ''}
${field('user', m.user)}${view.isPatientSearchAvailable ? field('patient', m.patient) : ''}
${field('from', m.from, 'datetime-local')}${field('to', m.to, 'datetime-local')}
<button type="submit">${h(m.search)}</button></form></section>
<section aria-labelledby="results-title"><h2 id="results-title">${h(m.results)}</h2>${results}</section>`;
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
  // The player's position 0 on the clock: when the first frame went out, or (cut off before) the start.
  const origin = recording.firstFrameAt ?? recording.startedAt;
  const body = `
<section aria-labelledby="about-title"><h2 id="about-title">${h(m.aboutRecording)}</h2>
<dl class="facts">
<dt>${h(m.who)}</dt><dd>${h(recording.userDisplayName)}（${h(recording.userId)}）、${h(recording.userOrganisation)}</dd>
<dt>${h(m.desktop)}</dt><dd>${h(recording.desktopId)}（${h(recording.poolId)}）</dd>
<dt>${h(m.startedAt)}</dt><dd>${h(tokyoDateTimeSeconds(recording.startedAt))}</dd>
<dt>${h(m.endedAt)}</dt><dd>${h(recording.endedAt ? tokyoDateTimeSeconds(recording.endedAt) : '—')}</dd>
<dt>${h(m.size)}</dt><dd>${h(size(recording.fileBytes))}</dd>
<dt>${h(m.state)}</dt><dd>${h(m[`state-${recording.state}`])}</dd>
<dt>${h(m.expiresAt)}</dt><dd>${h(tokyoDateTimeSeconds(recording.expiresAt))}</dd>
<dt>${h(m.sessionRef)}</dt><dd><code>${h(recording.sessionRef)}</code></dd>
</dl>
${recording.state === 'complete' ? '' : `<p class="notice">${h(m.incompleteNote)}</p>`}
<p class="meta">${h(m.playbackAudited)}</p></section>
<section aria-labelledby="player-title"><h2 id="player-title">${h(m.player)}</h2>
<div id="player" data-recording="${h(recording.id)}" data-first-frame-at="${origin.getTime()}" data-state="loading">
<p id="player-status" role="status">${h(m.loading)}</p>
<div class="controls"><button type="button" id="play" disabled>${h(m.playPause)}</button>
<label>${h(m.position)} <input type="range" id="seek" min="0" max="0" value="0" step="1" disabled></label>
<span id="clock">0:00 / 0:00</span> <span id="wall-clock" class="meta"></span></div>
<div id="screen"></div></div></section>
<section aria-labelledby="accesses-title"><h2 id="accesses-title">${h(m.accessesDuring)}</h2>
${
  accesses === undefined
    ? `<p class="notice">${h(m.patientUnavailable)}</p>`
    : accesses.length === 0
      ? `<p>${h(m.noAccessesDuring)}</p>`
      : accessesTable(m, accesses, 'accesses-during', origin)
}</section>
<script type="application/json" id="player-messages">${JSON.stringify(texts).replaceAll('<', '\\u003c')}</script>`;
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
