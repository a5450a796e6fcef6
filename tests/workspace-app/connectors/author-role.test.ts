import assert from 'node:assert/strict';
import { authorRoleFromLabel } from '#workspace-app/connectors/author-role.js';

describe('author roles from vendor labels', () => {
  const cases: Array<[string | undefined, string]> = [
    ['医師', 'doctor'],
    ['在宅医', 'doctor'],
    ['主治医', 'doctor'],
    ['Dr', 'doctor'],
    ['歯科医師', 'dentist'],
    ['歯科衛生士', 'dental-hygienist'],
    ['薬剤師', 'pharmacist'],
    ['訪問看護師', 'nurse'],
    ['保健師', 'nurse'],
    ['理学療法士', 'therapist'],
    ['ＰＴ', 'therapist'],
    ['管理栄養士', 'dietitian'],
    ['ケアマネジャー', 'care-manager'],
    ['ｹｱﾏﾈ', 'care-manager'],
    ['介護支援専門員', 'care-manager'],
    ['訪問介護員', 'care-worker'],
    ['ヘルパー', 'care-worker'],
    ['医療ソーシャルワーカー', 'social-worker'],
    ['MSW', 'social-worker'],
    ['事務', 'clerk'],
    ['家族', 'family'],
    ['受付ロボット', 'other'],
    [undefined, 'other'],
  ];

  for (const [label, role] of cases) {
    it(`reads ${label ?? 'no label'} as ${role}`, () => {
      assert.equal(authorRoleFromLabel(label), role);
    });
  }
});
