import assert from 'node:assert/strict';
import type pg from 'pg';
import type supertest from 'supertest';
import type { Practitioner } from '@hcw/common';
import type { Hospital } from '#workspace-app/transfers/capacity-profile.js';
import { hospitalStore } from '#workspace-app/transfers/hospital-store.js';
import type { StoredInquiry, StoredRequest } from '#workspace-app/transfers/transfer-store.js';
import type { TransferRequest } from '#workspace-app/transfers/transfer-request.js';
import { aHospital, aRequest, aWard, noFreeBeds } from './factories.js';

/** People as the broker signs them in; the demo's own where the demo has one. */
export function anMsw(overrides: Partial<Practitioner> = {}): Practitioner {
  return {
    id: 'msw.takahashi',
    displayName: '高橋 由美',
    organisation: '東京中央病院 地域連携室',
    profession: '医療ソーシャルワーカー',
    roles: ['msw'],
    ...overrides,
  };
}

export function aBedManager(overrides: Partial<Practitioner> = {}): Practitioner {
  return {
    id: 'beds.ito',
    displayName: '伊藤 健',
    organisation: '多摩リハビリテーション病院',
    profession: '看護師',
    roles: ['bed-manager'],
    ...overrides,
  };
}

export function aNurse(overrides: Partial<Practitioner> = {}): Practitioner {
  return {
    id: 'nurse.sato',
    displayName: '佐藤 花子',
    organisation: '新宿訪問看護ステーション',
    profession: '看護師',
    roles: ['practitioner'],
    ...overrides,
  };
}

/** A hospital whose bed managers sign in with the organisation `org-<id>`. */
export function aStoredHospital(
  id: string,
  overrides: Partial<Hospital> = {},
): { hospital: Hospital; organisation: string } {
  return {
    hospital: aHospital({ id, name: `${id} 病院`, wards: [aWard({ id: `${id}-w1` })], ...overrides }),
    organisation: `org-${id}`,
  };
}

export function bedManagerOf(hospitalId: string, overrides: Partial<Practitioner> = {}): Practitioner {
  return aBedManager({ id: `beds.${hospitalId}`, organisation: `org-${hospitalId}`, ...overrides });
}

export async function storeHospitals(
  pool: pg.Pool,
  entries: readonly { hospital: Hospital; organisation: string }[],
): Promise<void> {
  await hospitalStore.insert(pool, entries);
}

/** A ward with exactly one free bed, a shared one for a woman. */
export function lastBedWard(id: string) {
  return aWard({
    id,
    freeBeds: { ...noFreeBeds(), female: { individual: 0, shared: 1 } },
    isolationRooms: { total: 1, free: 0 },
  });
}

/** What the API takes to create a request: the needs without an id, and the shared record's patient. */
export function newRequestBody(
  overrides: Partial<Omit<TransferRequest, 'id'>> = {},
  patientId: string | null = 'patient-0001',
): { patientId: string | null; request: Omit<TransferRequest, 'id'> } {
  const { id: _id, ...request } = aRequest(overrides);
  return { patientId, request };
}

export async function createRequest(agent: supertest.Agent, body = newRequestBody()): Promise<StoredRequest> {
  const response = await agent.post('/api/transfers/requests').send(body).expect(201);
  return (response.body as { request: StoredRequest }).request;
}

export async function askHospitals(
  agent: supertest.Agent,
  requestId: string,
  hospitalIds: string[],
): Promise<StoredInquiry[]> {
  const response = await agent
    .post(`/api/transfers/requests/${requestId}/inquiries`)
    .send({ hospitalIds, message: null })
    .expect(201);
  return (response.body as { inquiries: StoredInquiry[] }).inquiries;
}

export function inquiryAt(inquiries: readonly StoredInquiry[], hospitalId: string): StoredInquiry {
  const inquiry = inquiries.find((candidate) => candidate.hospitalId === hospitalId);
  assert.ok(inquiry, `an inquiry to ${hospitalId}`);
  return inquiry;
}

/** An acceptance of the proposed ward's shared room, held for a day after `now`. */
export function anAcceptance(wardId: string, now: Date, overrides: Record<string, unknown> = {}) {
  return {
    answer: 'accept',
    wardId,
    roomType: 'shared',
    holdUntil: new Date(now.getTime() + 24 * 3_600_000).toISOString(),
    admissionDate: null,
    note: null,
    ...overrides,
  };
}

export interface AuditRow {
  type: string;
  outcome: 'success' | 'failure';
  actor_id: string | null;
  patient_id: string | null;
  details: Record<string, unknown>;
}

export async function auditRows(pool: pg.Pool, type?: string): Promise<AuditRow[]> {
  const result = await pool.query<AuditRow>(
    `SELECT type, outcome, actor_id, patient_id, details FROM audit_events
      WHERE $1::text IS NULL OR type = $1 ORDER BY id`,
    [type ?? null],
  );
  return result.rows;
}

/** The error body every refusal carries: both languages. */
export function errorOf(response: { body: unknown }): { ja: string; en: string } {
  const body = response.body as { error?: { ja?: unknown; en?: unknown } };
  assert.equal(typeof body.error?.ja, 'string', 'a Japanese message');
  assert.equal(typeof body.error?.en, 'string', 'an English message');
  return { ja: String(body.error?.ja), en: String(body.error?.en) };
}

export async function timelineOf(
  pool: pg.Pool,
  practitionerId: string,
): Promise<{ title: string; portal_kind: string; portal_link: string; patient_id: string | null }[]> {
  const result = await pool.query<{
    title: string;
    portal_kind: string;
    portal_link: string;
    patient_id: string | null;
  }>(
    `SELECT e.title, e.portal_kind, e.portal_link, e.patient_id
       FROM timeline_inbox i JOIN timeline_events e ON e.id = i.event_id
      WHERE i.practitioner_id = $1 ORDER BY e.id`,
    [practitionerId],
  );
  return result.rows;
}
