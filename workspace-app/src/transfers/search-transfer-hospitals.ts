import type { z } from 'zod';
import { field } from '../validation/bilingual-fields.js';
import { wardTypeLabels } from './care-codes.js';
import { rankableHospitalOf, type StoredHospital } from './hospital-store.js';
import type { InquiryStatus } from './inquiry-codes.js';
import { openRequest } from './open-request.js';
import { rankHospitals, type HospitalMatch } from './rank-hospitals.js';
import { careAreaLabels, tokyoAreas, type MunicipalityId } from './tokyo-areas.js';
import { requireRequester } from './transfer-access.js';
import { auditedTransferOperation } from './transfer-audit.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import type { StoredRequest } from './transfer-store.js';

/** The narrowing an MSW can add to the request's own criteria. */
export const searchFiltersSchema = field.object({
  /** Only hospitals in these 二次医療圏; empty for all of Tokyo. */
  areaIds: field.codeSet(careAreaLabels).default([]),
  /** Only hospitals in this 区市町村 (a tile of the map); wins over areaIds. */
  municipalityId: field
    .oneOf(tokyoAreas.municipalityIds, (received) => ({
      ja: `東京都の区市町村ではありません: 「${received}」`,
      en: `not a Tokyo municipality: "${received}"`,
    }))
    .nullable()
    .default(null),
  /** Only wards of these types; empty for any. */
  wardTypes: field.codeSet(wardTypeLabels).default([]),
  /** Only wards whose typical wait is at most this many days. */
  maxWaitDays: field.integer({ min: 0, max: 365 }).nullable().default(null),
  /** Leave out hospitals whose free-bed figures are stale. */
  isFreshOnly: field.boolean().default(false),
  matchLimit: field.integer({ min: 1, max: 1000 }).default(50),
  excludedLimit: field.integer({ min: 0, max: 1000 }).default(20),
});
export type SearchFilters = z.output<typeof searchFiltersSchema>;

export interface SearchHit extends HospitalMatch {
  /** When the proposed ward's own figures were confirmed (the hospital's date is its stalest ward's). */
  wardFreeBedsUpdatedAt: string;
  isWardStale: boolean;
  /** The inquiry already sent to this hospital for the request, if any. */
  inquiry: { id: string; status: InquiryStatus } | null;
}

export interface MunicipalityTally {
  hospitals: number;
  matches: number;
  bestRank: number | null;
}

export interface TransferSearchResult {
  request: StoredRequest;
  searchedAt: string;
  staleAfterHours: number;
  filters: SearchFilters;
  /** Hospitals left after the filters, matched or not. */
  hospitalCount: number;
  matchCount: number;
  excludedCount: number;
  /** Best first, at most filters.matchLimit. */
  matches: SearchHit[];
  /** Nearest misses first, at most filters.excludedLimit. */
  excluded: SearchHit[];
  /** Over all hospitals left after the filters, for the map. */
  byMunicipality: Partial<Record<MunicipalityId, MunicipalityTally>>;
}

const millisecondsPerHour = 3_600_000;

function municipalitiesOf(filters: SearchFilters): MunicipalityId[] | null {
  if (filters.municipalityId) return [filters.municipalityId];
  if (filters.areaIds.length === 0) return null;
  const areas = new Set<string>(filters.areaIds);
  return tokyoAreas.careAreas.filter((area) => areas.has(area.id)).flatMap((area) => area.municipalityIds);
}

function withinWait(hospitals: StoredHospital[], maxWaitDays: number | null): StoredHospital[] {
  if (maxWaitDays === null) return hospitals;
  return hospitals
    .map((hospital) => ({
      ...hospital,
      wards: hospital.wards.filter((ward) => ward.typicalWaitDays <= maxWaitDays),
    }))
    .filter((hospital) => hospital.wards.length > 0);
}

/**
 * Searches every hospital (narrowed by the filters) for the request and ranks them with the reasons
 * each fits or not. Free beds are read fresh from the database at every search, since bed managers
 * change them at any moment.
 */
export async function searchTransferHospitals(
  deps: TransferDeps,
  actor: TransferActor,
  requestId: string,
  filters: SearchFilters,
): Promise<TransferSearchResult> {
  return auditedTransferOperation(
    deps,
    actor,
    { type: 'transfer.request.search', isReadOnly: true },
    async (client, context) => {
      const { request, inquiries, viewer } = await openRequest(deps, client, actor, requestId, context);
      requireRequester(viewer);
      const now = deps.clock();
      const loaded = await deps.profiles.load(client, {
        municipalityIds: municipalitiesOf(filters),
        wardTypes: filters.wardTypes.length > 0 ? filters.wardTypes : null,
      });
      const wardsByHospital = new Map(loaded.map((hospital) => [hospital.id, hospital.wards]));
      let candidates = withinWait(loaded, filters.maxWaitDays).map(rankableHospitalOf);
      const staleAfterMs = deps.staleAfterHours * millisecondsPerHour;
      if (filters.isFreshOnly) {
        candidates = candidates.filter(
          (hospital) => now.getTime() - Date.parse(hospital.freeBedsUpdatedAt) <= staleAfterMs,
        );
      }
      const ranking = rankHospitals(request.details, candidates, {
        now,
        staleAfterHours: deps.staleAfterHours,
      });

      const inquiryByHospital = new Map(inquiries.map((inquiry) => [inquiry.hospitalId, inquiry]));
      const hitOf = (match: HospitalMatch): SearchHit => {
        const ward = wardsByHospital
          .get(match.hospitalId)
          ?.find((candidate) => candidate.id === match.ward.id);
        const updatedAt = ward?.freeBedsUpdatedAt ?? match.freeBedsUpdatedAt;
        const inquiry = inquiryByHospital.get(match.hospitalId);
        return {
          ...match,
          wardFreeBedsUpdatedAt: updatedAt,
          isWardStale: now.getTime() - Date.parse(updatedAt) > staleAfterMs,
          inquiry: inquiry ? { id: inquiry.id, status: inquiry.status } : null,
        };
      };

      const byMunicipality: Partial<Record<MunicipalityId, MunicipalityTally>> = {};
      for (const match of [...ranking.matches, ...ranking.excluded]) {
        const tally = (byMunicipality[match.municipalityId] ??= { hospitals: 0, matches: 0, bestRank: null });
        tally.hospitals += 1;
        if (match.rank !== null) {
          tally.matches += 1;
          tally.bestRank = tally.bestRank === null ? match.rank : Math.min(tally.bestRank, match.rank);
        }
      }

      context.details.hospitals = candidates.length;
      context.details.matches = ranking.matches.length;
      return {
        request,
        searchedAt: now.toISOString(),
        staleAfterHours: ranking.staleAfterHours,
        filters,
        hospitalCount: candidates.length,
        matchCount: ranking.matches.length,
        excludedCount: ranking.excluded.length,
        matches: ranking.matches.slice(0, filters.matchLimit).map(hitOf),
        excluded: ranking.excluded.slice(0, filters.excludedLimit).map(hitOf),
        byMunicipality,
      };
    },
  );
}
