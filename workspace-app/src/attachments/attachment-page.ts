import { type Bilingual, type Html, html, type Language, tokyoDateTime } from '@hcw/common';
import type { RawForm } from '../patients/form-fields.js';
import { button, link, patientPage, postForm } from '../patients/patient-page-parts.js';
import type { Attachment } from './attachments.js';

export const attachmentText = {
  title: { ja: '写真・文書', en: 'Photos and documents' },
  none: { ja: 'この患者の写真・文書はまだありません。', en: 'No photos or documents for this patient yet.' },
  received: { ja: 'スマホから届いた写真・文書', en: 'Received from your phone' },
  receivedHint: {
    ja: '端末の「写真を送る」で送ったものです。添付するまで、あなた以外には見えません。',
    en: 'Sent with “Send a photo” on your device. Nobody else sees them until you attach them.',
  },
  noneReceived: {
    ja: 'スマホから届いたものはありません。端末の画面のメニューの「写真を送る」で送れます。',
    en: 'Nothing received from your phone. Use “Send a photo” in the menu on your device.',
  },
  attach: { ja: '選んだものを記録に添付', en: 'Attach the chosen ones to the record' },
  discard: { ja: '破棄', en: 'Discard' },
  discardConfirm: { ja: 'このファイルを破棄しますか？', en: 'Discard this file?' },
  pdfUnreadable: { ja: 'この PDF は表示できません。', en: 'This PDF cannot be shown.' },
  pages: { ja: 'ページ', en: 'pages' },
  withPost: { ja: 'スレッドの投稿に添付', en: 'Attached to a thread post' },
  addedBy: { ja: '添付', en: 'Attached' },
  photo: { ja: '写真', en: 'Photo' },
  pdf: { ja: 'PDF 文書', en: 'PDF document' },
  chooseToPost: { ja: 'スマホから届いた写真・文書を添付', en: 'Attach what you received from your phone' },
} satisfies Record<string, Bilingual>;

const kindText = (attachment: Attachment, lang: Language): string =>
  attachment.mediaType === 'application/pdf'
    ? `${attachmentText.pdf[lang]}（${attachment.pages} ${attachmentText.pages[lang]}）`
    : attachmentText.photo[lang];

/**
 * The pictures of an attachment: a photo, or each page of a PDF drawn as a picture. No link leads to the file
 * itself; the desktop's browser refuses downloads in any case.
 */
export function attachmentPictures(
  pathOf: (page: number) => string,
  attachment: Attachment,
  lang: Language,
): Html {
  if (attachment.pages === 0) return html`<p class="empty">${attachmentText.pdfUnreadable[lang]}</p>`;
  return html`${Array.from(
    { length: attachment.pages },
    (_, i) =>
      html`<img
        class="attachment-page"
        src="${pathOf(i + 1)}"
        alt="${kindText(attachment, lang)} ${i + 1}"
        loading="lazy"
        draggable="false"
      />`,
  )}`;
}

const patientPicture = (patientId: string, attachment: Attachment) => (page: number) =>
  `/patients/${patientId}/attachments/${attachment.id}/pages/${page}`;
const unfiledPicture = (attachment: Attachment) => (page: number) =>
  `/uploads/${attachment.id}/pages/${page}`;

/** Filed attachments, as figures with when and by whom they were added. */
export function attachmentGallery(
  patientId: string,
  attachments: readonly Attachment[],
  lang: Language,
): Html {
  return html`<div class="attachments">
    ${attachments.map(
      (attachment) =>
        html`<figure class="attachment" data-attachment-id="${attachment.id}">
          ${attachmentPictures(patientPicture(patientId, attachment), attachment, lang)}
          <figcaption>
            ${kindText(attachment, lang)} · ${attachmentText.addedBy[lang]}
            ${attachment.filedAt && tokyoDateTime(attachment.filedAt)}
            ${attachment.postId && html` · ${attachmentText.withPost[lang]}`}
          </figcaption>
        </figure>`,
    )}
  </div>`;
}

/** Checkboxes for the actor's unfiled uploads, each with its first page as a thumbnail. */
export function unfiledPicker(unfiled: readonly Attachment[], form: RawForm, lang: Language): Html {
  const chosen = new Set([form.attachments ?? []].flat());
  return html`<fieldset class="unfiled-picker">
    <legend>${attachmentText.chooseToPost[lang]}</legend>
    ${unfiled.map(
      (upload) =>
        html`<label class="unfiled" data-upload-id="${upload.id}">
          <input type="checkbox" name="attachments" value="${upload.id}" ${chosen.has(upload.id) && 'checked'} />
          ${
            upload.pages > 0 &&
            html`<img class="thumbnail" src="${unfiledPicture(upload)(1)}" alt="" draggable="false" />`
          }
          <span>${kindText(upload, lang)} · ${tokyoDateTime(upload.receivedAt)}</span>
        </label>`,
    )}
  </fieldset>`;
}

/** The uploads a form chose, as ids. */
export function chosenUploads(form: RawForm): string[] {
  return [form.attachments ?? []].flat().filter((id) => id !== '');
}

export interface AttachmentsView {
  patientId: string;
  patientName: string;
  attachments: readonly Attachment[];
  unfiled: readonly Attachment[];
  canWrite: boolean;
}

/** The patient's photos and documents, and the actor's own uploads waiting to be attached. */
export function renderAttachmentsPage(view: AttachmentsView, lang: Language): string {
  const id = view.patientId;
  const received =
    view.unfiled.length === 0
      ? html`<p class="empty">${attachmentText.noneReceived[lang]}</p>`
      : html`<p class="hint">${attachmentText.receivedHint[lang]}</p>
          ${
            view.canWrite &&
            postForm(
              `/patients/${id}/attachments`,
              lang,
              html`${unfiledPicker(view.unfiled, {}, lang)}
                <p>${button(attachmentText.attach[lang], 'button primary')}</p>`,
              { className: 'attach-form' },
            )
          }
          <ul class="items unfiled-list">
            ${view.unfiled.map(
              (upload) =>
                html`<li data-upload-id="${upload.id}">
                  ${attachmentPictures(unfiledPicture(upload), upload, lang)}
                  ${postForm(
                    `/uploads/${upload.id}/discard?back=${id}`,
                    lang,
                    button(attachmentText.discard[lang], 'button small'),
                    {
                      confirm: attachmentText.discardConfirm[lang],
                    },
                  )}
                </li>`,
            )}
          </ul>`;
  return patientPage(
    lang,
    `${attachmentText.title[lang]} — ${view.patientName}`,
    html`<p class="breadcrumb">${link(`/patients/${id}`, view.patientName, lang)}</p>
      <h1>${attachmentText.title[lang]}</h1>
      <section class="card" id="attachments">
        ${
          view.attachments.length === 0
            ? html`<p class="empty">${attachmentText.none[lang]}</p>`
            : attachmentGallery(id, view.attachments, lang)
        }
      </section>
      <section class="card" id="received">
        <h2>${attachmentText.received[lang]}</h2>
        ${received}
      </section>`,
  );
}
