import assert from 'node:assert/strict';
import { vitalRanges } from '#workspace-app/clinical/vital-ranges.js';
import { parseItem } from '#workspace-app/patients/standard-items.js';
import { vitalSigns } from '#workspace-app/connectors/canonical-event.js';
import { aVisitRecord } from '../patients/patient-fixtures.js';

/** A value as each side sees it: a practitioner typing it into a visit record, a vendor's device sending it. */
function acceptedBy(sign: 'bodyTemperature' | 'systolic' | 'pulse' | 'oxygenSaturation', value: number) {
  const record = (() => {
    try {
      const vitals = sign === 'systolic' ? { systolic: value, diastolic: 30 } : { [sign]: value };
      parseItem('visit-record', aVisitRecord({ vitals: vitals as never }));
      return true;
    } catch {
      return false;
    }
  })();
  const device = {
    bodyTemperature: { temperatureCelsius: value },
    systolic: { systolicMmHg: value, diastolicMmHg: 30 },
    pulse: { pulsePerMinute: value },
    oxygenSaturation: { spo2Percent: value },
  }[sign];
  return { record, connector: vitalSigns.safeParse(device).success };
}

describe('vital-sign ranges', () => {
  it('are one definition: the record and the connectors accept and refuse exactly the same values', () => {
    for (const sign of ['bodyTemperature', 'systolic', 'pulse', 'oxygenSaturation'] as const) {
      const { min, max } = vitalRanges[sign];
      for (const value of [min, max]) {
        assert.deepEqual(acceptedBy(sign, value), { record: true, connector: true }, `${sign} ${value}`);
      }
      for (const value of [min - 1, max + 1]) {
        assert.deepEqual(acceptedBy(sign, value), { record: false, connector: false }, `${sign} ${value}`);
      }
    }
  });

  it('keep a hypothermic 31 °C and a feverish 41.2 °C, refuse 372 °C (control)', () => {
    assert.deepEqual(acceptedBy('bodyTemperature', 31), { record: true, connector: true });
    assert.deepEqual(acceptedBy('bodyTemperature', 41.2), { record: true, connector: true });
    assert.deepEqual(acceptedBy('bodyTemperature', 372), { record: false, connector: false });
  });
});
