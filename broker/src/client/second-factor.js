// Passkey steps of the second factor, with the WebAuthn browser helpers served from the broker itself.
import { startAuthentication, startRegistration } from '/client/vendor/simplewebauthn/index.js';

const errorEl = document.getElementById('passkey-error');

function showError(message) {
  errorEl.textContent = message;
  errorEl.hidden = false;
}

async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(json?.error?.ja ?? '確認できませんでした。');
  return json;
}

document.getElementById('passkey-register')?.addEventListener('click', async () => {
  try {
    const optionsJSON = await post('/auth/second-factor/webauthn/registration-options');
    const attestation = await startRegistration({ optionsJSON });
    const { next } = await post('/auth/second-factor/webauthn/registration', attestation);
    window.location.assign(next);
  } catch (error) {
    showError(`パスキーを登録できませんでした：${error.message}`);
  }
});

document.getElementById('passkey-sign-in')?.addEventListener('click', async () => {
  try {
    const optionsJSON = await post('/auth/second-factor/webauthn/authentication-options');
    const assertion = await startAuthentication({ optionsJSON });
    const { next } = await post('/auth/second-factor/webauthn/authentication', assertion);
    window.location.assign(next);
  } catch (error) {
    showError(`パスキーで確認できませんでした：${error.message}`);
  }
});
