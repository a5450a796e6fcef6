import type { CareTeamLookup } from './care-team-lookup.js';
import { hasRole, type TransferActor } from './transfer-deps.js';
import { TransferAccessDeniedError } from './transfer-errors.js';
import type { RequestPurpose, StoredInquiry, StoredRequest } from './transfer-store.js';

/**
 * How someone is involved in a transfer request. Only three kinds of people see one: the MSWs of the
 * requesting organisation, the bed managers of the hospitals asked (each sees only its own inquiry),
 * and the patient's care team (read only).
 */
export type RequestViewer =
  | { kind: 'requester' }
  | { kind: 'asked-hospital'; hospitalIds: ReadonlySet<string> }
  | { kind: 'care-team' };

/** Sign-in roles that may ever see patient data here: IT administrators and auditors never do. */
const careRoles: readonly string[] = ['practitioner', 'msw', 'bed-manager'];

/**
 * Who makes a request of each kind: a transfer, the hospital's MSWs; a back-up bed for a patient at home,
 * the home doctors and visiting nurses (sign-in role `practitioner`) as well as MSWs.
 */
function makesRequests(actor: Pick<TransferActor, 'roles'>, purpose: RequestPurpose): boolean {
  return hasRole(actor, 'msw') || (purpose === 'backup-bed' && actor.roles.includes('practitioner'));
}

function isRequester(actor: TransferActor, request: StoredRequest): boolean {
  return makesRequests(actor, request.purpose) && actor.organisation === request.requestingOrganisation;
}

/** Decides how the actor is involved in the request, or refuses with the reason. */
export async function viewerOfRequest(
  careTeam: CareTeamLookup,
  actor: TransferActor,
  request: StoredRequest,
  inquiries: readonly StoredInquiry[],
): Promise<RequestViewer> {
  if (isRequester(actor, request)) return { kind: 'requester' };
  if (hasRole(actor, 'bed-manager')) {
    const asked = inquiries
      .filter((inquiry) => inquiry.hospitalOrganisation === actor.organisation)
      .map((inquiry) => inquiry.hospitalId);
    if (asked.length > 0) return { kind: 'asked-hospital', hospitalIds: new Set(asked) };
  }
  const mayBeOnTeam = actor.roles.some((role) => careRoles.includes(role));
  if (mayBeOnTeam && request.patientId !== null && (await careTeam.isOnCareTeam(actor, request.patientId))) {
    return { kind: 'care-team' };
  }
  if (hasRole(actor, 'msw')) throw new TransferAccessDeniedError('not-the-requesting-organisation');
  if (hasRole(actor, 'bed-manager')) throw new TransferAccessDeniedError('not-an-asked-hospital');
  throw new TransferAccessDeniedError('not-involved');
}

/** The inquiries a viewer may see: a hospital sees only its own, never what other hospitals answered. */
export function visibleInquiries(
  viewer: RequestViewer,
  inquiries: readonly StoredInquiry[],
): StoredInquiry[] {
  if (viewer.kind !== 'asked-hospital') return [...inquiries];
  return inquiries.filter((inquiry) => viewer.hospitalIds.has(inquiry.hospitalId));
}

/** Searching, asking, confirming and withdrawing belong to the requesting organisation's MSWs. */
export function requireRequester(viewer: RequestViewer): void {
  if (viewer.kind !== 'requester') {
    throw new TransferAccessDeniedError('not-the-requesting-organisation', {
      ja: 'この操作は依頼元の医療ソーシャルワーカーだけが行えます。',
      en: 'Only the requesting hospital’s social workers can do this.',
    });
  }
}

/** Answering belongs to the bed managers of the hospital asked. */
export function requireAskedHospital(viewer: RequestViewer, inquiry: StoredInquiry): void {
  if (viewer.kind !== 'asked-hospital' || !viewer.hospitalIds.has(inquiry.hospitalId)) {
    throw new TransferAccessDeniedError('not-an-asked-hospital', {
      ja: 'この問い合わせに回答できるのは、問い合わせを受けた病院の病床管理者だけです。',
      en: 'Only the bed managers of the hospital asked can answer this inquiry.',
    });
  }
}

/** Refuses someone who may not make a request of this kind. */
export function requireRequestMaker(actor: TransferActor, purpose: RequestPurpose): void {
  if (!makesRequests(actor, purpose)) {
    throw new TransferAccessDeniedError('not-an-msw', {
      ja: '転院依頼を作成できるのは医療ソーシャルワーカーだけです。在宅の患者の後方支援病床は、在宅医・訪問看護師も依頼できます。',
      en: 'Only medical social workers can create transfer requests; home doctors and visiting nurses can ask for a back-up bed for a patient at home.',
    });
  }
}

export function requireMsw(actor: TransferActor): void {
  if (!hasRole(actor, 'msw')) {
    throw new TransferAccessDeniedError('not-an-msw', {
      ja: '転院依頼を作成できるのは医療ソーシャルワーカーだけです。',
      en: 'Only medical social workers can create transfer requests.',
    });
  }
}

export function requireBedManager(actor: TransferActor): void {
  if (!hasRole(actor, 'bed-manager')) {
    throw new TransferAccessDeniedError('not-a-bed-manager', {
      ja: '空床数を更新できるのは病床管理者だけです。',
      en: 'Only bed managers can update free beds.',
    });
  }
}
