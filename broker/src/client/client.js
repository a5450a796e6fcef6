// The BYOD client: shows the remote desktop's pixels and sends input. It keeps nothing in browser storage:
// no localStorage, sessionStorage, IndexedDB or Cache Storage; the language lives in the URL. The one thing
// a device may keep is a service worker that shows alerts (a count, nothing else), if its user asks for them.
import Guacamole from './vendor/guacamole-common.js';
import { ALERTS_TEXT, setUpAlerts } from './alerts.js';
import { PHOTOS_TEXT, setUpPhotos } from './photos.js';

const LANG = new URLSearchParams(window.location.search).get('lang') === 'en' ? 'en' : 'ja';
const TEXT_OF = {
  ja: {
    connecting: '接続しています…',
    connected: '接続中',
    unstable: '通信が不安定です',
    reconnecting: '再接続しています…',
    waiting: '空きを待っています',
    reconnectingDetail: 'デスクトップはそのまま残っています。通信が戻ると自動でつながります。',
    offline: 'ネットワークにつながっていません',
    offlineDetail: 'デスクトップはそのまま残っています。ネットワークが戻ると自動でつながります。',
    ended: '接続が終了しました',
    notice: 'お知らせ',
    dismiss: '続ける',
    error: '接続できませんでした',
    errorDetail: 'しばらくすると自動でもう一度試します。',
    retryNow: '今すぐ再接続',
    again: 'もう一度サインイン',
    sessionOver: 'セッションが終了しました。もう一度サインインしてください。',
    menu: 'メニュー',
    close: '閉じる',
    textInput: '文字入力',
    keys: 'キー',
    touchDirect: 'タッチ: 直接',
    touchPad: 'タッチ: パッド',
    fullscreen: '全画面',
    leaveFullscreen: '全画面を終了',
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
    reconnectingDetail:
      'Your desktop is kept as it was. It reconnects by itself when the connection is back.',
    offline: 'No network',
    offlineDetail: 'Your desktop is kept as it was. It reconnects by itself when the network is back.',
    ended: 'Connection ended',
    notice: 'Notice',
    dismiss: 'Continue',
    error: 'Could not connect',
    errorDetail: 'It tries again by itself in a moment.',
    retryNow: 'Reconnect now',
    again: 'Sign in again',
    sessionOver: 'Your session has ended. Please sign in again.',
    menu: 'Menu',
    close: 'Close',
    textInput: 'Text',
    keys: 'Keys',
    touchDirect: 'Touch: direct',
    touchPad: 'Touch: touchpad',
    fullscreen: 'Full screen',
    leaveFullscreen: 'Leave full screen',
    otherLanguage: '日本語',
    signOut: 'Sign out',
    textHelp: "Type with your device's keyboard, then Send: the text goes into the desktop's focused field.",
    send: 'Send',
    fit: 'Fit',
    unknown: 'Unknown error',
  },
};
const TEXT = { ...TEXT_OF[LANG], ...ALERTS_TEXT[LANG], ...PHOTOS_TEXT[LANG] };

const $ = (id) => document.getElementById(id);
const viewportEl = $('viewport');
const displayEl = $('display');
const connectionEl = $('connection');
const menuButton = $('menu-button');
const menuEl = $('menu');
const statusEl = $('status');

document.documentElement.lang = LANG;
for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = TEXT[el.dataset.i18n];
$('language').href = LANG === 'en' ? '?lang=ja' : '?lang=en';
menuButton.setAttribute('aria-label', TEXT.menu);

/** Messages from the broker come as "日本語 / English"; show the half in the page's language. */
function localised(message) {
  if (!message) return message;
  const [ja, en] = message.split(' / ');
  return LANG === 'en' && en ? en : ja;
}

// --- What the connection is doing: the menu's status line, the button's dot, and a card over the desktop
// whenever it is not simply connected.
let phase = 'connecting';
function showStatus(state, detail) {
  phase = state;
  statusEl.dataset.state = state;
  statusEl.textContent = detail ? `${TEXT[state]}（${detail}）` : TEXT[state];
  menuButton.dataset.state = state;
  connectionEl.dataset.state = state;
  $('connection-title').textContent = TEXT[state];
  $('connection-detail').textContent = detail ?? TEXT[`${state}Detail`] ?? '';
  $('retry').hidden = !['reconnecting', 'offline', 'error'].includes(state);
  $('again').hidden = state !== 'ended';
  $('dismiss').hidden = state !== 'notice';
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

function requestBody(value) {
  return {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-requested-with': 'hcw-client' },
    body: JSON.stringify(value),
  };
}

// --- The device's shape: the desktop's screen becomes the area this page shows it in.
const SCREEN_SETTLE_MS = 250;

/** The display area in CSS pixels and the device's pixel ratio, within the bounds the broker accepts. */
function deviceViewport() {
  const clamp = (n) => Math.min(3840, Math.max(240, Math.floor(n)));
  return {
    width: clamp(viewportEl.clientWidth),
    height: clamp(viewportEl.clientHeight),
    pixelRatio: Math.min(8, Math.max(0.5, window.devicePixelRatio || 1)),
  };
}

let sentViewport;
let screenTimer;
const sameViewport = (a, b) =>
  a && b && a.width === b.width && a.height === b.height && a.pixelRatio === b.pixelRatio;

function scheduleScreen(delay = SCREEN_SETTLE_MS) {
  clearTimeout(screenTimer);
  screenTimer = setTimeout(sendScreen, delay);
}

async function sendScreen() {
  // Before and between connections the connect call carries the size itself.
  if (phase !== 'connected' && phase !== 'unstable') return;
  // While the phone's keyboard is up for the text panel, the window may shrink for a moment: wait.
  if (document.activeElement === $('text-input')) return;
  const viewport = deviceViewport();
  if (sameViewport(viewport, sentViewport)) return;
  const response = await fetch('/api/desktop/screen', requestBody(viewport)).catch(() => undefined);
  if (!response) return;
  if (response.ok) sentViewport = viewport;
  else if (response.status === 429) scheduleScreen(1000 * Number(response.headers.get('retry-after') || 2));
  else if (response.status === 401) showEnded(TEXT.sessionOver);
}
$('text-input').addEventListener('blur', () => scheduleScreen());

// --- Scale: the desktop fits the area exactly; two fingers can still zoom in.
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
  const shownWidth = width * fit * zoom;
  const shownHeight = height * fit * zoom;
  const maxX = Math.max(0, shownWidth - displayEl.clientWidth);
  const maxY = Math.max(0, shownHeight - displayEl.clientHeight);
  pan = { x: Math.min(Math.max(pan.x, 0), maxX), y: Math.min(Math.max(pan.y, 0), maxY) };
  // While a new shape is on its way, the old one is centred rather than stuck in a corner.
  const left = Math.max(0, (displayEl.clientWidth - shownWidth) / 2);
  const top = Math.max(0, (displayEl.clientHeight - shownHeight) / 2);
  display.getElement().style.transform = `translate(${left - pan.x}px, ${top - pan.y}px)`;
}

function onShapeChange() {
  fitDisplay();
  scheduleScreen();
}
window.addEventListener('resize', onShapeChange);
window.screen.orientation?.addEventListener('change', onShapeChange);
document.addEventListener('fullscreenchange', () => {
  $('fullscreen').textContent = document.fullscreenElement ? TEXT.leaveFullscreen : TEXT.fullscreen;
  onShapeChange();
});
$('zoom-reset').addEventListener('click', () => {
  zoom = 1;
  pan = { x: 0, y: 0 };
  fitDisplay();
});

// --- Activity: the session's idle timer restarts only while the user really works in the desktop (AUTH-4).
const SESSION_CLOSED = 0x0209;
const ACTIVITY_REPORT_MS = 60000;
let lastInput = Date.now();
let ended = false;

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

function showEnded(message) {
  ended = true;
  clearTimeout(reconnectTimer);
  showStatus('ended', localised(message));
}

// --- The menu: one button, draggable out of the way of whatever it covers.
function setMenu(open) {
  menuEl.hidden = !open;
  menuButton.setAttribute('aria-expanded', String(open));
}
let drag;
menuButton.addEventListener('pointerdown', (event) => {
  const box = menuButton.getBoundingClientRect();
  drag = {
    id: event.pointerId,
    dx: event.clientX - box.left,
    dy: event.clientY - box.top,
    x0: event.clientX,
    y0: event.clientY,
    moved: false,
  };
  menuButton.setPointerCapture(event.pointerId);
});
menuButton.addEventListener('pointermove', (event) => {
  if (!drag || drag.id !== event.pointerId) return;
  if (!drag.moved && Math.hypot(event.clientX - drag.x0, event.clientY - drag.y0) < 8) return;
  drag.moved = true;
  const size = menuButton.offsetWidth;
  const x = Math.min(Math.max(0, event.clientX - drag.dx), window.innerWidth - size);
  const y = Math.min(Math.max(0, event.clientY - drag.dy), window.innerHeight - size);
  Object.assign(menuButton.style, { left: `${x}px`, top: `${y}px`, right: 'auto', bottom: 'auto' });
});
menuButton.addEventListener('pointerup', (event) => {
  if (!drag || drag.id !== event.pointerId) return;
  const wasDragged = drag.moved;
  drag = undefined;
  if (!wasDragged) setMenu(menuEl.hidden);
});
menuButton.addEventListener('pointercancel', () => (drag = undefined));
// A keyboard's Enter or Space on the button.
menuButton.addEventListener('click', (event) => {
  if (event.detail === 0) setMenu(menuEl.hidden);
});
$('menu-close').addEventListener('click', () => setMenu(false));
window.addEventListener('resize', () => {
  // A dragged button stays on the screen when the screen turns.
  const box = menuButton.getBoundingClientRect();
  if (box.right > window.innerWidth || box.bottom > window.innerHeight) menuButton.removeAttribute('style');
});

const canFullscreen = document.fullscreenEnabled === true;
$('fullscreen').hidden = !canFullscreen;
$('fullscreen').addEventListener('click', () => {
  setMenu(false);
  if (document.fullscreenElement) document.exitFullscreen().catch(() => undefined);
  else document.documentElement.requestFullscreen({ navigationUI: 'hide' }).catch(() => undefined);
});

// --- Panels: text composed by the device's own input method, and keys a phone keyboard lacks.
function openPanel(button, panel, open) {
  panel.hidden = !open;
  button.setAttribute('aria-expanded', String(open));
}
$('text-toggle').addEventListener('click', (event) => {
  setMenu(false);
  const open = $('text-panel').hidden;
  openPanel(event.currentTarget, $('text-panel'), open);
  if (open) $('text-input').focus();
});
$('keys-toggle').addEventListener('click', (event) => {
  setMenu(false);
  openPanel(event.currentTarget, $('keys-panel'), $('keys-panel').hidden);
});
setUpAlerts({ lang: LANG, text: TEXT, $, onOpen: () => setMenu(false) }).catch(() => undefined);
setUpPhotos({ lang: LANG, text: TEXT, $, onOpen: () => setMenu(false) }).catch(() => undefined);
for (const button of document.querySelectorAll('[data-closes]')) {
  button.addEventListener('click', () => {
    const panel = $(button.dataset.closes);
    openPanel(panel.id === 'text-panel' ? $('text-toggle') : $('keys-toggle'), panel, false);
  });
}

async function sendText() {
  const input = $('text-input');
  const errorEl = $('text-error');
  const text = input.value;
  if (!text) return;
  noteInput();
  $('text-send').disabled = true;
  try {
    const response = await fetch('/api/desktop/text', requestBody({ text }));
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

// --- Touch. Direct: a tap clicks where the finger is, a one-finger drag scrolls the page under it, two
// fingers zoom and pan the picture. Touchpad: the finger moves a pointer, as on a laptop's pad.
const TAP_SLOP_PX = 10;
// One wheel step scrolls the kiosk's page by 120 CSS pixels, which here are the device's own; a step every
// 60 pixels of finger travel keeps up with a flick without jumping a whole screen.
const SCROLL_STEP_PX = 60;
const isTouchScreen = window.matchMedia('(pointer: coarse)').matches;
let touchMode = 'direct';
let pinch;
let finger;

function desktopPoint(touch) {
  const box = currentClient.getDisplay().getElement().getBoundingClientRect();
  return { x: touch.clientX - box.left, y: touch.clientY - box.top };
}

function sendPointer(point, buttons = {}) {
  currentClient.sendMouseState(
    { ...point, left: false, middle: false, right: false, up: false, down: false, ...buttons },
    true,
  );
}

displayEl.addEventListener(
  'touchstart',
  (event) => {
    if (!currentClient) return;
    if (event.touches.length === 2) {
      finger = undefined;
      const [a, b] = event.touches;
      pinch = {
        distance: Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY),
        zoom,
        mid: { x: (a.clientX + b.clientX) / 2, y: (a.clientY + b.clientY) / 2 },
        pan: { ...pan },
      };
      return;
    }
    if (touchMode !== 'direct' || event.touches.length !== 1) return;
    event.preventDefault();
    const touch = event.touches[0];
    finger = {
      start: desktopPoint(touch),
      lastY: touch.clientY,
      x0: touch.clientX,
      y0: touch.clientY,
      isScrolling: false,
      travel: 0,
    };
  },
  { capture: true, passive: false },
);
displayEl.addEventListener(
  'touchmove',
  (event) => {
    if (pinch && event.touches.length === 2) {
      event.stopPropagation();
      const [a, b] = event.touches;
      const distance = Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY);
      zoom = Math.min(4, Math.max(1, pinch.zoom * (distance / pinch.distance)));
      const mid = { x: (a.clientX + b.clientX) / 2, y: (a.clientY + b.clientY) / 2 };
      pan = { x: pinch.pan.x - (mid.x - pinch.mid.x), y: pinch.pan.y - (mid.y - pinch.mid.y) };
      fitDisplay();
      return;
    }
    if (!finger || touchMode !== 'direct' || event.touches.length !== 1) return;
    event.preventDefault();
    event.stopPropagation();
    const touch = event.touches[0];
    if (!finger.isScrolling && Math.hypot(touch.clientX - finger.x0, touch.clientY - finger.y0) < TAP_SLOP_PX)
      return;
    finger.isScrolling = true;
    // A finger moving up pulls the page up: the wheel turns down.
    finger.travel += finger.lastY - touch.clientY;
    finger.lastY = touch.clientY;
    while (Math.abs(finger.travel) >= SCROLL_STEP_PX) {
      const isDown = finger.travel > 0;
      finger.travel -= isDown ? SCROLL_STEP_PX : -SCROLL_STEP_PX;
      noteInput();
      sendPointer(finger.start, isDown ? { down: true } : { up: true });
      sendPointer(finger.start);
    }
  },
  { capture: true, passive: false },
);
displayEl.addEventListener(
  'touchend',
  (event) => {
    if (event.touches.length < 2) pinch = undefined;
    if (!finger || touchMode !== 'direct') return;
    event.preventDefault();
    event.stopPropagation();
    if (!finger.isScrolling) {
      noteInput();
      sendPointer(finger.start);
      sendPointer(finger.start, { left: true });
      sendPointer(finger.start);
    }
    finger = undefined;
  },
  { capture: true, passive: false },
);
displayEl.addEventListener('touchcancel', () => {
  finger = undefined;
  pinch = undefined;
});

let touchpad;
function attachTouchpad(client) {
  const element = client.getDisplay().getElement();
  // The old handler's DOM listeners stay, but with its listener removed it no longer sends anything.
  if (touchpad) touchpad.handler.offEach(['mousedown', 'mouseup', 'mousemove'], touchpad.listener);
  touchpad = undefined;
  if (touchMode !== 'pad') return;
  const handler = new Guacamole.Mouse.Touchpad(element);
  const listener = (event) => {
    noteInput();
    client.sendMouseState(event.state, true);
  };
  handler.onEach(['mousedown', 'mouseup', 'mousemove'], listener);
  touchpad = { handler, listener };
}
$('touch-mode').addEventListener('click', (event) => {
  touchMode = touchMode === 'direct' ? 'pad' : 'direct';
  event.currentTarget.textContent = touchMode === 'direct' ? TEXT.touchDirect : TEXT.touchPad;
  if (currentClient) {
    attachTouchpad(currentClient);
    currentClient.getDisplay().showCursor(!isTouchScreen || touchMode === 'pad');
  }
});

// Signing out ends the desktop too: the tunnel's close that follows is not a network drop to recover from.
document.querySelector('form[action="/auth/logout"]').addEventListener('submit', () => {
  ended = true;
});

// --- The connection, and getting it back. A phone that sleeps, goes to another app or changes network
// loses its connection; the desktop waits (the broker keeps the lease while the session lives), and this
// page reconnects as soon as it can: at once when it is shown again or the network returns, otherwise
// after a growing pause. Only the end of the session stops it.
const LONG_ABSENCE_MS = 10000;
let generation = 0;
let retryDelay = 0;
let reconnectTimer;
let hiddenAt;

async function requestToken() {
  const response = await fetch('/api/desktop/connect', requestBody({ viewport: deviceViewport() }));
  if (response.status === 401) {
    await showSessionOver(response);
    return undefined;
  }
  const body = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = new Error(body?.error?.[LANG] ?? TEXT.unknown);
    error.isRefusal = true;
    error.isFinal = response.status === 403;
    // Every desktop is taken: the broker says when to ask again, and the page does so by itself.
    if (response.status === 503 && typeof body?.retryAfterSeconds === 'number') {
      error.retryAfterSeconds = body.retryAfterSeconds;
    }
    throw error;
  }
  return body;
}

function scheduleReconnect(now = false) {
  if (ended) return;
  clearTimeout(reconnectTimer);
  if (!navigator.onLine) {
    showStatus('offline');
    return;
  }
  // A refusal from the broker (no desktop free, say) stays on the screen while the next try waits.
  if (phase !== 'error') showStatus('reconnecting');
  // A hidden page waits: it reconnects the moment it is shown.
  if (document.visibilityState !== 'visible') return;
  const delay = now ? 0 : retryDelay;
  // Short pauses: a page that is shown is being looked at, and one request every few seconds is cheap.
  retryDelay = Math.min(4000, Math.max(1000, retryDelay * 2));
  reconnectTimer = setTimeout(connect, delay);
}

function dropConnection() {
  generation += 1;
  const client = currentClient;
  currentClient = undefined;
  client?.disconnect();
}

async function connect() {
  if (ended) return;
  clearTimeout(reconnectTimer);
  dropConnection();
  const mine = generation;
  if (!['reconnecting', 'offline', 'error', 'waiting'].includes(phase)) showStatus('connecting');
  let grant;
  try {
    grant = await requestToken();
  } catch (error) {
    if (mine !== generation) return;
    if (error.isFinal) {
      ended = true;
      showStatus('error', error.message);
      return;
    }
    if (error.retryAfterSeconds !== undefined) {
      showStatus('waiting', error.message);
      clearTimeout(reconnectTimer);
      reconnectTimer = setTimeout(connect, error.retryAfterSeconds * 1000);
      return;
    }
    // The broker's refusal is shown as it is; no answer at all is a network that has not come back yet.
    if (error.isRefusal) showStatus('error', error.message);
    scheduleReconnect();
    return;
  }
  if (!grant || mine !== generation) return;
  // The broker says why a fresh desktop replaces the one the user had (it restarted, it stopped answering).
  const notice = typeof grant.notice === 'string' ? localised(grant.notice) : undefined;
  sentViewport = deviceViewport();
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const tunnel = new Guacamole.WebSocketTunnel(`${scheme}//${window.location.host}${grant.tunnelPath}`);
  const client = new Guacamole.Client(tunnel);
  currentClient = client;
  const display = client.getDisplay();
  displayEl.replaceChildren(display.getElement());
  display.onresize = () => fitDisplay();
  // A finger is its own pointer: the desktop's arrow is drawn only where a mouse or the touchpad moves it.
  display.showCursor(!isTouchScreen || touchMode === 'pad');

  let wasConnected = false;
  let isLost = false;
  // A tunnel that closes by itself (a dropped network) does not disconnect the client: both are watched.
  const lost = () => {
    if (isLost || ended || mine !== generation) return;
    isLost = true;
    currentClient = undefined;
    // A connection that was working is tried again at once; one that never came up, after a pause.
    scheduleReconnect(wasConnected);
  };
  tunnel.onstatechange = (state) => {
    if (ended || mine !== generation) return;
    if (state === Guacamole.Tunnel.State.UNSTABLE) showStatus('unstable');
    if (state === Guacamole.Tunnel.State.OPEN && wasConnected && phase !== 'notice') showStatus('connected');
    if (state === Guacamole.Tunnel.State.CLOSED) lost();
  };
  client.onstatechange = (state) => {
    if (mine !== generation) return;
    if (state === Guacamole.Client.State.CONNECTED) {
      wasConnected = true;
      retryDelay = 0;
      if (notice && phase !== 'notice') showStatus('notice', notice);
      else if (phase !== 'notice') showStatus('connected');
      // The window may have changed while the connection was being made.
      scheduleScreen(0);
    }
    if (state === Guacamole.Client.State.DISCONNECTED) lost();
  };
  client.onerror = (status) => {
    if (mine !== generation) return;
    if (status.code === SESSION_CLOSED) showEnded(status.message);
    // Anything else (a dropped socket, a desktop restarting) is recovered from: the close that follows
    // reconnects.
    else console.warn('connection error', status.code, status.message);
  };

  const mouse = new Guacamole.Mouse(display.getElement());
  mouse.onEach(['mousedown', 'mouseup', 'mousemove'], (event) => {
    noteInput();
    client.sendMouseState(event.state, true);
  });
  attachTouchpad(client);
  const keyboard = new Guacamole.Keyboard(displayEl);
  keyboard.onkeydown = (keysym) => {
    noteInput();
    client.sendKeyEvent(1, keysym);
  };
  keyboard.onkeyup = (keysym) => client.sendKeyEvent(0, keysym);
  displayEl.focus();

  const viewport = deviceViewport();
  const params = new URLSearchParams({
    token: grant.token,
    width: String(viewport.width),
    height: String(viewport.height),
    dpi: String(Math.round(96 * Math.min(2, viewport.pixelRatio))),
  });
  client.connect(params.toString());
}

$('dismiss').addEventListener('click', () => {
  showStatus('connected');
  displayEl.focus();
});
$('retry').addEventListener('click', () => {
  retryDelay = 0;
  connect();
});
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') {
    hiddenAt = Date.now();
    return;
  }
  const wasAwayLong = hiddenAt !== undefined && Date.now() - hiddenAt > LONG_ABSENCE_MS;
  hiddenAt = undefined;
  if (ended) return;
  // After a long absence the old socket is usually dead without knowing it yet: start afresh at once.
  if (wasAwayLong || phase !== 'connected') {
    retryDelay = 0;
    connect();
  }
});
window.addEventListener('online', () => {
  if (ended) return;
  // A new network (Wi-Fi to mobile data): the old socket's address is gone.
  retryDelay = 0;
  connect();
});
window.addEventListener('offline', () => {
  if (!ended && phase !== 'connected') showStatus('offline');
});
window.addEventListener('pagehide', (event) => {
  // Kept for going back (bfcache) or not, the page lets its desktop go quiet; pageshow reconnects.
  if (!event.persisted) ended = true;
  dropConnection();
});
window.addEventListener('pageshow', (event) => {
  if (event.persisted && !ended) {
    retryDelay = 0;
    connect();
  }
});

connect();
