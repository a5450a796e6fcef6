// Alerts on this device (opt-in): the broker tells it how many new items wait in the workspace, never what
// they are. Subscribing registers a service worker that only shows those alerts (alerts-sw.js).
const WORKER = '/client/alerts-sw.js';
const SCOPE = '/client/alerts/';

export const ALERTS_TEXT = {
  ja: {
    alerts: '通知',
    alertsHelp:
      '新着の件数だけをこの端末に通知します。患者さんの名前や内容は届きません。確認はワークスペースの中で行います。',
    alertsOn: 'この端末で受け取る',
    alertsOff: 'この端末では受け取らない',
    alertsOnState: 'この端末で通知を受け取っています。',
    alertsOffState: 'この端末では通知を受け取っていません。',
    alertsDenied: 'ブラウザーで通知が許可されていません。端末の設定で許可してください。',
    alertsUnsupported: 'このブラウザーは通知に対応していません。',
    alertsFailed: '通知を設定できませんでした。',
    quietHours: '通知しない時間帯',
    quietFrom: '開始',
    quietUntil: '終了',
    save: '保存',
    clear: '解除',
    quietSaved: '保存しました。この時間帯の新着は、終了時にまとめて通知します。',
    quietCleared: '時間帯を解除しました。',
  },
  en: {
    alerts: 'Alerts',
    alertsHelp:
      'This device is told how many new items there are, nothing more: no patient names or contents. You read them inside the workspace.',
    alertsOn: 'Alert this device',
    alertsOff: 'Stop alerts on this device',
    alertsOnState: 'This device receives alerts.',
    alertsOffState: 'This device does not receive alerts.',
    alertsDenied: 'The browser does not allow notifications. Allow them in the device’s settings.',
    alertsUnsupported: 'This browser cannot receive alerts.',
    alertsFailed: 'Alerts could not be set up.',
    quietHours: 'Quiet hours',
    quietFrom: 'From',
    quietUntil: 'Until',
    save: 'Save',
    clear: 'Clear',
    quietSaved: 'Saved. What arrives in these hours is told in one alert when they end.',
    quietCleared: 'Quiet hours cleared.',
  },
};

const headers = { 'content-type': 'application/json', 'x-requested-with': 'hcw-client' };
const call = (method, path, body) =>
  fetch(path, {
    method,
    credentials: 'same-origin',
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

function applicationServerKey(base64url) {
  const text = atob(base64url.replaceAll('-', '+').replaceAll('_', '/'));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** Push needs an active worker; `navigator.serviceWorker.ready` would wait for one controlling this page, never. */
async function activated(registration) {
  const worker = registration.installing ?? registration.waiting;
  if (registration.active || !worker) return;
  await new Promise((resolve) => {
    worker.addEventListener('statechange', () => {
      if (worker.state === 'activated') resolve();
    });
  });
}

async function currentSubscription() {
  const registration = await navigator.serviceWorker.getRegistration(SCOPE);
  return { registration, subscription: await registration?.pushManager.getSubscription() };
}

/** Wires the alerts panel; `lang` is the page's language, `text` its messages. */
export async function setUpAlerts({ lang, text, $, onOpen }) {
  const button = $('alerts-toggle');
  const panel = $('alerts-panel');
  const state = $('alerts-state');
  const toggle = $('alerts-switch');
  const errorEl = $('alerts-error');
  const showError = (message) => {
    errorEl.textContent = message;
    errorEl.hidden = !message;
  };
  button.addEventListener('click', () => {
    onOpen();
    const open = panel.hidden;
    panel.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
  });
  $('alerts-close').addEventListener('click', () => {
    panel.hidden = true;
    button.setAttribute('aria-expanded', 'false');
  });

  const settings = await call('GET', '/api/alerts')
    .then((response) => (response.ok ? response.json() : undefined))
    .catch(() => undefined);
  if (!settings?.offered) return;
  button.hidden = false;
  const supported = 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

  let subscribed = false;
  const show = () => {
    state.textContent = subscribed ? text.alertsOnState : text.alertsOffState;
    toggle.textContent = subscribed ? text.alertsOff : text.alertsOn;
    toggle.disabled = !supported;
  };
  if (supported) subscribed = Boolean((await currentSubscription()).subscription);
  else showError(text.alertsUnsupported);
  show();

  toggle.addEventListener('click', async () => {
    toggle.disabled = true;
    showError('');
    try {
      if (subscribed) {
        const { registration, subscription } = await currentSubscription();
        if (subscription) {
          await call('POST', '/api/alerts/devices/remove', { endpoint: subscription.endpoint });
          await subscription.unsubscribe();
        }
        await registration?.unregister();
        subscribed = false;
      } else {
        if ((await Notification.requestPermission()) !== 'granted') {
          showError(text.alertsDenied);
          return;
        }
        const registration = await navigator.serviceWorker.register(WORKER, { scope: SCOPE });
        await activated(registration);
        const subscription = await registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: applicationServerKey(settings.publicKey),
        });
        const response = await call('POST', '/api/alerts/devices', {
          ...subscription.toJSON(),
          language: lang,
        });
        if (!response.ok) {
          const body = await response.json().catch(() => undefined);
          await subscription.unsubscribe();
          await registration.unregister();
          showError(body?.error?.[lang] ?? text.alertsFailed);
          return;
        }
        subscribed = true;
      }
    } catch {
      // Nothing is left half set up on the device.
      await (await navigator.serviceWorker.getRegistration(SCOPE))?.unregister().catch(() => undefined);
      subscribed = false;
      showError(text.alertsFailed);
    } finally {
      show();
    }
  });

  const [from, until] = [$('quiet-from'), $('quiet-until')];
  if (settings.quietHours) {
    from.value = settings.quietHours.from;
    until.value = settings.quietHours.until;
  }
  const quietNote = $('quiet-note');
  $('quiet-save').addEventListener('click', async () => {
    showError('');
    const response = await call('PUT', '/api/alerts/quiet-hours', { from: from.value, until: until.value });
    const body = await response.json().catch(() => undefined);
    if (response.ok) quietNote.textContent = text.quietSaved;
    else showError(body?.error?.[lang] ?? text.alertsFailed);
  });
  $('quiet-clear').addEventListener('click', async () => {
    showError('');
    const response = await call('DELETE', '/api/alerts/quiet-hours');
    if (response.ok) {
      from.value = '';
      until.value = '';
      quietNote.textContent = text.quietCleared;
    }
  });
}
