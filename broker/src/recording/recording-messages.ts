import type { ConsoleLanguage } from '../admin/console-messages.js';

/** The words of the recording pages of the console, Japanese first; `?lang=en` switches to English. */
const ja = {
  recordingsTitle: 'セッション録画',
  recordingTitle: '録画の再生',
  auditTrail: '監査ログ',
  recordings: 'セッション録画',
  search: '検索',
  searchRecordings: '録画の検索',
  searchHelp:
    '利用者、患者ID、期間のいずれかで探せます。患者IDで探すと、ポータルの監査ログでその患者の情報を扱った利用者と時刻を調べ、その時刻に開いていた同じ利用者の録画を示します。',
  user: '利用者ID',
  patient: '患者ID',
  from: '開始日時',
  to: '終了日時',
  results: '検索結果',
  noResults: '該当する録画はありません。',
  latest: '新しい順に最大 {n} 件を表示しています。',
  who: '利用者',
  organisation: '所属',
  desktop: 'デスクトップ',
  startedAt: '開始',
  endedAt: '終了',
  duration: '長さ',
  size: 'サイズ',
  state: '状態',
  expiresAt: '削除予定',
  play: '再生',
  accessesHere: 'この患者の情報を扱った記録',
  'state-recording': '録画中（または中断）',
  'state-complete': '完了',
  'state-failed': '失敗（途中まで）',
  'state-deleted': '削除済み（保存期間満了）',
  patientUnavailable:
    'ポータルの監査ログに接続していないため、患者IDでは探せません（RECORDING_PORTAL_AUDIT_DATABASE_URL）。',
  unmatchedTitle: '録画のない記録',
  unmatchedHelp:
    'この患者の情報を扱った記録のうち、同じ利用者の録画がその時刻に開いていなかったもの：録画の対象外だった、または画面に接続していなかった（タブを閉じた後など）。保存期間を過ぎて削除された録画は、削除済みとして上の表に残ります。',
  accessTime: '日時',
  accessType: '種別',
  accessOutcome: '結果',
  truncated: '記録が多いため、新しい順に {n} 件だけを照合しました。期間を絞ってください。',
  matchNote:
    '照合は利用者と時刻によります（前後 {s} 秒まで）。1人が同時に使えるデスクトップは1台のため、その時刻の録画にその画面が映っています。',
  player: '再生',
  playPause: '再生 / 一時停止',
  position: '位置',
  loading: '読み込んでいます…',
  loaded: '読み込み完了',
  failedToLoad: '録画を読み込めませんでした',
  accessesDuring: 'この録画の間に扱われた患者の情報（ポータルの監査ログ）',
  noAccessesDuring: 'この録画の間に患者の情報を扱った記録はありません。',
  seekHere: 'この時点へ',
  aboutRecording: '録画について',
  playbackAudited: '再生は監査ログに記録されます。録画は暗号化して保管され、再生のときだけ復号されます。',
  incompleteNote: 'この録画は最後まで閉じられていません（接続中、または録画中にブローカーが停止しました）。',
  sessionRef: 'サインインの参照',
  notFound: 'その録画はありません。',
  notConfigured:
    'このブローカーには録画の保存先と鍵が設定されていないため、録画はありません（RECORDING_DIR、RECORDING_KEY_FILE）。',
} as const;

export type RecordingMessages = { [K in keyof typeof ja]: string };

const en: RecordingMessages = {
  recordingsTitle: 'Session recordings',
  recordingTitle: 'Recording playback',
  auditTrail: 'Audit trail',
  recordings: 'Session recordings',
  search: 'Search',
  searchRecordings: 'Find recordings',
  searchHelp:
    'Search by user, patient ID or time. By patient, the portal’s audit trail gives who handled that patient’s data and when, and the recordings shown are those of the same user open at that moment.',
  user: 'User ID',
  patient: 'Patient ID',
  from: 'From',
  to: 'To',
  results: 'Results',
  noResults: 'No recordings match.',
  latest: 'Showing at most {n} recordings, newest first.',
  who: 'User',
  organisation: 'Organisation',
  desktop: 'Desktop',
  startedAt: 'Started',
  endedAt: 'Ended',
  duration: 'Length',
  size: 'Size',
  state: 'State',
  expiresAt: 'Deleted after',
  play: 'Play',
  accessesHere: 'Records of this patient’s data',
  'state-recording': 'recording (or cut off)',
  'state-complete': 'complete',
  'state-failed': 'failed (partial)',
  'state-deleted': 'deleted (retention period over)',
  patientUnavailable:
    'The portal’s audit trail is not connected, so recordings cannot be found by patient (RECORDING_PORTAL_AUDIT_DATABASE_URL).',
  unmatchedTitle: 'Records without a recording',
  unmatchedHelp:
    'Records of this patient’s data at moments when no recording of the same user was open: the user was not recorded, or no screen was connected (after the tab was closed, for instance). Recordings deleted after their retention stay in the table above, marked deleted.',
  accessTime: 'Time',
  accessType: 'Type',
  accessOutcome: 'Outcome',
  truncated: 'There are many records: only the newest {n} were matched. Narrow the time window.',
  matchNote:
    'Matched by user and time (within {s} seconds). A user has one desktop at a time, so the recording open at that moment shows that screen.',
  player: 'Playback',
  playPause: 'Play / pause',
  position: 'Position',
  loading: 'Loading…',
  loaded: 'Loaded',
  failedToLoad: 'The recording could not be loaded',
  accessesDuring: 'Patient data handled during this recording (the portal’s audit trail)',
  noAccessesDuring: 'No patient data was handled during this recording.',
  seekHere: 'Go to this moment',
  aboutRecording: 'About this recording',
  playbackAudited:
    'Playing is recorded in the audit trail. The recording is stored encrypted and decrypted only for playback.',
  incompleteNote:
    'This recording was not closed (the connection is still open, or the broker stopped while recording).',
  sessionRef: 'Sign-in reference',
  notFound: 'No such recording.',
  notConfigured:
    'This broker has no recording folder and key, so there are no recordings (RECORDING_DIR, RECORDING_KEY_FILE).',
};

export function recordingMessages(language: ConsoleLanguage): RecordingMessages {
  return language === 'en' ? en : ja;
}
