// Issuing and revoking enrolment codes from the console. The issued code is shown on this page only, with
// textContent, and kept nowhere else in the browser.
const m = JSON.parse(document.getElementById('console-messages').textContent);
const language = document.documentElement.lang === 'en' ? 'en' : 'ja';
const actionStatus = document.getElementById('action-status');
const issuedCode = document.getElementById('issued-code');

const clock = new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : 'ja-JP', {
  timeZone: 'Asia/Tokyo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => String(values[name] ?? whole));
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
    body: JSON.stringify(body ?? {}),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer?.error?.[language] ?? String(response.status));
  return answer;
}

document.getElementById('issue-code').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  try {
    const issued = await post('/admin/api/enrolment-codes', { userId: form.userId.value });
    issuedCode.textContent = fill(m.issuedCode, {
      user: issued.userId,
      code: issued.code,
      expires: clock.format(new Date(issued.expiresAt)),
    });
    issuedCode.hidden = false;
    form.reset();
  } catch (error) {
    say(`${m.actionFailed}: ${error.message}`);
  }
});

for (const button of document.querySelectorAll('button.revoke')) {
  button.addEventListener('click', async () => {
    if (!window.confirm(m.revokeConfirm)) return;
    try {
      await post(`/admin/api/enrolment-codes/${encodeURIComponent(button.dataset.id)}/revoke`);
      button.closest('tr').remove();
      say(m.revoked);
    } catch (error) {
      say(`${m.actionFailed}: ${error.message}`);
    }
  });
}
