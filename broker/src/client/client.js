// The BYOD client: shows the remote desktop's pixels and sends input. It keeps nothing in browser storage.
import Guacamole from './vendor/guacamole-common.js';

const statusEl = document.getElementById('status');
const displayEl = document.getElementById('display');

const STATES = {
  connecting: '接続しています…',
  connected: '接続中',
  reconnecting: '再接続しています…',
  ended: '接続が終了しました',
  error: '接続できませんでした',
};

function showStatus(state, detail) {
  statusEl.dataset.state = state;
  statusEl.textContent = detail ? `${STATES[state]}（${detail}）` : STATES[state];
}

async function requestToken() {
  const response = await fetch('/api/desktop/connect', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'x-requested-with': 'hcw-client' },
  });
  if (response.status === 401) {
    window.location.assign('/auth/login');
    return undefined;
  }
  const body = await response.json();
  if (!response.ok) throw new Error(body?.error?.ja ?? '不明なエラー');
  return body;
}

function fitDisplay(client) {
  const display = client.getDisplay();
  const width = display.getWidth();
  const height = display.getHeight();
  if (!width || !height) return;
  display.scale(Math.min(displayEl.clientWidth / width, displayEl.clientHeight / height));
}

const SESSION_CLOSED = 0x0209;
const ACTIVITY_REPORT_MS = 60000;
let lastInput = Date.now();
let ended = false;
let attempts = 0;

function noteInput() {
  lastInput = Date.now();
}

// The session's idle timer restarts only while the user is really working in the desktop (AUTH-4).
setInterval(async () => {
  if (ended || Date.now() - lastInput > ACTIVITY_REPORT_MS) return;
  const response = await fetch('/api/session/activity', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'x-requested-with': 'hcw-client' },
  }).catch(() => undefined);
  if (response?.status === 401) showEnded('セッションが終了しました。もう一度サインインしてください。');
}, ACTIVITY_REPORT_MS);

function showEnded(message) {
  ended = true;
  showStatus('ended', message);
  const link = document.createElement('a');
  link.href = '/';
  link.textContent = 'もう一度サインイン';
  link.className = 'again';
  statusEl.after(link);
}

async function connect() {
  showStatus(attempts === 0 ? 'connecting' : 'reconnecting');
  attempts += 1;
  let grant;
  try {
    grant = await requestToken();
  } catch (error) {
    showStatus('error', error.message);
    return;
  }
  if (!grant) return;
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const tunnel = new Guacamole.WebSocketTunnel(`${scheme}//${window.location.host}${grant.tunnelPath}`);
  const client = new Guacamole.Client(tunnel);
  const display = client.getDisplay();
  displayEl.replaceChildren(display.getElement());
  display.onresize = () => fitDisplay(client);
  window.addEventListener('resize', () => fitDisplay(client));

  client.onstatechange = (state) => {
    if (state === Guacamole.Client.State.CONNECTED) {
      attempts = 0;
      showStatus('connected');
    }
    if (state === Guacamole.Client.State.DISCONNECTED && !ended) {
      // A dropped network: a fresh token, the same desktop.
      if (attempts < 5 && document.visibilityState === 'visible') setTimeout(connect, 1000 * attempts);
      else showStatus('ended');
    }
  };
  client.onerror = (status) => {
    if (status.code === SESSION_CLOSED) showEnded(status.message);
    else showStatus('error', status.message || String(status.code));
  };

  const mouse = new Guacamole.Mouse(display.getElement());
  mouse.onEach(['mousedown', 'mouseup', 'mousemove'], (event) => client.sendMouseState(event.state, true));
  const touch = new Guacamole.Mouse.Touchscreen(display.getElement());
  touch.onEach(['mousedown', 'mouseup', 'mousemove'], (event) => client.sendMouseState(event.state, true));
  const keyboard = new Guacamole.Keyboard(displayEl);
  keyboard.onkeydown = (keysym) => {
    noteInput();
    client.sendKeyEvent(1, keysym);
  };
  keyboard.onkeyup = (keysym) => client.sendKeyEvent(0, keysym);
  display.getElement().addEventListener('pointerdown', noteInput);
  display.getElement().addEventListener('touchstart', noteInput, { passive: true });
  displayEl.focus();

  const params = new URLSearchParams({
    token: grant.token,
    width: String(Math.max(320, displayEl.clientWidth)),
    height: String(Math.max(240, displayEl.clientHeight)),
    dpi: '96',
  });
  client.connect(params.toString());
  window.addEventListener('pagehide', () => {
    ended = true;
    client.disconnect();
  });
}

connect();
