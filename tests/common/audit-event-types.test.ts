import assert from 'node:assert/strict';
import { AUDIT_EVENT_TYPES, type AuditEvent } from '@hcw/common';

describe('the audit trail’s vocabulary', () => {
  it('names each kind of event once, in the forms auditors search by', () => {
    assert.equal(new Set(AUDIT_EVENT_TYPES).size, AUDIT_EVENT_TYPES.length);
    for (const type of AUDIT_EVENT_TYPES) assert.match(type, /^[a-z]+(?:[.-][a-z]+)*$/);
  });

  it('refuses a misspelt type when the code is built (the type check of the code-quality suite)', () => {
    const misspelt: AuditEvent = {
      // @ts-expect-error: 'patient.recrod.read' is not in the vocabulary; were any string allowed, this line
      // would be an unused expectation, which the type check refuses too.
      type: 'patient.recrod.read',
      outcome: 'success',
    };
    const known: AuditEvent = { type: 'patient.record.read', outcome: 'success' };
    assert.notEqual(misspelt.type, known.type);
  });
});
