/**
 * Invented patients, groups and staff for the demo; any likeness to real people is chance. Sandboxes seed
 * themselves from these when asked, so the demo timeline has something to show from every vendor.
 */
export interface DemoCareTeam {
  groupId: string;
  patientName: string;
  groupName: string;
}

export interface DemoStaffMember {
  name: string;
  role: string;
}

export const demoCareTeams: readonly [DemoCareTeam, ...DemoCareTeam[]] = [
  { groupId: 'grp-setagaya-0001', patientName: '佐藤 花子', groupName: '佐藤花子様 在宅チーム' },
  { groupId: 'grp-nerima-0002', patientName: '鈴木 一郎', groupName: '鈴木一郎様 在宅チーム' },
  { groupId: 'grp-hachioji-0003', patientName: '髙橋 和子', groupName: '髙橋和子様 在宅チーム' },
];

export const demoStaff: readonly [DemoStaffMember, ...DemoStaffMember[]] = [
  { name: '山田 太郎', role: '医師' },
  { name: '中村 優子', role: '訪問看護師' },
  { name: '小林 誠', role: 'ケアマネジャー' },
  { name: '伊藤 美咲', role: '薬剤師' },
  { name: '渡辺 健', role: '理学療法士' },
];

export const demoMessages: readonly [string, ...string[]] = [
  '本日訪問しました。食事は普段どおり摂れています。',
  '夜間に咳込みがあったとご家族から連絡がありました。明日往診します。',
  '処方変更：アムロジピン5mg 朝1錠、明日から開始です。',
  'サービス担当者会議を来週火曜14時に予定しています。ご都合はいかがでしょうか。',
  '歩行訓練を実施。屋内は杖歩行で安定しています。',
];

/** The i-th demo item of a list, cycling; keeps seeding code free of index checks. */
export function cycle<T>(items: readonly [T, ...T[]], index: number): T {
  return items[index % items.length] ?? items[0];
}
