import assert from 'node:assert/strict';
import { bilingualMessage, catalogueReader, fillText, splitBilingual } from '@hcw/common';

describe('bilingual text: one way to carry it, write it and read it back', () => {
  it('writes Japanese then English into one string and reads the two back', () => {
    const text = { ja: '入力が正しくありません。', en: 'The input is not valid.' };
    assert.equal(bilingualMessage(text), '入力が正しくありません。 / The input is not valid.');
    assert.deepEqual(splitBilingual(bilingualMessage(text)), text);
  });

  it('keeps a separator inside the English, and lets a one-language string serve for both', () => {
    assert.deepEqual(splitBilingual('日付 / Date a / b'), { ja: '日付', en: 'Date a / b' });
    assert.deepEqual(splitBilingual('only one'), { ja: 'only one', en: 'only one' });
  });

  it('fills a catalogue entry in the reader’s language, unknown names left empty', () => {
    const read = catalogueReader({ greeting: { ja: '{name}さん、{count}件', en: '{name}: {count} new' } });
    assert.equal(read('ja', 'greeting', { name: '田中', count: 3 }), '田中さん、3件');
    assert.equal(read('en', 'greeting', { name: 'Tanaka', count: 3 }), 'Tanaka: 3 new');
    assert.equal(fillText({ ja: '{missing}です', en: '' }, 'ja'), 'です');
  });
});
