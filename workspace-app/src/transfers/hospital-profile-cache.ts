import type pg from 'pg';
import type { ContactDesk } from './capacity-profile.js';
import {
  hospitalStore,
  type HospitalFilter,
  type StoredHospital,
  type StoredWard,
} from './hospital-store.js';
import type { MunicipalityId } from './tokyo-areas.js';

/** What a bed manager changes all day; everything else about a ward changes rarely, if ever. */
type WardFigures = Pick<StoredWard, 'freeBeds' | 'freeBedsUpdatedAt' | 'freeBedsUpdatedBy' | 'version'> & {
  freeIsolationRooms: number;
};
type WardProfile = Omit<StoredWard, keyof WardFigures>;

interface HospitalProfile {
  id: string;
  name: string;
  organisation: string;
  municipalityId: MunicipalityId;
  contactDesk: ContactDesk;
  /** In the order the hospital lists them. */
  wards: WardProfile[];
}

/**
 * One ward's figures as an array row (hospital, ward, the seven free counts, when in epoch ms, by whom,
 * version, how many hospitals are stored, and the version of the ward's profile): thousands of rows parse noticeably faster without an
 * object per row.
 */
type FiguresRow = [
  string,
  string,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  string | null,
  number,
  number,
  number,
];

const figuresColumns = `hospital_id, id, free_male_individual, free_male_shared, free_female_individual,
  free_female_shared, free_any_individual, free_any_shared, free_isolation_rooms,
  (extract(epoch FROM free_beds_updated_at) * 1000)::float8, free_beds_updated_by, version,
  (SELECT count(*) FROM transfer_hospitals)::int, profile_version`;

/**
 * Hospitals for the search, with free beds read fresh from the database at every call and the rest
 * of each profile (procedures, infections, charges…, far larger) kept in memory, where the filters
 * by place and ward type are applied too, so the database only looks up the wards' figures by key.
 * The kept part is refreshed in the background once older than `ttlMs`, so no search waits for it,
 * and reloaded at once when the database holds hospitals or wards it does not know, so a hospital
 * added by another portal instance is found by the next search.
 */
export class HospitalProfileCache {
  private hospitals = new Map<string, HospitalProfile>();
  /** The profile version of each kept ward, by hospital and ward id; a newer one in the database means reload. */
  private profileVersions = new Map<string, number>();
  private wardCount = 0;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  private async reload(db: pg.Pool | pg.PoolClient): Promise<void> {
    const hospitals = new Map<string, HospitalProfile>();
    const profileVersions = new Map<string, number>();
    for (const row of await this.figures(db, null)) profileVersions.set(`${row[0]}\u0000${row[1]}`, row[13]);
    let wardCount = 0;
    for (const { wards, ...hospital } of await hospitalStore.load(db)) {
      hospitals.set(hospital.id, {
        ...hospital,
        wards: wards.map(
          ({
            freeBeds: _freeBeds,
            freeBedsUpdatedAt: _updatedAt,
            freeBedsUpdatedBy: _updatedBy,
            version: _version,
            ...profile
          }) => profile,
        ),
      });
      wardCount += wards.length;
    }
    this.hospitals = hospitals;
    this.profileVersions = profileVersions;
    this.wardCount = wardCount;
    this.loadedAt = this.now();
  }

  /** Reloads the kept part from the pool while searches go on with the previous one. */
  private refreshInBackground(): void {
    this.refreshing ??= this.reload(this.pool)
      .catch(() => {
        // The previous profiles stay in use; the next search past the age tries again.
      })
      .finally(() => {
        this.refreshing = null;
      });
  }

  /** Waits for a background refresh, if one is running (tests and shutdown). */
  async settled(): Promise<void> {
    await this.refreshing;
  }

  private candidates(filter: HospitalFilter): HospitalProfile[] {
    const municipalities = filter.municipalityIds ? new Set<string>(filter.municipalityIds) : null;
    const ids = filter.hospitalIds ? new Set(filter.hospitalIds) : null;
    return [...this.hospitals.values()].filter(
      (hospital) =>
        (municipalities === null || municipalities.has(hospital.municipalityId)) &&
        (ids === null || ids.has(hospital.id)),
    );
  }

  private async figures(
    db: pg.Pool | pg.PoolClient,
    hospitalIds: readonly string[] | null,
  ): Promise<FiguresRow[]> {
    const result = await db.query<FiguresRow>({
      rowMode: 'array',
      text:
        hospitalIds === null
          ? `SELECT ${figuresColumns} FROM transfer_wards`
          : `SELECT ${figuresColumns} FROM transfer_wards WHERE hospital_id = ANY($1::text[])`,
      values: hospitalIds === null ? [] : [hospitalIds],
    });
    return result.rows;
  }

  private async storedHospitalCount(db: pg.Pool | pg.PoolClient): Promise<number> {
    const result = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM transfer_hospitals');
    return result.rows[0]?.count ?? 0;
  }

  /** Like hospitalStore.load: the hospitals the filter leaves, each with the wards it leaves. */
  async load(db: pg.Pool | pg.PoolClient, filter: HospitalFilter = {}): Promise<StoredHospital[]> {
    if (this.loadedAt === Number.NEGATIVE_INFINITY) await this.reload(db);
    else if (this.now() - this.loadedAt > this.ttlMs) this.refreshInBackground();
    const isWhole = !filter.municipalityIds && !filter.hospitalIds;
    let candidates = this.candidates(filter);
    // Ids asked for by name are looked up even when unknown here, so that a new one is noticed.
    const lookup = isWhole ? null : (filter.hospitalIds ?? candidates.map((hospital) => hospital.id));
    let rows = await this.figures(db, lookup);
    // Every row carries the count of stored hospitals; without rows, it takes a question of its own.
    const storedHospitals = rows[0]?.[12] ?? (await this.storedHospitalCount(db));
    const knowsAll =
      storedHospitals === this.hospitals.size &&
      (!isWhole || rows.length === this.wardCount) &&
      rows.every(
        ([hospitalId, wardId, , , , , , , , , , , , profileVersion]) =>
          this.hospitals.has(hospitalId) &&
          this.profileVersions.get(`${hospitalId}\u0000${wardId}`) === profileVersion,
      );
    if (!knowsAll) {
      await this.reload(db);
      candidates = this.candidates(filter);
      if (!isWhole && !filter.hospitalIds) {
        rows = await this.figures(
          db,
          candidates.map((hospital) => hospital.id),
        );
      }
    }

    const figuresByWard = new Map<string, FiguresRow>();
    for (const row of rows) figuresByWard.set(`${row[0]}\u0000${row[1]}`, row);
    const wardTypes = filter.wardTypes ? new Set<string>(filter.wardTypes) : null;
    const hospitals: StoredHospital[] = [];
    for (const { wards, ...hospital } of candidates) {
      const stored: StoredWard[] = [];
      for (const profile of wards) {
        if (wardTypes !== null && !wardTypes.has(profile.wardType)) continue;
        const row = figuresByWard.get(`${hospital.id}\u0000${profile.id}`);
        if (!row) continue;
        const [
          ,
          ,
          maleIndividual,
          maleShared,
          femaleIndividual,
          femaleShared,
          anyIndividual,
          anyShared,
          freeIsolationRooms,
          updatedMs,
          updatedBy,
          version,
        ] = row;
        // Every field written out rather than spread: one object shape for all wards, far less garbage.
        stored.push({
          hospitalId: profile.hospitalId,
          id: profile.id,
          name: profile.name,
          wardFunction: profile.wardFunction,
          wardType: profile.wardType,
          totalBeds: profile.totalBeds,
          freeBeds: {
            male: { individual: maleIndividual, shared: maleShared },
            female: { individual: femaleIndividual, shared: femaleShared },
            any: { individual: anyIndividual, shared: anyShared },
          },
          isolationRooms: { total: profile.isolationRooms.total, free: freeIsolationRooms },
          proceduresAccepted: profile.proceduresAccepted,
          infectionsAccepted: profile.infectionsAccepted,
          dementia: profile.dementia,
          extraRoomChargeYenPerDay: profile.extraRoomChargeYenPerDay,
          maxStayDays: profile.maxStayDays,
          typicalWaitDays: profile.typicalWaitDays,
          ...(profile.patientsAccepted ? { patientsAccepted: profile.patientsAccepted } : {}),
          freeBedsUpdatedAt: new Date(updatedMs).toISOString(),
          freeBedsUpdatedBy: updatedBy,
          version,
        });
      }
      if (stored.length > 0) hospitals.push({ ...hospital, wards: stored });
    }
    return hospitals;
  }
}
