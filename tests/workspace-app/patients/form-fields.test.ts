import assert from 'node:assert/strict';
import { formFromValue, placeIssues, readForm, renderFields } from '#workspace-app/patients/form-fields.js';
import { basicsForm, visitRecordForm } from '#workspace-app/patients/item-forms.js';
import { parseItem } from '#workspace-app/patients/standard-items.js';
import { aBasics } from './patient-fixtures.js';

describe('item forms', () => {
  it('read a posted visit form into the nested item, leaving empty groups out', () => {
    const item = readForm(visitRecordForm, {
      visitedAt: '2025-04-01T09:30',
      profession: 'nurse',
      careGiven: ['observation', 'bathing'],
      state: ' 穏やか ',
      'vitals.bodyTemperature': '３６．８',
      'vitals.pulse': '72',
      'meals.intake': '',
      'meals.form': '',
      'excretion.hadBowelMovement': 'true',
    });
    assert.deepEqual(item, {
      visitedAt: '2025-04-01T09:30:00+09:00',
      profession: 'nurse',
      vitals: { bodyTemperature: 36.8, pulse: 72 },
      careGiven: ['observation', 'bathing'],
      state: '穏やか',
      excretion: { hadBowelMovement: true },
    });
  });

  it('pass text that is not a number on to the schema, which words the message', () => {
    const item = readForm(visitRecordForm, { 'vitals.pulse': 'seventy' });
    assert.deepEqual(item.vitals, { pulse: 'seventy' });
  });

  it('round-trip a stored item through the form unchanged', () => {
    const basics = aBasics();
    assert.deepEqual(parseItem('basics', readForm(basicsForm, formFromValue(basicsForm, basics))), basics);
  });

  it('place each issue at its field, a list entry at its list, and the rest above the form', () => {
    const placed = placeIssues(visitRecordForm, [
      { path: 'vitals.pulse', message: 'a / b' },
      { path: 'careGiven.1', message: 'c / d' },
      { path: '', message: 'e / f' },
    ]);
    assert.deepEqual(placed.get('vitals.pulse'), ['a / b']);
    assert.deepEqual(placed.get('careGiven'), ['c / d']);
    assert.deepEqual(placed.get(''), ['e / f']);
  });

  it('escape what it shows back', () => {
    const html = String(renderFields(visitRecordForm, { state: '<script>alert(1)</script>' }, 'ja'));
    assert.ok(!html.includes('<script>alert'));
    assert.ok(html.includes('&lt;script&gt;'));
  });
});
