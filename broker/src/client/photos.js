// 「写真を送る」: a photo from this device's camera or files, or a PDF, goes into the workspace, where its user
// attaches it to a patient's record or thread inside the desktop. It only goes in: the device keeps no copy
// (the file is read from the picker and sent, then the picker is cleared), and the answer names no patient.

export const PHOTOS_TEXT = {
  ja: {
    photos: '写真を送る',
    photosHelp:
      '撮った写真や PDF をワークスペースに送ります。デスクトップの患者の記録（写真・文書）かスレッドで添付してください。この端末には残りません。',
    photosPick: '写真を撮る・選ぶ',
    photosSending: '送っています…',
    photosSent: '送りました',
    photosFailed: '送れませんでした。通信を確かめて、もう一度送ってください。',
  },
  en: {
    photos: 'Send a photo',
    photosHelp:
      'Sends a photo or PDF into the workspace. Attach it in a patient’s record (Photos and documents) or thread inside the desktop. Nothing is kept on this device.',
    photosPick: 'Take or choose a photo',
    photosSending: 'Sending…',
    photosSent: 'Sent',
    photosFailed: 'It could not be sent. Check the connection and send it again.',
  },
};

async function send(file, id) {
  return fetch('/api/uploads', {
    method: 'POST',
    credentials: 'same-origin',
    cache: 'no-store',
    headers: {
      'content-type': file.type || 'application/octet-stream',
      'x-requested-with': 'hcw-client',
      'x-upload-id': id,
    },
    body: file,
  });
}

/** Wires the photo panel when the workspace takes files; `text` holds the page's messages. */
export async function setUpPhotos({ lang, text, $, onOpen }) {
  const button = $('photos-toggle');
  const panel = $('photos-panel');
  const input = $('photos-input');
  const state = $('photos-state');
  const errorEl = $('photos-error');
  const showError = (message) => {
    errorEl.textContent = message;
    errorEl.hidden = !message;
  };
  const setOpen = (open) => {
    panel.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
  };
  button.addEventListener('click', () => {
    onOpen();
    setOpen(panel.hidden);
  });
  $('photos-close').addEventListener('click', () => setOpen(false));

  const settings = await fetch('/api/uploads', { headers: { 'x-requested-with': 'hcw-client' } })
    .then((response) => (response.ok ? response.json() : undefined))
    .catch(() => undefined);
  if (!settings?.offered) return;
  button.hidden = false;

  input.addEventListener('change', async () => {
    const files = [...input.files];
    // The picker lets go of the files at once; only the requests below still hold them.
    input.value = '';
    showError('');
    let sent = 0;
    for (const file of files) {
      state.textContent = `${text.photosSending} (${sent + 1}/${files.length})`;
      const id = crypto.randomUUID();
      let response;
      // One more try with the same id after a lost answer: the workspace keeps the file once.
      for (let attempt = 0; attempt < 2 && !response; attempt += 1) {
        response = await send(file, id).catch(() => undefined);
      }
      const body = await response?.json().catch(() => undefined);
      if (!response?.ok) {
        state.textContent = '';
        showError(body?.error?.[lang] ?? text.photosFailed);
        return;
      }
      sent += 1;
      state.textContent = `${text.photosSent} (${sent}/${files.length}): ${body?.message?.[lang] ?? ''}`;
    }
  });
}
