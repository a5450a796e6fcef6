import { catalogueReader } from '@hcw/common';
import type { AuthorRole } from '../connectors/canonical-event.js';

/** The timeline's own words, Japanese first; kept here rather than in the portal-wide table. */
const messages = {
  title: { ja: '多職種連携タイムライン', en: 'Multi-professional timeline' },
  unreadTotal: { ja: '未読 {count}件', en: '{count} unread' },
  allRead: { ja: '未読はありません', en: 'Nothing unread' },
  markAllRead: { ja: 'すべて既読にする', en: 'Mark all as read' },
  unreadMark: { ja: '未読', en: 'Unread' },
  filterTitle: { ja: '絞り込み', en: 'Filters' },
  filterTitleActive: { ja: '絞り込み（条件あり）', en: 'Filters (in use)' },
  filterPatient: { ja: '患者', en: 'Patient' },
  filterSource: { ja: '連携システム', en: 'System' },
  filterRole: { ja: '職種', en: 'Profession' },
  filterSearch: { ja: '検索', en: 'Search' },
  filterUnread: { ja: '未読のみ', en: 'Unread only' },
  filterAll: { ja: 'すべて', en: 'All' },
  filterApply: { ja: '絞り込む', en: 'Filter' },
  filterClear: { ja: '条件をクリア', en: 'Clear' },
  empty: { ja: '表示する新着はありません。', en: 'Nothing to show.' },
  noAccounts: {
    ja: '連携アカウントがまだ有効になっていません。「連携アカウント」から登録してください。',
    en: 'No vendor account is active yet. Register yours under "Vendor accounts".',
  },
  more: { ja: 'さらに表示', en: 'Older items' },
  newest: { ja: '最新に戻る', en: 'Back to the newest' },
  openIn: { ja: '{source}で開く', en: 'Open in {source}' },
  openPortal: { ja: '開く', en: 'Open' },
  linkRefused: {
    ja: 'このリンクは許可された連携先ではないため開けません。',
    en: 'This link does not lead to an allowed system and cannot be opened.',
  },
  vendorUnread: { ja: '{source}の未読 {count}件', en: '{count} unread in {source}' },
  noBody: { ja: '本文は連携先で確認してください。', en: 'Read the message in its system.' },
  live: { ja: '新着は自動で表示されます', en: 'New items appear automatically' },
  liveOffline: {
    ja: '自動更新が停止しています。再接続しています…',
    en: 'Live updates paused. Reconnecting…',
  },
  healthTitle: { ja: '連携状況', en: 'Connections' },
  healthUp: { ja: '{source}：正常（最終受信 {time}）', en: '{source}: working (last contact {time})' },
  healthStale: {
    ja: '{source}：{time} 以降の新着を受け取れていません',
    en: '{source}: nothing received since {time}',
  },
  healthNever: { ja: '{source}：まだ接続していません', en: '{source}: not contacted yet' },
  accounts: { ja: '連携アカウント', en: 'Vendor accounts' },
  accountsLead: {
    ja: '各連携システムでのあなたのアカウントを登録します。管理者の確認後に新着が表示されます。',
    en: 'Register your account at each system. New items appear once an administrator confirms it.',
  },
  accountVendor: { ja: '連携システム', en: 'System' },
  accountId: { ja: 'アカウントID', en: 'Account ID' },
  accountStatus: { ja: '状態', en: 'Status' },
  accountPending: { ja: '確認待ち', en: 'Awaiting confirmation' },
  accountConfirmed: { ja: '有効', en: 'Active' },
  accountAdd: { ja: '登録する', en: 'Register' },
  accountRemove: { ja: '削除', en: 'Remove' },
  accountNone: { ja: '登録されたアカウントはありません。', en: 'No account registered.' },
  review: { ja: '連携アカウントの確認（管理者）', en: 'Confirm vendor accounts (administrator)' },
  reviewPractitioner: { ja: '利用者ID', en: 'User ID' },
  reviewConfirm: { ja: '確認する', en: 'Confirm' },
  reviewRequestedAt: { ja: '申請日時', en: 'Requested' },
  reviewNone: { ja: '確認待ちはありません。', en: 'Nothing awaits confirmation.' },
  groups: { ja: '患者グループと患者の対応', en: 'Patient groups and patients' },
  groupRef: { ja: 'グループID', en: 'Group ID' },
  groupPatientId: { ja: '患者ID', en: 'Patient ID' },
  groupPatientLabel: { ja: '患者の表示名', en: 'Patient name shown' },
  groupSave: { ja: '対応づける', en: 'Map' },
  portalHome: { ja: 'ポータルのトップへ', en: 'Portal home' },
  backToTimeline: { ja: 'タイムラインへ戻る', en: 'Back to the timeline' },
  forbidden: { ja: 'この画面を表示する権限がありません。', en: 'You may not open this page.' },
  invalidFilter: { ja: '絞り込みの条件が正しくありません。', en: 'The filter is not valid.' },
  invalidForm: { ja: '入力内容が正しくありません。', en: 'The form is not valid.' },
  noSuchPatient: {
    ja: 'この患者IDの患者は共有患者記録にいません。患者IDをご確認ください。',
    en: 'The shared record has no patient with this ID. Please check the patient ID.',
  },
  sourcePortal: { ja: 'ポータル', en: 'Portal' },
  vitalTemperature: { ja: '体温', en: 'Temperature' },
  vitalBloodPressure: { ja: '血圧', en: 'Blood pressure' },
  vitalPulse: { ja: '脈拍', en: 'Pulse' },
  vitalSpo2: { ja: 'SpO2', en: 'SpO2' },
} as const;

export type TimelineMessageKey = keyof typeof messages;

export const tl = catalogueReader(messages);

export const roleLabels: Record<AuthorRole, { ja: string; en: string }> = {
  doctor: { ja: '医師', en: 'Doctor' },
  dentist: { ja: '歯科医師', en: 'Dentist' },
  pharmacist: { ja: '薬剤師', en: 'Pharmacist' },
  nurse: { ja: '看護師', en: 'Nurse' },
  therapist: { ja: 'リハビリ職', en: 'Therapist' },
  dietitian: { ja: '管理栄養士', en: 'Dietitian' },
  'dental-hygienist': { ja: '歯科衛生士', en: 'Dental hygienist' },
  'care-manager': { ja: 'ケアマネジャー', en: 'Care manager' },
  'care-worker': { ja: '介護職', en: 'Care worker' },
  'social-worker': { ja: 'ソーシャルワーカー', en: 'Social worker' },
  clerk: { ja: '事務', en: 'Clerk' },
  family: { ja: '本人・家族', en: 'Patient or family' },
  other: { ja: 'その他', en: 'Other' },
};

/** What a portal notification is about, by the part of the portal it came from. */
export const portalSourceLabels: Record<string, { ja: string; en: string }> = {
  transfers: { ja: '転院調整', en: 'Transfers' },
  patients: { ja: '患者情報', en: 'Patient record' },
};
