import type { CodeLabels } from '../validation/bilingual-fields.js';

// The workflow's vocabulary: request and inquiry statuses, the reasons a hospital declines and the
// reasons an inquiry closes. Codes are stored as they are; labels are what people read.

export const requestStatusLabels = {
  open: { ja: '調整中', en: 'open' },
  confirmed: { ja: '転院先決定', en: 'hospital confirmed' },
  cancelled: { ja: '取り下げ', en: 'cancelled' },
} as const satisfies CodeLabels<string>;
export type RequestStatus = keyof typeof requestStatusLabels;

export const inquiryStatusLabels = {
  sent: { ja: '回答待ち', en: 'awaiting answer' },
  'needs-information': { ja: '追加情報の依頼あり', en: 'more information asked' },
  accepted: { ja: '受入可', en: 'accepted' },
  conditional: { ja: '条件付きで受入可', en: 'accepted with conditions' },
  declined: { ja: '受入不可', en: 'declined' },
  confirmed: { ja: '転院先に決定', en: 'confirmed' },
  closed: { ja: '終了', en: 'closed' },
} as const satisfies CodeLabels<string>;
export type InquiryStatus = keyof typeof inquiryStatusLabels;

/** Statuses in which the hospital may still answer (again): the inquiry is neither decided nor closed. */
export const answerableStatuses: readonly InquiryStatus[] = [
  'sent',
  'needs-information',
  'accepted',
  'conditional',
  'declined',
];

/** Statuses with an offer the MSW can confirm. */
export const confirmableStatuses: readonly InquiryStatus[] = ['accepted', 'conditional'];

export const declineReasonLabels = {
  'no-bed': { ja: '空床がない', en: 'no free bed' },
  'care-not-possible': { ja: '必要な医療処置に対応できない', en: 'cannot provide the care needed' },
  dementia: { ja: '認知症・行動症状に対応できない', en: 'cannot manage the dementia or its symptoms' },
  infection: { ja: '感染症に対応できない', en: 'cannot take the infection' },
  timing: { ja: '希望の時期に受け入れられない', en: 'cannot admit at the preferred time' },
  other: { ja: 'その他', en: 'other' },
} as const satisfies CodeLabels<string>;
export type DeclineReason = keyof typeof declineReasonLabels;

/** Shown to the hospital whose inquiry closed, so nobody keeps a bed for a patient who went elsewhere. */
export const closeReasonLabels = {
  'another-hospital-confirmed': {
    ja: '他の病院への転院が決まったため終了しました',
    en: 'closed: the patient is going to another hospital',
  },
  withdrawn: { ja: '依頼元が問い合わせを取り下げました', en: 'closed: the requesting hospital withdrew it' },
  'request-cancelled': {
    ja: '依頼元が転院依頼そのものを取り下げました',
    en: 'closed: the requesting hospital cancelled the transfer request',
  },
} as const satisfies CodeLabels<string>;
export type CloseReason = keyof typeof closeReasonLabels;
