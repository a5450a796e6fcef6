import assert from 'node:assert/strict';
import { missingBasics } from '#workspace-app/patients/known-basics.js';
import { InvalidItemError, type ItemIssue } from '#workspace-app/patients/invalid-item-error.js';
import { parseItem, type ItemKind } from '#workspace-app/patients/standard-items.js';
import { aBasics, aDiagnosis, aVisitRecord } from './patient-fixtures.js';

/** The issues an input raises, or none. */
function issuesOf(kind: ItemKind, input: unknown): ItemIssue[] {
  try {
    parseItem(kind, input);
    return [];
  } catch (error) {
    assert.ok(error instanceof InvalidItemError);
    return [...error.issues];
  }
}

function messageAt(kind: ItemKind, input: unknown, path: string): string {
  const issue = issuesOf(kind, input).find((i) => i.path === path);
  assert.ok(issue, `an issue at ${path}: ${JSON.stringify(issuesOf(kind, input))}`);
  return issue.message;
}

describe('standard shared items', () => {
  describe('patient basics', () => {
    it('accepts complete basics (control)', () => {
      assert.deepEqual(issuesOf('basics', aBasics()), []);
    });

    it('accepts basics knowing only the name in kanji and the sex, and names what is missing', () => {
      const minimal = { name: { kanji: { family: '名無', given: '権兵衛' } }, sex: 'male' };
      assert.deepEqual(issuesOf('basics', minimal), []);
      const parsed = parseItem('basics', minimal);
      assert.deepEqual(parsed.family, []);
      assert.deepEqual(
        missingBasics(parsed).map((part) => part.ja),
        [
          'カナ氏名',
          '生年月日',
          '住所',
          '連絡先',
          'キーパーソン',
          '住環境',
          '要介護度',
          'ADL',
          '障害高齢者の日常生活自立度',
          '認知症高齢者の日常生活自立度',
        ],
      );
      assert.deepEqual(
        missingBasics(parseItem('basics', aBasics())),
        [],
        'control: complete basics miss nothing',
      );
    });

    it('refuses basics without a sex or a kanji name (control)', () => {
      assert.match(
        messageAt('basics', { name: { kanji: { family: '名無', given: '権兵衛' } } }, 'sex'),
        /入力が必要です/,
      );
      assert.match(messageAt('basics', { sex: 'male' }, 'name'), /入力が必要です/);
    });

    it('refuses a date of birth that does not exist, or lies in the future', () => {
      assert.match(
        messageAt('basics', aBasics({ birthDate: '1938-02-29' }), 'birthDate'),
        /実在する日付.* \/ not a real date/,
      );
      assert.match(
        messageAt('basics', aBasics({ birthDate: '2999-01-01' }), 'birthDate'),
        /未来の日付は使えません/,
      );
    });

    it('names unknown codes and the codes allowed', () => {
      assert.match(
        messageAt('basics', aBasics({ sex: 'robot' as never }), 'sex'),
        /「robot」は使えないコードです.*male, female, other/,
      );
      const basics = aBasics();
      basics.adl!.eating = 'sometimes' as never;
      assert.match(messageAt('basics', basics, 'adl.eating'), /unknown code "sometimes"/);
    });

    it('refuses kana that is not katakana and a prefecture that is not one', () => {
      const basics = aBasics();
      basics.name.kana!.family = 'やまぐち';
      basics.address!.prefecture = '東京' as never;
      assert.match(messageAt('basics', basics, 'name.kana.family'), /全角カタカナ/);
      assert.match(messageAt('basics', basics, 'address.prefecture'), /都道府県名ではありません/);
    });

    it('allows one key person only', () => {
      const basics = aBasics();
      basics.family.push({
        name: '山口 一郎',
        relationship: 'son',
        livesWithPatient: true,
        isKeyPerson: true,
      });
      assert.match(messageAt('basics', basics, 'family'), /キーパーソンは1人だけ/);
    });

    it('refuses misspelt fields rather than dropping them', () => {
      assert.match(messageAt('basics', { ...aBasics(), nmae: 'x' }, ''), /不明な項目があります: nmae/);
    });
  });

  describe('frequently changing items', () => {
    it('refuses oversized text with its limit', () => {
      assert.match(
        messageAt('diagnosis', aDiagnosis({ name: '長'.repeat(201) }), 'name'),
        /200文字以内で入力してください \/ must be at most 200 characters/,
      );
      assert.match(
        messageAt('course-note', { recordedOn: '2024-04-01', scene: 'E', text: 'あ'.repeat(4001) }, 'text'),
        /4000文字以内/,
      );
    });

    it('checks ICD-10, onset dates and drug codes', () => {
      assert.match(messageAt('diagnosis', aDiagnosis({ icd10: 'cancer' }), 'icd10'), /ICD-10/);
      assert.match(messageAt('diagnosis', aDiagnosis({ onset: '2019-13' }), 'onset'), /YYYY-MM/);
      assert.deepEqual(issuesOf('diagnosis', aDiagnosis({ onset: '2019' })), []);
      const medication = {
        name: 'アムロジピン錠5mg',
        dose: '5mg 1錠',
        route: 'oral',
        timing: '1日1回',
        status: 'active',
        code: { system: 'yj', value: '2171022F1093' },
      };
      assert.deepEqual(issuesOf('medication', medication), []);
      assert.match(
        messageAt(
          'medication',
          { ...medication, code: { system: 'hot9', value: '2171022F1093' } },
          'code.value',
        ),
        /HOT9コードは9桁/,
      );
      assert.match(
        messageAt('medication', { ...medication, startedOn: '2024-05-01', endedOn: '2024-04-01' }, 'endedOn'),
        /終了日は開始日以降/,
      );
    });

    it('keeps both disclosure flags of a diagnosis and the wishes about the place of death', () => {
      const flagged = parseItem('diagnosis', aDiagnosis({ isNotToldToPatient: true, isNotShared: false }));
      assert.equal(flagged.isNotToldToPatient, true);
      assert.equal(flagged.isNotShared, false);
      assert.equal(parseItem('wishes', { preferredPlaceOfDeath: 'home' }).preferredPlaceOfDeath, 'home');
      assert.match(
        messageAt('wishes', { preferredPlaceOfDeath: 'moon' }, 'preferredPlaceOfDeath'),
        /使えないコード/,
      );
    });
  });

  describe('visit records', () => {
    it('accepts a plausible visit (control)', () => {
      assert.deepEqual(issuesOf('visit-record', aVisitRecord()), []);
    });

    it('refuses impossible vital signs, naming the range', () => {
      const visit = (vitals: Record<string, number>) => aVisitRecord({ vitals: vitals as never });
      assert.match(
        messageAt('visit-record', visit({ bodyTemperature: 372 }), 'vitals.bodyTemperature'),
        /体温は30〜45℃の範囲で入力してください \/ body temperature must be between 30 and 45 °C/,
      );
      assert.match(messageAt('visit-record', visit({ pulse: 400 }), 'vitals.pulse'), /脈拍は20〜300/);
      assert.match(
        messageAt('visit-record', visit({ oxygenSaturation: 101 }), 'vitals.oxygenSaturation'),
        /SpO2は50〜100/,
      );
      assert.match(
        messageAt('visit-record', visit({ systolic: 80, diastolic: 120 }), 'vitals.diastolic'),
        /拡張期血圧は収縮期血圧より低い/,
      );
      assert.match(messageAt('visit-record', visit({ systolic: 120 }), 'vitals.diastolic'), /両方を入力/);
      assert.match(messageAt('visit-record', visit({}), 'vitals'), /1つ以上/);
    });

    it('refuses a visit in the future and one that ends before it starts', () => {
      const future = new Date(Date.now() + 24 * 60 * 60 * 1000).toISOString();
      assert.match(messageAt('visit-record', aVisitRecord({ visitedAt: future }), 'visitedAt'), /未来の日時/);
      const visitedAt = new Date(Date.now() - 60 * 60 * 1000).toISOString();
      const endedAt = new Date(Date.now() - 2 * 60 * 60 * 1000).toISOString();
      assert.match(
        messageAt('visit-record', aVisitRecord({ visitedAt, endedAt }), 'endedAt'),
        /終了時刻は開始時刻より後/,
      );
    });

    it('refuses care it does not know and a care given twice', () => {
      assert.match(
        messageAt('visit-record', aVisitRecord({ careGiven: ['massage' as never] }), 'careGiven.0'),
        /使えないコード/,
      );
      assert.match(
        messageAt('visit-record', aVisitRecord({ careGiven: ['bathing', 'bathing'] }), 'careGiven.1'),
        /「入浴・清拭」が重複しています/,
      );
    });
  });
});
