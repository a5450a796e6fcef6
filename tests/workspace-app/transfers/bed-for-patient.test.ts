import assert from 'node:assert/strict';
import { needsIsolationRoom, takeBed } from '#workspace-app/transfers/bed-for-patient.js';
import { aRequest, aWard, noFreeBeds } from './factories.js';

describe('taking a bed for a patient', () => {
  const figures = (overrides: Partial<ReturnType<typeof noFreeBeds>>, freeIsolationRooms = 0) => ({
    freeBeds: { ...noFreeBeds(), ...overrides },
    freeIsolationRooms,
  });

  it('takes a bed for the patient’s sex before one for either sex', () => {
    const taken = takeBed(
      figures({ female: { individual: 0, shared: 1 }, any: { individual: 0, shared: 1 } }),
      'female',
      'shared',
      false,
    );
    assert.equal(taken?.bedSex, 'female');
    assert.deepEqual(taken?.figures.freeBeds.female, { individual: 0, shared: 0 });
    assert.deepEqual(taken?.figures.freeBeds.any, { individual: 0, shared: 1 });
  });

  it('falls back to a bed for either sex, and finds none for the other sex’s rooms', () => {
    const free = figures({ male: { individual: 0, shared: 2 }, any: { individual: 1, shared: 0 } });
    assert.equal(takeBed(free, 'female', 'individual', false)?.bedSex, 'any');
    assert.equal(takeBed(free, 'female', 'shared', false), null);
  });

  it('takes an isolation room out of the free singles as well', () => {
    const taken = takeBed(figures({ any: { individual: 2, shared: 0 } }, 1), 'male', 'individual', true);
    assert.deepEqual(taken?.figures, {
      freeBeds: { ...noFreeBeds(), any: { individual: 1, shared: 0 } },
      freeIsolationRooms: 0,
    });
    assert.equal(
      takeBed(figures({ any: { individual: 2, shared: 0 } }, 0), 'male', 'individual', true),
      null,
    );
  });

  it('gives up the free isolation room when an ordinary patient takes the last single', () => {
    const taken = takeBed(figures({ male: { individual: 1, shared: 0 } }, 1), 'male', 'individual', false);
    assert.equal(taken?.figures.freeIsolationRooms, 0);
  });

  it('needs an isolation room for the patient’s own reasons or for the ward’s', () => {
    const ward = aWard({ infectionsAccepted: [{ code: 'mrsa', needsIsolationRoom: true }] });
    assert.equal(
      needsIsolationRoom(aRequest({ infections: [{ code: 'mrsa', needsIsolationRoom: false }] }), ward),
      true,
    );
    assert.equal(
      needsIsolationRoom(aRequest({ infections: [{ code: 'hbv', needsIsolationRoom: true }] }), aWard()),
      true,
    );
    assert.equal(needsIsolationRoom(aRequest({ infections: [] }), ward), false);
  });
});
