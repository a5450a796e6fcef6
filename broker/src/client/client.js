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

async function connect() {
  showStatus('connecting');
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
    if (state === Guacamole.Client.State.CONNECTED) showStatus('connected');
    if (state === Guacamole.Client.State.DISCONNECTED) showStatus('ended');
  };
  client.onerror = (status) => showStatus('error', status.message || String(status.code));

  const mouse = new Guacamole.Mouse(display.getElement());
  mouse.onEach(['mousedown', 'mouseup', 'mousemove'], (event) => client.sendMouseState(event.state, true));
  const touch = new Guacamole.Mouse.Touchscreen(display.getElement());
  touch.onEach(['mousedown', 'mouseup', 'mousemove'], (event) => client.sendMouseState(event.state, true));
  const keyboard = new Guacamole.Keyboard(displayEl);
  keyboard.onkeydown = (keysym) => client.sendKeyEvent(1, keysym);
  keyboard.onkeyup = (keysym) => client.sendKeyEvent(0, keysym);
  displayEl.focus();

  const params = new URLSearchParams({
    token: grant.token,
    width: String(Math.max(320, displayEl.clientWidth)),
    height: String(Math.max(240, displayEl.clientHeight)),
    dpi: '96',
  });
  client.connect(params.toString());
  window.addEventListener('pagehide', () => client.disconnect());
}

connect();
