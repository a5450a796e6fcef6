/** The development identity provider's people: one or more per role, with Japanese names. */
export interface DemoUser {
  username: string;
  displayName: string;
  displayNameKana: string;
  organisation: string;
  profession: string;
  roles: string[];
  /** Whether the IdP asserts that it did multi-factor authentication for this user. */
  assertsMfa: boolean;
}

export const DEMO_USERS: readonly DemoUser[] = [
  {
    username: 'nurse.sato',
    displayName: '佐藤 花子',
    displayNameKana: 'サトウ ハナコ',
    organisation: '新宿訪問看護ステーション',
    profession: '看護師',
    roles: ['practitioner'],
    assertsMfa: false,
  },
  {
    username: 'nurse.kimura',
    displayName: '木村 真由美',
    displayNameKana: 'キムラ マユミ',
    organisation: '杉並訪問看護ステーション',
    profession: '看護師',
    roles: ['practitioner'],
    assertsMfa: false,
  },
  {
    username: 'dr.tanaka',
    displayName: '田中 一郎',
    displayNameKana: 'タナカ イチロウ',
    organisation: '中野在宅クリニック',
    profession: '医師',
    roles: ['practitioner'],
    assertsMfa: true,
  },
  {
    username: 'cm.suzuki',
    displayName: '鈴木 美香',
    displayNameKana: 'スズキ ミカ',
    organisation: '練馬居宅介護支援事業所',
    profession: 'ケアマネジャー',
    roles: ['practitioner'],
    assertsMfa: false,
  },
  {
    username: 'pharm.kobayashi',
    displayName: '小林 誠',
    displayNameKana: 'コバヤシ マコト',
    organisation: '杉並みどり薬局',
    profession: '薬剤師',
    roles: ['practitioner'],
    assertsMfa: false,
  },
  {
    username: 'msw.takahashi',
    displayName: '高橋 由美',
    displayNameKana: 'タカハシ ユミ',
    organisation: '東京中央病院 地域連携室',
    profession: '医療ソーシャルワーカー',
    roles: ['msw'],
    assertsMfa: false,
  },
  {
    username: 'msw.mori',
    displayName: '森 理恵',
    displayNameKana: 'モリ リエ',
    organisation: '多摩リハビリテーション病院 地域連携室',
    profession: '医療ソーシャルワーカー',
    roles: ['msw'],
    assertsMfa: false,
  },
  {
    username: 'beds.ito',
    displayName: '伊藤 健',
    displayNameKana: 'イトウ ケン',
    organisation: '多摩リハビリテーション病院',
    profession: '看護師',
    roles: ['bed-manager'],
    assertsMfa: false,
  },
  {
    username: 'admin.yamamoto',
    displayName: '山本 誠一',
    displayNameKana: 'ヤマモト セイイチ',
    organisation: '東京都医師会 情報システム部',
    profession: 'システム管理者',
    roles: ['it-admin'],
    assertsMfa: true,
  },
  {
    username: 'audit.watanabe',
    displayName: '渡辺 恵',
    displayNameKana: 'ワタナベ メグミ',
    organisation: '東京都 福祉保健局',
    profession: '監査担当',
    roles: ['auditor'],
    assertsMfa: true,
  },
];

export function findDemoUser(username: string): DemoUser | undefined {
  return DEMO_USERS.find((u) => u.username === username);
}
