import type { FreeBeds, Ward } from './capacity-profile.js';
import type { BedSex, PatientSex, RoomType } from './care-codes.js';
import type { TransferRequest } from './transfer-request.js';

/**
 * Whether the patient must go into an isolation room on this ward: because of the patient's own
 * infection, or because the ward takes one of the patient's infections only into isolation. The same
 * rule as the ranking's.
 */
export function needsIsolationRoom(
  request: TransferRequest,
  ward: Pick<Ward, 'infectionsAccepted'>,
): boolean {
  return request.infections.some(
    (infection) =>
      infection.needsIsolationRoom ||
      ward.infectionsAccepted.some(
        (accepted) => accepted.code === infection.code && accepted.needsIsolationRoom,
      ),
  );
}

export interface WardFigures {
  freeBeds: FreeBeds;
  freeIsolationRooms: number;
}

export interface TakenBed {
  bedSex: BedSex;
  figures: WardFigures;
}

/**
 * Takes one bed for a patient out of a ward's free figures: a bed for the patient's sex first, then
 * one for either sex. An isolation room is a single room, so it also leaves the free single beds.
 * Returns null when no such bed is free.
 */
export function takeBed(
  figures: WardFigures,
  patientSex: PatientSex,
  roomType: RoomType,
  isIsolationRoom: boolean,
): TakenBed | null {
  if (isIsolationRoom && (roomType !== 'individual' || figures.freeIsolationRooms === 0)) return null;
  const bedSex: BedSex | null =
    figures.freeBeds[patientSex][roomType] > 0
      ? patientSex
      : figures.freeBeds.any[roomType] > 0
        ? 'any'
        : null;
  if (bedSex === null) return null;
  const freeBeds: FreeBeds = {
    male: { ...figures.freeBeds.male },
    female: { ...figures.freeBeds.female },
    any: { ...figures.freeBeds.any },
  };
  freeBeds[bedSex][roomType] -= 1;
  const singlesLeft = freeBeds.male.individual + freeBeds.female.individual + freeBeds.any.individual;
  // Taking an ordinary single room can take the last single that was also the free isolation room.
  const freeIsolationRooms = Math.min(
    singlesLeft,
    isIsolationRoom ? figures.freeIsolationRooms - 1 : figures.freeIsolationRooms,
  );
  return { bedSex, figures: { freeBeds, freeIsolationRooms } };
}

export function figuresOf(ward: Pick<Ward, 'freeBeds' | 'isolationRooms'>): WardFigures {
  return { freeBeds: ward.freeBeds, freeIsolationRooms: ward.isolationRooms.free };
}
