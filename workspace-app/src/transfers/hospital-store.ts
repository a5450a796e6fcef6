import type pg from 'pg';
import type { ContactDesk, FreeBeds, Hospital, Ward } from './capacity-profile.js';
import type { WardType } from './care-codes.js';
import type { MunicipalityId } from './tokyo-areas.js';

/** A ward as stored: its profile, its free beds and who confirmed them when. */
export interface StoredWard extends Ward {
  hospitalId: string;
  /** ISO 8601; when a person last confirmed these free-bed figures. */
  freeBedsUpdatedAt: string;
  freeBedsUpdatedBy: string | null;
  /** Changes with every change of the figures; an update must name the version it was based on. */
  version: number;
}

export interface StoredHospital {
  id: string;
  name: string;
  /** The organisation its staff carry at sign-in. */
  organisation: string;
  municipalityId: MunicipalityId;
  contactDesk: ContactDesk;
  wards: StoredWard[];
}

/** The part of a ward's profile kept as one JSON value. */
type CareProfile = Pick<
  Ward,
  | 'proceduresAccepted'
  | 'infectionsAccepted'
  | 'dementia'
  | 'extraRoomChargeYenPerDay'
  | 'maxStayDays'
  | 'typicalWaitDays'
  | 'patientsAccepted'
>;

interface WardRow {
  hospital_id: string;
  hospital_name: string;
  organisation: string;
  municipality_id: string;
  contact_desk: ContactDesk;
  id: string;
  name: string;
  ward_function: Ward['wardFunction'];
  ward_type: Ward['wardType'];
  total_beds: number;
  isolation_rooms: number;
  care_profile: CareProfile;
  free_male_individual: number;
  free_male_shared: number;
  free_female_individual: number;
  free_female_shared: number;
  free_any_individual: number;
  free_any_shared: number;
  free_isolation_rooms: number;
  free_beds_updated_at: Date;
  free_beds_updated_by: string | null;
  version: number;
}

const wardColumns = `h.id AS hospital_id, h.name AS hospital_name, h.organisation, h.municipality_id,
  h.contact_desk, w.id, w.name, w.ward_function, w.ward_type, w.total_beds, w.isolation_rooms,
  w.care_profile, w.free_male_individual, w.free_male_shared, w.free_female_individual,
  w.free_female_shared, w.free_any_individual, w.free_any_shared, w.free_isolation_rooms,
  w.free_beds_updated_at, w.free_beds_updated_by, w.version`;

function wardOf(row: WardRow): StoredWard {
  return {
    hospitalId: row.hospital_id,
    id: row.id,
    name: row.name,
    wardFunction: row.ward_function,
    wardType: row.ward_type,
    totalBeds: row.total_beds,
    freeBeds: {
      male: { individual: row.free_male_individual, shared: row.free_male_shared },
      female: { individual: row.free_female_individual, shared: row.free_female_shared },
      any: { individual: row.free_any_individual, shared: row.free_any_shared },
    },
    isolationRooms: { total: row.isolation_rooms, free: row.free_isolation_rooms },
    ...row.care_profile,
    freeBedsUpdatedAt: row.free_beds_updated_at.toISOString(),
    freeBedsUpdatedBy: row.free_beds_updated_by,
    version: row.version,
  };
}

/** Rows come ordered by hospital, so one pass groups them. */
function hospitalsOf(rows: readonly WardRow[]): StoredHospital[] {
  const hospitals: StoredHospital[] = [];
  let current: StoredHospital | undefined;
  for (const row of rows) {
    if (current?.id !== row.hospital_id) {
      current = {
        id: row.hospital_id,
        name: row.hospital_name,
        organisation: row.organisation,
        municipalityId: row.municipality_id as MunicipalityId,
        contactDesk: row.contact_desk,
        wards: [],
      };
      hospitals.push(current);
    }
    current.wards.push(wardOf(row));
  }
  return hospitals;
}

export interface HospitalFilter {
  municipalityIds?: readonly string[] | null;
  wardTypes?: readonly WardType[] | null;
  hospitalIds?: readonly string[] | null;
}

export function totalFreeBeds(freeBeds: FreeBeds): number {
  return (
    freeBeds.male.individual +
    freeBeds.male.shared +
    freeBeds.female.individual +
    freeBeds.female.shared +
    freeBeds.any.individual +
    freeBeds.any.shared
  );
}

/** The ward as the capacity profile's schema knows it, without what storage adds. */
export function wardProfileOf(ward: StoredWard): Ward {
  return {
    id: ward.id,
    name: ward.name,
    wardFunction: ward.wardFunction,
    wardType: ward.wardType,
    totalBeds: ward.totalBeds,
    freeBeds: ward.freeBeds,
    isolationRooms: ward.isolationRooms,
    proceduresAccepted: ward.proceduresAccepted,
    infectionsAccepted: ward.infectionsAccepted,
    dementia: ward.dementia,
    extraRoomChargeYenPerDay: ward.extraRoomChargeYenPerDay,
    maxStayDays: ward.maxStayDays,
    typicalWaitDays: ward.typicalWaitDays,
    ...(ward.patientsAccepted ? { patientsAccepted: ward.patientsAccepted } : {}),
  };
}

/**
 * The profile shape the ranking reads; its wards keep their stored extras (the ranking ignores them,
 * and copying 2,500 wards per search would cost time for nothing). Its date is that of the stalest
 * ward, since it speaks for all.
 */
export function rankableHospitalOf(hospital: StoredHospital): Hospital {
  let oldest = hospital.wards[0]?.freeBedsUpdatedAt ?? new Date(0).toISOString();
  for (const ward of hospital.wards) {
    if (Date.parse(ward.freeBedsUpdatedAt) < Date.parse(oldest)) oldest = ward.freeBedsUpdatedAt;
  }
  return {
    id: hospital.id,
    name: hospital.name,
    municipalityId: hospital.municipalityId,
    contactDesk: hospital.contactDesk,
    freeBedsUpdatedAt: oldest,
    wards: hospital.wards,
  };
}

/** Storage of hospitals, their wards and free beds. */
export const hospitalStore = {
  /**
   * Stores hospitals whose profiles were validated by the caller; ones already stored (by id or by
   * organisation) are left as they are. Returns how many were new.
   */
  async insert(
    db: pg.Pool | pg.PoolClient,
    entries: readonly { hospital: Hospital; organisation: string }[],
  ): Promise<number> {
    if (entries.length === 0) return 0;
    const hospitals = entries.map(({ hospital, organisation }) => ({
      id: hospital.id,
      name: hospital.name,
      organisation,
      municipality_id: hospital.municipalityId,
      contact_desk: hospital.contactDesk,
    }));
    const inserted = await db.query<{ id: string }>(
      `INSERT INTO transfer_hospitals (id, name, organisation, municipality_id, contact_desk)
       SELECT id, name, organisation, municipality_id, contact_desk
         FROM jsonb_to_recordset($1::jsonb)
           AS x(id text, name text, organisation text, municipality_id text, contact_desk jsonb)
       ON CONFLICT DO NOTHING
       RETURNING id`,
      [JSON.stringify(hospitals)],
    );
    const isNew = new Set(inserted.rows.map((row) => row.id));
    const wards = entries
      .filter(({ hospital }) => isNew.has(hospital.id))
      .flatMap(({ hospital }) =>
        hospital.wards.map((ward, position) => {
          const care: CareProfile = {
            proceduresAccepted: ward.proceduresAccepted,
            infectionsAccepted: ward.infectionsAccepted,
            dementia: ward.dementia,
            extraRoomChargeYenPerDay: ward.extraRoomChargeYenPerDay,
            maxStayDays: ward.maxStayDays,
            typicalWaitDays: ward.typicalWaitDays,
            ...(ward.patientsAccepted ? { patientsAccepted: ward.patientsAccepted } : {}),
          };
          return {
            hospital_id: hospital.id,
            id: ward.id,
            position,
            name: ward.name,
            ward_function: ward.wardFunction,
            ward_type: ward.wardType,
            total_beds: ward.totalBeds,
            isolation_rooms: ward.isolationRooms.total,
            care_profile: care,
            free_male_individual: ward.freeBeds.male.individual,
            free_male_shared: ward.freeBeds.male.shared,
            free_female_individual: ward.freeBeds.female.individual,
            free_female_shared: ward.freeBeds.female.shared,
            free_any_individual: ward.freeBeds.any.individual,
            free_any_shared: ward.freeBeds.any.shared,
            free_isolation_rooms: ward.isolationRooms.free,
            free_beds_updated_at: hospital.freeBedsUpdatedAt,
          };
        }),
      );
    if (wards.length > 0) {
      await db.query(
        `INSERT INTO transfer_wards (hospital_id, id, position, name, ward_function, ward_type, total_beds,
           isolation_rooms, care_profile, free_male_individual, free_male_shared, free_female_individual,
           free_female_shared, free_any_individual, free_any_shared, free_isolation_rooms, free_beds_updated_at)
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(hospital_id text, id text, position integer,
           name text, ward_function text, ward_type text, total_beds integer, isolation_rooms integer,
           care_profile jsonb, free_male_individual integer, free_male_shared integer,
           free_female_individual integer, free_female_shared integer, free_any_individual integer,
           free_any_shared integer, free_isolation_rooms integer, free_beds_updated_at timestamptz)`,
        [JSON.stringify(wards)],
      );
    }
    return isNew.size;
  },

  /** Hospitals with their wards, narrowed by the filter; a hospital with no ward left is not returned. */
  async load(db: pg.Pool | pg.PoolClient, filter: HospitalFilter = {}): Promise<StoredHospital[]> {
    const result = await db.query<WardRow>(
      `SELECT ${wardColumns}
         FROM transfer_hospitals h JOIN transfer_wards w ON w.hospital_id = h.id
        WHERE ($1::text[] IS NULL OR h.municipality_id = ANY($1))
          AND ($2::text[] IS NULL OR w.ward_type = ANY($2))
          AND ($3::text[] IS NULL OR h.id = ANY($3))
        ORDER BY h.id, w.position`,
      [filter.municipalityIds ?? null, filter.wardTypes ?? null, filter.hospitalIds ?? null],
    );
    return hospitalsOf(result.rows);
  },

  /** The hospital whose staff carry this organisation at sign-in, if any. */
  async ofOrganisation(db: pg.Pool | pg.PoolClient, organisation: string): Promise<StoredHospital | null> {
    const result = await db.query<WardRow>(
      `SELECT ${wardColumns}
         FROM transfer_hospitals h JOIN transfer_wards w ON w.hospital_id = h.id
        WHERE h.organisation = $1
        ORDER BY h.id, w.position`,
      [organisation],
    );
    return hospitalsOf(result.rows)[0] ?? null;
  },

  /** One ward; with `lock`, its row stays locked until the transaction ends. */
  async ward(
    client: pg.PoolClient,
    hospitalId: string,
    wardId: string,
    options: { lock?: boolean } = {},
  ): Promise<StoredWard | null> {
    const result = await client.query<WardRow>(
      `SELECT ${wardColumns}
         FROM transfer_wards w JOIN transfer_hospitals h ON h.id = w.hospital_id
        WHERE w.hospital_id = $1 AND w.id = $2
        ${options.lock ? 'FOR UPDATE OF w' : ''}`,
      [hospitalId, wardId],
    );
    const row = result.rows[0];
    return row ? wardOf(row) : null;
  },

  /**
   * Writes what a ward takes on (its care profile and number of isolation rooms) if nobody changed the
   * ward since `expectedVersion`, and moves its version on. False when someone had.
   */
  async writeProfile(
    client: pg.PoolClient,
    ward: { hospitalId: string; id: string },
    expectedVersion: number,
    profile: Ward,
  ): Promise<boolean> {
    const care: CareProfile = {
      proceduresAccepted: profile.proceduresAccepted,
      infectionsAccepted: profile.infectionsAccepted,
      dementia: profile.dementia,
      extraRoomChargeYenPerDay: profile.extraRoomChargeYenPerDay,
      maxStayDays: profile.maxStayDays,
      typicalWaitDays: profile.typicalWaitDays,
      ...(profile.patientsAccepted ? { patientsAccepted: profile.patientsAccepted } : {}),
    };
    const result = await client.query(
      `UPDATE transfer_wards SET care_profile = $4, isolation_rooms = $5, version = version + 1,
              profile_version = profile_version + 1
        WHERE hospital_id = $1 AND id = $2 AND version = $3`,
      [ward.hospitalId, ward.id, expectedVersion, JSON.stringify(care), profile.isolationRooms.total],
    );
    return (result.rowCount ?? 0) > 0;
  },

  /** Writes a ward's free-bed figures and moves its version on. */
  async writeFigures(
    client: pg.PoolClient,
    ward: { hospitalId: string; id: string },
    figures: { freeBeds: FreeBeds; freeIsolationRooms: number },
    confirmation: { at: Date; by: string } | null,
  ): Promise<void> {
    const { male, female, any } = figures.freeBeds;
    await client.query(
      `UPDATE transfer_wards
          SET free_male_individual = $3, free_male_shared = $4, free_female_individual = $5,
              free_female_shared = $6, free_any_individual = $7, free_any_shared = $8,
              free_isolation_rooms = $9, version = version + 1,
              free_beds_updated_at = COALESCE($10, free_beds_updated_at),
              free_beds_updated_by = COALESCE($11, free_beds_updated_by)
        WHERE hospital_id = $1 AND id = $2`,
      [
        ward.hospitalId,
        ward.id,
        male.individual,
        male.shared,
        female.individual,
        female.shared,
        any.individual,
        any.shared,
        figures.freeIsolationRooms,
        confirmation?.at ?? null,
        confirmation?.by ?? null,
      ],
    );
  },
};
