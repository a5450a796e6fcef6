// The BYOD client: shows the remote desktop's pixels and sends input. It keeps nothing in browser storage:
// no localStorage, sessionStorage, IndexedDB, Cache Storage or service worker; the language lives in the URL.
import Guacamole from './vendor/guacamole-common.js';

const LANG = new URLSearchParams(window.location.search).get('lang') === 'en' ? 'en' : 'ja';
const TEXT = {
  ja: {
    connecting: '接続しています…',
    connected: '接続中',
    unstable: '通信が不安定です',
    reconnecting: '再接続しています…',
    waiting: '空きを待っています',
    ended: '接続が終了しました',
    error: '接続できませんでした',
    again: 'もう一度サインイン',
    sessionOver: 'セッションが終了しました。もう一度サインインしてください。',
    textInput: '文字入力',
    keys: 'キー',
    touchDirect: 'タッチ: 直接',
    touchPad: 'タッチ: パッド',
    otherLanguage: 'English',
    signOut: 'サインアウト',
    textHelp: '端末の入力（かな漢字変換）で入力し、「送信」でデスクトップの入力欄に入ります。',
    send: '送信',
    fit: '全体表示',
    unknown: '不明なエラー',
  },
  en: {
    connecting: 'Connecting…',
    connected: 'Connected',
    unstable: 'Connection unstable',
    reconnecting: 'Reconnecting…',
    waiting: 'Waiting for a free desktop',
    ended: 'Connection ended',
    error: 'Could not connect',
    again: 'Sign in again',
    sessionOver: 'Your session has ended. Please sign in again.',
    textInput: 'Text',
    keys: 'Keys',
    touchDirect: 'Touch: direct',
    touchPad: 'Touch: touchpad',
    otherLanguage: '日本語',
    signOut: 'Sign out',
    textHelp: "Type with your device's keyboard, then Send: the text goes into the desktop's focused field.",
    send: 'Send',
    fit: 'Fit',
    unknown: 'Unknown error',
  },
}[LANG];

const $ = (id) => document.getElementById(id);
const statusEl = $('status');
const viewportEl = $('viewport');
const displayEl = $('display');
const watermarkEl = $('watermark');

document.documentElement.lang = LANG;
for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = TEXT[el.dataset.i18n];
$('language').href = LANG === 'en' ? '?lang=ja' : '?lang=en';

/** Messages from the broker come as "日本語 / English"; show the half in the page's language. */
function localised(message) {
  if (!message) return message;
  const [ja, en] = message.split(' / ');
  return LANG === 'en' && en ? en : ja;
}

function showStatus(state, detail) {
  statusEl.dataset.state = state;
  statusEl.textContent = detail ? `${TEXT[state]}（${detail}）` : TEXT[state];
}

/**
 * The session behind this page is over: say why, as the broker gives it (signed out here or at the IdP, an
 * administrator, another device, idle, lifetime), and leave signing in again to the user. Going to the
 * sign-in page by itself would land on the IdP's page without a word about what happened.
 */
async function showSessionOver(response) {
  const body = await response.json().catch(() => undefined);
  showEnded(body?.error?.code === 'session-ended' ? body.error[LANG] : TEXT.sessionOver);
}

async function requestToken() {
  const response = await fetch('/api/desktop/connect', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'x-requested-with': 'hcw-client' },
  });
  if (response.status === 401) {
    await showSessionOver(response);
    return undefined;
  }
  const body = await response.json();
  if (response.status === 503 && typeof body?.retryAfterSeconds === 'number') {
    throw new WaitForDesktop(body.error?.[LANG] ?? TEXT.unknown, body.retryAfterSeconds);
  }
  if (!response.ok) throw new Error(body?.error?.[LANG] ?? TEXT.unknown);
  return body;
}

/** Every desktop is taken: the broker says when to ask again, and the page does so by itself. */
class WaitForDesktop extends Error {
  constructor(message, retryAfterSeconds) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

// --- Watermark: who is looking, and when (the one screenshot deterrent a browser allows).
let watermarkUser = '';
function drawWatermark() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}`;
  const label = `${watermarkUser} ${stamp}`;
  const count = Math.max(6, Math.ceil((viewportEl.clientWidth * viewportEl.clientHeight) / 45000));
  watermarkEl.replaceChildren(
    ...Array.from({ length: count }, () => {
      const span = document.createElement('span');
      span.textContent = label;
      return span;
    }),
  );
  watermarkEl.dataset.label = label;
}
fetch('/api/me', { credentials: 'same-origin' })
  .then((response) => (response.ok ? response.json() : undefined))
  .then((me) => {
    if (!me) return;
    watermarkUser = me.id;
    drawWatermark();
  })
  .catch(() => undefined);
setInterval(drawWatermark, 30000);

// --- Scale: fit the whole desktop, or zoom in with two fingers.
let zoom = 1;
let pan = { x: 0, y: 0 };
let currentClient;

function fitDisplay() {
  if (!currentClient) return;
  const display = currentClient.getDisplay();
  const width = display.getWidth();
  const height = display.getHeight();
  if (!width || !height) return;
  const fit = Math.min(displayEl.clientWidth / width, displayEl.clientHeight / height);
  display.scale(fit * zoom);
  const element = display.getElement();
  const maxX = Math.max(0, width * fit * zoom - displayEl.clientWidth);
  const maxY = Math.max(0, height * fit * zoom - displayEl.clientHeight);
  pan = { x: Math.min(Math.max(pan.x, 0), maxX), y: Math.min(Math.max(pan.y, 0), maxY) };
  element.style.transform = `translate(${-pan.x}px, ${-pan.y}px)`;
}

let pinch;
displayEl.addEventListener(
  'touchstart',
  (event) => {
    if (event.touches.length !== 2) return;
    const [a, b] = event.touches;
    pinch = {
      distance: Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY),
      zoom,
      mid: { x: (a.clientX + b.clientX) / 2, y: (a.clientY + b.clientY) / 2 },
      pan: { ...pan },
    };
  },
  { capture: true, passive: true },
);
displayEl.addEventListener(
  'touchmove',
  (event) => {
    if (!pinch || event.touches.length !== 2) return;
    event.stopPropagation();
    const [a, b] = event.touches;
    const distance = Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY);
    zoom = Math.min(4, Math.max(1, pinch.zoom * (distance / pinch.distance)));
    const mid = { x: (a.clientX + b.clientX) / 2, y: (a.clientY + b.clientY) / 2 };
    pan = { x: pinch.pan.x - (mid.x - pinch.mid.x), y: pinch.pan.y - (mid.y - pinch.mid.y) };
    fitDisplay();
  },
  { capture: true, passive: true },
);
displayEl.addEventListener('touchend', (event) => {
  if (event.touches.length < 2) pinch = undefined;
});
$('zoom-reset').addEventListener('click', () => {
  zoom = 1;
  pan = { x: 0, y: 0 };
  fitDisplay();
});
window.addEventListener('resize', () => {
  fitDisplay();
  drawWatermark();
});
window.addEventListener('orientationchange', () => setTimeout(fitDisplay, 200));

// --- Activity: the session's idle timer restarts only while the user really works in the desktop (AUTH-4).
const SESSION_CLOSED = 0x0209;
const ACTIVITY_REPORT_MS = 60000;
let lastInput = Date.now();
let ended = false;
let attempts = 0;

function noteInput() {
  lastInput = Date.now();
}

setInterval(async () => {
  if (ended || Date.now() - lastInput > ACTIVITY_REPORT_MS) return;
  const response = await fetch('/api/session/activity', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'x-requested-with': 'hcw-client' },
  }).catch(() => undefined);
  if (response?.status === 401) await showSessionOver(response);
}, ACTIVITY_REPORT_MS);

function whenVisible(action) {
  const check = () => {
    if (document.visibilityState !== 'visible') return;
    document.removeEventListener('visibilitychange', check);
    action();
  };
  document.addEventListener('visibilitychange', check);
}

function showEnded(message) {
  ended = true;
  showStatus('ended', localised(message));
  if (document.querySelector('.again')) return;
  const link = document.createElement('a');
  link.href = '/';
  link.textContent = TEXT.again;
  link.className = 'again';
  statusEl.after(link);
}

// --- Panels: text composed by the device's own input method, and keys a phone keyboard lacks.
function togglePanel(button, panel) {
  const open = panel.hidden;
  panel.hidden = !open;
  button.setAttribute('aria-expanded', String(open));
  setTimeout(fitDisplay, 0);
  return open;
}
$('text-toggle').addEventListener('click', (event) => {
  if (togglePanel(event.currentTarget, $('text-panel'))) $('text-input').focus();
});
$('keys-toggle').addEventListener('click', (event) => togglePanel(event.currentTarget, $('keys-panel')));

async function sendText() {
  const input = $('text-input');
  const errorEl = $('text-error');
  const text = input.value;
  if (!text) return;
  noteInput();
  $('text-send').disabled = true;
  try {
    const response = await fetch('/api/desktop/text', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-requested-with': 'hcw-client' },
      body: JSON.stringify({ text }),
    });
    if (response.ok) {
      input.value = '';
      errorEl.hidden = true;
    } else {
      const body = await response.json().catch(() => undefined);
      errorEl.textContent = body?.error?.[LANG] ?? TEXT.unknown;
      errorEl.hidden = false;
    }
  } finally {
    $('text-send').disabled = false;
  }
}
$('text-send').addEventListener('click', sendText);
$('text-input').addEventListener('keydown', (event) => {
  // Enter while the input method is composing chooses a conversion; only a plain Enter sends.
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    sendText();
  }
});

for (const button of document.querySelectorAll('[data-keysym]')) {
  button.addEventListener('click', () => {
    if (!currentClient) return;
    noteInput();
    const keysym = Number(button.dataset.keysym);
    currentClient.sendKeyEvent(1, keysym);
    currentClient.sendKeyEvent(0, keysym);
  });
}

// --- Touch: absolute (tap where you point) or touchpad (relative, like a laptop's pad).
let touchMode = 'direct';
let touch;
function attachTouch(client) {
  const element = client.getDisplay().getElement();
  // The old handler's DOM listeners stay, but with its listener removed it no longer sends anything.
  if (touch) touch.handler.offEach(['mousedown', 'mouseup', 'mousemove'], touch.listener);
  const handler =
    touchMode === 'direct' ? new Guacamole.Mouse.Touchscreen(element) : new Guacamole.Mouse.Touchpad(element);
  const listener = (event) => {
    noteInput();
    client.sendMouseState(event.state, true);
  };
  handler.onEach(['mousedown', 'mouseup', 'mousemove'], listener);
  touch = { handler, listener };
}
$('touch-mode').addEventListener('click', (event) => {
  touchMode = touchMode === 'direct' ? 'pad' : 'direct';
  event.currentTarget.textContent = touchMode === 'direct' ? TEXT.touchDirect : TEXT.touchPad;
  if (currentClient) attachTouch(currentClient);
});

// Signing out ends the desktop too: the tunnel's close that follows is not a network drop to recover from.
document.querySelector('form[action="/auth/logout"]').addEventListener('submit', () => {
  ended = true;
});

// --- The connection.
async function connect() {
  showStatus(attempts === 0 ? 'connecting' : 'reconnecting');
  attempts += 1;
  let grant;
  try {
    grant = await requestToken();
  } catch (error) {
    if (error instanceof WaitForDesktop) {
      attempts = 0;
      showStatus('waiting', error.message);
      setTimeout(connect, error.retryAfterSeconds * 1000);
      return;
    }
    showStatus('error', error.message);
    return;
  }
  if (!grant) return;
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const tunnel = new Guacamole.WebSocketTunnel(`${scheme}//${window.location.host}${grant.tunnelPath}`);
  const client = new Guacamole.Client(tunnel);
  currentClient = client;
  const display = client.getDisplay();
  displayEl.replaceChildren(display.getElement());
  display.onresize = () => fitDisplay();

  let clientState;
  tunnel.onstatechange = (state) => {
    if (ended) return;
    if (state === Guacamole.Tunnel.State.UNSTABLE) showStatus('unstable');
    if (state === Guacamole.Tunnel.State.OPEN && clientState === Guacamole.Client.State.CONNECTED)
      showStatus('connected');
    // Closed without an instruction saying so: the client does not notice by itself, and would stay
    // "connected" over a desktop that is gone.
    if (state === Guacamole.Tunnel.State.CLOSED) client.disconnect();
  };
  client.onstatechange = (state) => {
    clientState = state;
    if (state === Guacamole.Client.State.CONNECTED) {
      attempts = 0;
      showStatus('connected');
    }
    if (state === Guacamole.Client.State.DISCONNECTED && !ended) {
      // Closed without the broker saying why: a dropped network (a fresh token, the same desktop) or a session
      // that ended before its tunnel could be told (the next token request answers why). A hidden tab asks
      // when it is looked at again.
      if (attempts >= 5) showStatus('ended');
      else if (document.visibilityState === 'visible') setTimeout(connect, 1000 * attempts);
      else whenVisible(connect);
    }
  };
  client.onerror = (status) => {
    if (status.code === SESSION_CLOSED) showEnded(status.message);
    else showStatus('error', localised(status.message) || String(status.code));
  };

  const mouse = new Guacamole.Mouse(display.getElement());
  mouse.onEach(['mousedown', 'mouseup', 'mousemove'], (event) => {
    noteInput();
    client.sendMouseState(event.state, true);
  });
  attachTouch(client);
  const keyboard = new Guacamole.Keyboard(displayEl);
  keyboard.onkeydown = (keysym) => {
    noteInput();
    client.sendKeyEvent(1, keysym);
  };
  keyboard.onkeyup = (keysym) => client.sendKeyEvent(0, keysym);
  displayEl.focus();

  const params = new URLSearchParams({
    token: grant.token,
    width: String(Math.max(320, displayEl.clientWidth)),
    height: String(Math.max(240, displayEl.clientHeight)),
    dpi: String(Math.round(96 * Math.min(2, window.devicePixelRatio || 1))),
  });
  client.connect(params.toString());
  window.addEventListener('pagehide', () => {
    ended = true;
    client.disconnect();
  });
}

connect();
