import { type Bilingual, type Html, html, type Language, splitBilingual, tokyoDateTime } from '@hcw/common';
import { attachmentGallery, unfiledPicker } from '../attachments/attachment-page.js';
import { renderFields, type FormSpec, type RawForm } from './form-fields.js';
import type { ItemIssue } from './invalid-item-error.js';
import { button, link, patientPage, postForm, professionText } from './patient-page-parts.js';
import {
  type DeliveryState,
  type PatientThread,
  POST_MAX_LENGTH,
  type ThreadPost,
} from './patient-thread.js';
import { professionLabels } from './standard-codes.js';

export const threadText = {
  title: { ja: '連絡スレッド', en: 'Team thread' },
  visibleToTeam: {
    ja: 'この連絡スレッドの投稿は、ケアチームの全員（ほかの組織の方を含む）に表示されます。投稿は書いたまま残り、あとから直せません。未提供の情報（記録した組織の外に出さない情報）や、ご本人に告知していない病名など、チーム全員に伝えてよいか迷う内容は書かないでください。',
    en: 'Posts in this thread are shown to the whole care team, members of other organisations included. They stay as written and cannot be edited. Do not write what should not reach the whole team, such as information marked not to be shared outside the organisation that recorded it, or a diagnosis the patient has not been told.',
  },
  sentTo: { ja: '投稿は次のシステムにも送られます', en: 'Posts are also sent to' },
  notSentTo: {
    ja: '次のシステムには書き込みの仕組みがないため、そのシステムだけを使っているメンバーには投稿が届きません',
    en: 'These systems take no writing from the portal, so members who use only them will not see the posts',
  },
  none: { ja: 'まだ投稿はありません。', en: 'No posts yet.' },
  newPost: { ja: '投稿する', en: 'Post' },
  body: { ja: '本文', en: 'Message' },
  bodyHint: {
    ja: `文字だけ、${POST_MAX_LENGTH}文字まで。`,
    en: `Plain text, up to ${POST_MAX_LENGTH} characters.`,
  },
  mentionProfessions: { ja: '職種に呼びかける', en: 'Call on a profession' },
  mentionPeople: { ja: 'メンバーに呼びかける', en: 'Call on a member' },
  mentionHint: {
    ja: '呼びかけた方のタイムラインにお知らせが届きます（本文は含みません）。',
    en: 'Those called on get a notice in their timeline (without the message).',
  },
  reply: { ja: '返信する', en: 'Reply' },
  replyLabel: { ja: '返信', en: 'Reply' },
  read: { ja: '既読', en: 'Read by' },
  unread: { ja: '未読', en: 'Not read yet' },
  problem: { ja: '投稿できませんでした', en: 'The post was not stored' },
} satisfies Record<string, Bilingual>;

const deliveryText: Readonly<Record<DeliveryState, Bilingual>> = {
  pending: { ja: '送信待ち', en: 'waiting to be sent' },
  delivered: { ja: '送信済み', en: 'sent' },
  failed: { ja: '送信できませんでした', en: 'could not be sent' },
};

/** The form for a new post: the text, and whom it calls on among the professions and the team's people. */
export function threadPostForm(thread?: Pick<PatientThread, 'members'>, actorId?: string): FormSpec {
  const people = Object.fromEntries(
    (thread?.members ?? [])
      .filter((member) => member.id !== actorId)
      .map((member) => {
        const name = `${member.name}（${member.organisation}）`;
        return [member.id, { ja: name, en: name }];
      }),
  );
  return [
    {
      fields: [
        {
          name: 'body',
          label: threadText.body,
          input: { type: 'textarea', rows: 4 },
          isRequired: true,
          hint: threadText.bodyHint,
        },
        {
          name: 'mentionProfessions',
          label: threadText.mentionProfessions,
          input: { type: 'checkboxes', codes: professionLabels },
        },
        {
          name: 'mentionPeople',
          label: threadText.mentionPeople,
          input: { type: 'checkboxes', codes: people },
          hint: threadText.mentionHint,
        },
        { name: 'replyTo', label: threadText.replyLabel, input: { type: 'hidden' } },
      ],
    },
  ];
}

export interface ThreadView {
  thread: PatientThread;
  actorId: string;
  form?: RawForm;
  issues?: readonly ItemIssue[];
}

function deliveryLine(post: ThreadPost, thread: PatientThread, lang: Language): Html {
  return html`${post.deliveries.map((delivery) => {
    const vendor = thread.vendors.find((v) => v.id === delivery.vendor)?.name[lang] ?? delivery.vendor;
    const retrying = delivery.state === 'pending' && delivery.lastError;
    const why =
      (delivery.state === 'failed' || retrying) &&
      html` （${retrying ? (lang === 'ja' ? `${delivery.attempts}回失敗、再送します: ` : `failed ${delivery.attempts}×, will retry: `) : ''}${delivery.lastError}）`;
    return html`<span class="badge delivery-${delivery.state}" data-vendor="${delivery.vendor}"
      >${vendor}: ${deliveryText[delivery.state][lang]}${why}</span
    >`;
  })}`;
}

function postItem(post: ThreadPost, view: ThreadView, lang: Language): Html {
  const { thread } = view;
  const others = post.readers.filter((reader) => reader.id !== post.author.id);
  const readBy =
    others.length === 0
      ? html`<p class="read-by">${threadText.unread[lang]}</p>`
      : html`<p class="read-by">
          ${threadText.read[lang]} ${others.length}: ${others.map((reader) => reader.name).join('、')}
        </p>`;
  const mentions =
    post.mentions.length > 0 &&
    html`<p class="mentions">
      ${post.mentions.map(
        (mention) =>
          html`<span class="badge mention-${mention.kind}"
            >@${mention.kind === 'profession' ? professionText(mention.target, lang) : mention.label}</span
          > `,
      )}
    </p>`;
  const replies =
    post.replies.length > 0 &&
    html`<ol class="thread-replies">
      ${post.replies.map((reply) => html`<li>${postItem(reply, view, lang)}</li>`)}
    </ol>`;
  const replyForm =
    post.replyTo === null &&
    postForm(
      `/patients/${thread.patientId}/thread`,
      lang,
      html`<input type="hidden" name="replyTo" value="${post.id}" />
        <label for="reply-${post.id}">${threadText.replyLabel[lang]}</label>
        <textarea id="reply-${post.id}" name="body" rows="2" required></textarea>
        <p>${button(threadText.reply[lang], 'button small')}</p>`,
      { className: 'thread-reply-form' },
    );
  return html`<article class="thread-post" id="post-${post.id}" data-post-id="${post.id}">
    <p class="post-head">
      <strong>${post.author.name}</strong>（${professionText(post.author.profession, lang)}・${post.author.organisation}）
      <time datetime="${post.postedAt}">${tokyoDateTime(post.postedAt)}</time>
    </p>
    ${mentions}
    <p class="post-body">${post.body}</p>
    ${post.attachments.length > 0 && attachmentGallery(thread.patientId, post.attachments, lang)}
    ${readBy}
    ${post.deliveries.length > 0 && html`<p class="deliveries">${deliveryLine(post, thread, lang)}</p>`}
    ${replies}${replyForm}
  </article>`;
}

/** The patient's thread: who sees it and which vendors receive it, the posts with their replies, a new post. */
export function renderThreadPage(view: ThreadView, lang: Language): string {
  const { thread } = view;
  const id = thread.patientId;
  const sending = thread.vendors.filter((vendor) => vendor.receivesPosts);
  const notSending = thread.vendors.filter((vendor) => !vendor.receivesPosts);
  return patientPage(
    lang,
    `${threadText.title[lang]} — ${thread.patientName}`,
    html`<p class="breadcrumb">${link(`/patients/${id}`, thread.patientName, lang)}</p>
      <h1>${threadText.title[lang]}</h1>
      <p class="notice-box thread-visibility">${threadText.visibleToTeam[lang]}</p>
      ${
        sending.length > 0 &&
        html`<p class="thread-vendors-sent">
          ${threadText.sentTo[lang]}: ${sending.map((vendor) => vendor.name[lang]).join('、')}
        </p>`
      }
      ${
        notSending.length > 0 &&
        html`<p class="notice-box thread-vendors-not-sent" role="note">
          ${threadText.notSentTo[lang]}: ${notSending.map((vendor) => vendor.name[lang]).join('、')}
        </p>`
      }
      ${
        thread.posts.length === 0
          ? html`<p class="empty">${threadText.none[lang]}</p>`
          : html`<ol class="thread items">
              ${thread.posts.map((post) => html`<li>${postItem(post, view, lang)}</li>`)}
            </ol>`
      }
      <section class="card" id="new-post">
        <h2>${threadText.newPost[lang]}</h2>
        ${
          view.issues &&
          html`<div class="conflict" role="alert">
            <p>${threadText.problem[lang]}</p>
            ${view.issues
              .filter((issue) => issue.path === 'replyTo')
              .map((issue) => html`<p>${splitBilingual(issue.message)[lang]}</p>`)}
          </div>`
        }
        ${postForm(
          `/patients/${id}/thread`,
          lang,
          html`${renderFields(threadPostForm(thread, view.actorId), view.form ?? {}, lang, view.issues)}
            ${thread.unfiled.length > 0 && unfiledPicker(thread.unfiled, view.form ?? {}, lang)}
            <p>${button(threadText.newPost[lang], 'button primary')}</p>`,
        )}
      </section>`,
  );
}
