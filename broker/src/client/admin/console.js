// The administrator's console: live sessions and pools over socket.io, ending a session, changing a pool's
// policy. Text is set with textContent only; nothing is kept in browser storage.
import { io } from '/admin/vendor/socket.io.esm.min.js';

const m = JSON.parse(document.getElementById('console-messages').textContent);
const language = document.documentElement.lang === 'en' ? 'en' : 'ja';
const sessionsBody = document.querySelector('#sessions tbody');
const noSessions = document.getElementById('no-sessions');
const poolsEl = document.getElementById('pools');
const liveStatus = document.getElementById('live-status');
const actionStatus = document.getElementById('action-status');
const updatedAt = document.getElementById('updated-at');

const clock = new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : 'ja-JP', {
  timeZone: 'Asia/Tokyo',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'className') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, '');
    else if (value !== false && value !== undefined) node.setAttribute(key, String(value));
  }
  node.append(...children.filter((c) => c !== undefined));
  return node;
}

function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function say(text) {
  actionStatus.textContent = text;
  actionStatus.hidden = false;
}

async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-requested-with': 'hcw-client' },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer?.error?.[language] ?? String(response.status));
  return answer;
}

async function endSession(fact) {
  if (!window.confirm(`${fact.displayName}（${fact.userId}）\n${m.endSessionConfirm}`)) return;
  const note = window.prompt(m.endSessionNote, '') ?? '';
  try {
    await post(`/admin/api/sessions/${encodeURIComponent(fact.ref)}/end`, note ? { note } : {});
    say(m.sessionEnded);
  } catch (error) {
    say(`${m.changeFailed}: ${error.message}`);
  }
}

async function returnToService(poolId, desktopId) {
  if (!window.confirm(`${desktopId}\n${m.returnToServiceConfirm}`)) return;
  try {
    await post(
      `/admin/api/pools/${encodeURIComponent(poolId)}/desktops/${encodeURIComponent(desktopId)}/return-to-service`,
      {},
    );
    say(m.returnedToService);
  } catch (error) {
    say(`${m.changeFailed}: ${error.message}`);
  }
}

function renderSessions(sessions) {
  noSessions.hidden = sessions.length > 0;
  sessionsBody.replaceChildren(
    ...sessions.map((s) =>
      el(
        'tr',
        { dataset: { ref: s.ref } },
        el('td', { text: `${s.displayName}（${s.userId}）` }),
        el('td', { text: s.organisation }),
        el('td', { text: m[s.device] ?? s.device }),
        el('td', { text: `${s.desktopId}（${s.poolId}）` }),
        el('td', { text: s.guacd }),
        el('td', { text: clock.format(s.signedInAt) }),
        el('td', { text: m[s.tunnel] ?? s.tunnel }),
        el('td', { className: 'number', text: `${bytes(s.bytesFromDesktop)} / ${bytes(s.bytesToDesktop)}` }),
        el('td', { className: 'number', text: `${s.droppedFromDesktop} / ${s.droppedFromBrowser}` }),
        el(
          'td',
          {},
          el('button', {
            type: 'button',
            className: 'danger',
            text: m.endSession,
            onclick: () => endSession(s),
          }),
        ),
      ),
    ),
  );
}

const shownRevision = new Map();

function policyForm(pool) {
  const { policies, size } = pool.settings;
  const field = (name, label, input) => el('label', {}, label, input);
  const form = el(
    'form',
    { className: 'policy', dataset: { pool: pool.poolId } },
    field('size', m.size, el('input', { type: 'number', name: 'size', min: 0, max: 1000, value: size })),
    field(
      'idleMinutes',
      m.idleMinutes,
      el('input', { type: 'number', name: 'idleMinutes', min: 1, max: 480, value: policies.idleMinutes }),
    ),
    field(
      'maxSessionHours',
      m.maxSessionHours,
      el('input', {
        type: 'number',
        name: 'maxSessionHours',
        min: 0.25,
        max: 24,
        step: 0.25,
        value: policies.maxSessionHours,
      }),
    ),
    field(
      'imageVersions',
      m.allowedImages,
      el('input', { type: 'text', name: 'imageVersions', value: policies.imageVersions.join(', ') }),
    ),
    el(
      'label',
      {},
      el('input', { type: 'checkbox', name: 'canPaste', checked: policies.canPaste }),
      m.canPaste,
    ),
    recordingFields(pool),
    el('button', { type: 'submit', text: m.saveChanges }),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const change = {
      size: Number(data.get('size')),
      idleMinutes: Number(data.get('idleMinutes')),
      maxSessionHours: Number(data.get('maxSessionHours')),
      imageVersions: String(data.get('imageVersions') ?? '')
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
      canPaste: data.get('canPaste') === 'on',
      recording: {
        mode: String(data.get('recordingMode') ?? 'off'),
        roles: data.get('recordingMode') === 'roles' ? data.getAll('recordingRole').map(String) : [],
        retentionDays: Number(data.get('retentionDays')),
      },
    };
    try {
      await post(`/admin/api/pools/${encodeURIComponent(pool.poolId)}/policy`, change);
      say(m.changed);
    } catch (error) {
      say(`${m.changeFailed}: ${error.message}`);
    }
  });
  return form;
}

/** Recording off, for chosen roles of the pool, or for everyone (applies from each user's next connection). */
function recordingFields(pool) {
  const { recording } = pool.settings.policies;
  const mode = (value, label) =>
    el(
      'label',
      {},
      el('input', { type: 'radio', name: 'recordingMode', value, checked: recording.mode === value }),
      label,
    );
  return el(
    'fieldset',
    { className: 'recording' },
    el('legend', { text: m.recording }),
    mode('off', m.recordingOff),
    mode('roles', m.recordingRoles),
    el(
      'div',
      { className: 'roles' },
      ...pool.roles.map((role) =>
        el(
          'label',
          {},
          el('input', {
            type: 'checkbox',
            name: 'recordingRole',
            value: role,
            checked: recording.roles.includes(role),
          }),
          m[`role-${role}`] ?? role,
        ),
      ),
    ),
    mode('everyone', m.recordingEveryone),
    el(
      'label',
      {},
      m.retentionDays,
      el('input', {
        type: 'number',
        name: 'retentionDays',
        min: 0.001,
        max: 3650,
        step: 'any',
        value: recording.retentionDays,
      }),
    ),
    el('p', { className: 'meta', text: m.recordingHelp }),
  );
}

function recordingText(recording) {
  const kept = `（${m.retentionDays}: ${recording.retentionDays}）`;
  if (recording.mode === 'everyone') return `${m.recordingEveryone}${kept}`;
  if (recording.mode === 'roles')
    return `${m.recordingRoles}: ${recording.roles.map((r) => m[`role-${r}`] ?? r).join('、')}${kept}`;
  return m.recordingOff;
}

function renderPools(pools) {
  for (const pool of pools) {
    let box = poolsEl.querySelector(`[data-pool-box="${CSS.escape(pool.poolId)}"]`);
    if (!box) {
      box = el(
        'div',
        { className: 'pool', dataset: { poolBox: pool.poolId } },
        el('div', { className: 'status' }),
      );
      poolsEl.append(box);
    }
    const status = box.querySelector('.status');
    status.replaceChildren(
      el('h3', { text: `${pool.poolId}（${m.provider}: ${pool.provider}）` }),
      el(
        'ul',
        { className: 'counts' },
        ...Object.entries(pool.counts)
          .filter(
            ([state, count]) => count > 0 || ['warm', 'leased', 'unhealthy', 'wipe-failed'].includes(state),
          )
          .map(([state, count]) => el('li', { dataset: { state }, text: `${m[state] ?? state}: ${count}` })),
      ),
      el('p', { text: `${m.imageVersions}: ${pool.imageVersions.join(', ') || '—'}` }),
      el('p', {
        dataset: { recording: pool.settings.policies.recording.mode },
        text: `${m.recording}: ${recordingText(pool.settings.policies.recording)}`,
      }),
      el('p', {
        text: `${m.guacdInstances}: ${pool.guacd.map((g) => `${g.address}（${g.isUp ? m.up : m.down}, ${g.leases}）`).join(' ')}`,
      }),
      el(
        'div',
        { className: 'scroll' },
        el(
          'table',
          {},
          el(
            'tbody',
            {},
            ...pool.desktops.map((d) =>
              el(
                'tr',
                { dataset: { desktop: d.id } },
                el('td', { text: d.id }),
                el('td', { className: `state-${d.state}`, text: m[d.state] ?? d.state }),
                el('td', { text: d.imageVersion ?? '' }),
                el('td', { text: d.userId ?? '' }),
                el(
                  'td',
                  {},
                  d.state === 'wipe-failed'
                    ? el(
                        'span',
                        {},
                        d.outOfServiceSince
                          ? `${m.outOfServiceSince}: ${clock.format(new Date(d.outOfServiceSince))} `
                          : '',
                        el('button', {
                          type: 'button',
                          className: 'danger',
                          text: m.returnToService,
                          onclick: () => returnToService(pool.poolId, d.id),
                        }),
                      )
                    : undefined,
                ),
              ),
            ),
          ),
        ),
      ),
    );
    // The form is rebuilt only when the policy changed, so an administrator's typing is not swept away.
    const form = box.querySelector('form');
    if (shownRevision.get(pool.poolId) !== pool.settings.revision || !form) {
      if (!form || !form.contains(document.activeElement)) {
        form?.remove();
        box.append(policyForm(pool));
        shownRevision.set(pool.poolId, pool.settings.revision);
      }
    }
  }
}

function render(snapshot) {
  updatedAt.textContent = clock.format(new Date(snapshot.at));
  renderSessions(snapshot.sessions);
  renderPools(snapshot.pools);
}

async function refresh() {
  const response = await fetch('/admin/api/snapshot', { credentials: 'same-origin' });
  if (response.ok) render(await response.json());
}

const socket = io({ path: '/admin/live', transports: ['websocket'] });
socket.on('snapshot', (snapshot) => {
  liveStatus.hidden = true;
  render(snapshot);
});
socket.on('changed', () => void refresh());
socket.on('disconnect', () => (liveStatus.hidden = false));
socket.on('connect_error', () => (liveStatus.hidden = false));

// The charts are pictures drawn by the server; a fresh one every minute.
setInterval(() => {
  for (const img of document.querySelectorAll('img.chart')) img.src = `${img.dataset.src}&t=${Date.now()}`;
}, 60000);
