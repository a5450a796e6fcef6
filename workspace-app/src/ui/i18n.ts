import { catalogueReader } from '@hcw/common';
/** Japanese first; English on request (`?lang=en`, remembered in the session). */

const messages = {
  appName: { ja: '東京在宅療養ポータル', en: 'Tokyo Home-Care Portal' },
  welcome: { ja: 'ようこそ、{name} さん', en: 'Welcome, {name}' },
  organisation: { ja: '所属', en: 'Organisation' },
  profession: { ja: '職種', en: 'Profession' },
  timeline: { ja: '多職種連携タイムライン', en: 'Multi-professional timeline' },
  timelineLead: {
    ja: '参加しているすべての連携システムの新着をここにまとめて表示します。',
    en: 'New messages from every collaboration system you belong to, in one place.',
  },
  transfers: { ja: '転院・受入検索', en: 'Transfer and acceptance search' },
  transfersLead: {
    ja: '退院予定の患者さんの受け入れ先を、すべての病院からまとめて探します。',
    en: 'Find a bed of the right kind across every hospital at once.',
  },
  patients: { ja: '患者情報の共有', en: 'Shared patient record' },
  patientsLead: {
    ja: '場面ごとの標準共有項目、ケアチーム、訪問予定を管理します。',
    en: 'Standard shared items for each scene of care, care teams and visits.',
  },
  todaysVisits: { ja: '今日の訪問', en: 'Today’s visits' },
  signInRequired: {
    ja: 'ワークスペースからサインインしてください。',
    en: 'Please sign in through the workspace.',
  },
  handoffExpired: {
    ja: 'サインインの受け渡しが無効か期限切れです。ワークスペースに接続し直してください。',
    en: 'The sign-in hand-off is invalid or has expired. Please reconnect to the workspace.',
  },
  switchLanguage: { ja: 'English', en: '日本語' },
  menu: { ja: 'メニュー', en: 'Menu' },
  navHome: { ja: 'ホーム', en: 'Home' },
  navTimeline: { ja: 'タイムライン', en: 'Timeline' },
  navTransfers: { ja: '転院・受入', en: 'Transfers' },
  navPatients: { ja: '患者', en: 'Patients' },
} as const;

export type MessageKey = keyof typeof messages;

export const t = catalogueReader(messages);
