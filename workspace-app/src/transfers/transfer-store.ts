import type pg from 'pg';
import type { RoomType } from './care-codes.js';
import type { CloseReason, DeclineReason, InquiryStatus, RequestStatus } from './inquiry-codes.js';
import type { TransferRequest } from './transfer-request.js';

type Db = pg.Pool | pg.PoolClient;

/** A transfer from a hospital, or a back-up bed (後方支援病床) for a patient at home. */
export type RequestPurpose = 'transfer' | 'backup-bed';

export interface StoredRequest {
  id: string;
  purpose: RequestPurpose;
  patientId: string | null;
  requestingOrganisation: string;
  createdBy: string;
  createdByName: string;
  createdAt: string;
  status: RequestStatus;
  details: TransferRequest;
  closedAt: string | null;
  closedBy: string | null;
}

export interface StoredInquiry {
  id: string;
  requestId: string;
  hospitalId: string;
  hospitalName: string;
  hospitalOrganisation: string;
  wardId: string;
  wardName: string;
  status: InquiryStatus;
  roomType: RoomType | null;
  isIsolationRoom: boolean;
  conditions: string | null;
  declineReason: DeclineReason | null;
  holdUntil: string | null;
  /** YYYY-MM-DD */
  admissionDate: string | null;
  closeReason: CloseReason | null;
  sentAt: string;
  sentBy: string;
  answeredAt: string | null;
  answeredBy: string | null;
  closedAt: string | null;
  updatedAt: string;
}

export type InquiryEventKind = 'sent' | 'answered' | 'message' | 'confirmed' | 'closed' | 'released';
export type InquirySide = 'requester' | 'hospital';

export interface InquiryEvent {
  id: string;
  inquiryId: string;
  kind: InquiryEventKind;
  statusAfter: InquiryStatus;
  side: InquirySide;
  authorId: string;
  authorName: string;
  authorOrganisation: string;
  body: string | null;
  details: Record<string, string | number | boolean | null>;
  occurredAt: string;
}

export interface BedHold {
  inquiryId: string;
  requestId: string;
  wardId: string;
  wardName: string;
  bedSex: 'male' | 'female' | 'any';
  roomType: RoomType;
  isIsolationRoom: boolean;
  heldAt: string;
  requestingOrganisation: string;
  admissionDate: string | null;
}

interface RequestRow {
  id: string;
  purpose: RequestPurpose;
  patient_id: string | null;
  requesting_organisation: string;
  created_by: string;
  created_by_name: string;
  created_at: Date;
  status: RequestStatus;
  details: TransferRequest;
  closed_at: Date | null;
  closed_by: string | null;
}

interface InquiryRow {
  id: string;
  request_id: string;
  hospital_id: string;
  hospital_name: string;
  hospital_organisation: string;
  ward_id: string;
  ward_name: string;
  status: InquiryStatus;
  room_type: RoomType | null;
  is_isolation_room: boolean;
  conditions: string | null;
  decline_reason: DeclineReason | null;
  hold_until: Date | null;
  admission_date: string | null;
  close_reason: CloseReason | null;
  sent_at: Date;
  sent_by: string;
  answered_at: Date | null;
  answered_by: string | null;
  closed_at: Date | null;
  updated_at: Date;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

function requestOf(row: RequestRow): StoredRequest {
  return {
    id: row.id,
    purpose: row.purpose,
    patientId: row.patient_id,
    requestingOrganisation: row.requesting_organisation,
    createdBy: row.created_by,
    createdByName: row.created_by_name,
    createdAt: row.created_at.toISOString(),
    status: row.status,
    details: row.details,
    closedAt: iso(row.closed_at),
    closedBy: row.closed_by,
  };
}

function inquiryOf(row: InquiryRow): StoredInquiry {
  return {
    id: row.id,
    requestId: row.request_id,
    hospitalId: row.hospital_id,
    hospitalName: row.hospital_name,
    hospitalOrganisation: row.hospital_organisation,
    wardId: row.ward_id,
    wardName: row.ward_name,
    status: row.status,
    roomType: row.room_type,
    isIsolationRoom: row.is_isolation_room,
    conditions: row.conditions,
    declineReason: row.decline_reason,
    holdUntil: iso(row.hold_until),
    admissionDate: row.admission_date,
    closeReason: row.close_reason,
    sentAt: row.sent_at.toISOString(),
    sentBy: row.sent_by,
    answeredAt: iso(row.answered_at),
    answeredBy: row.answered_by,
    closedAt: iso(row.closed_at),
    updatedAt: row.updated_at.toISOString(),
  };
}

// Dates travel as text: node-postgres would turn a date into midnight of the server's time zone.
const inquiryColumns = `i.id, i.request_id, i.hospital_id, h.name AS hospital_name,
  h.organisation AS hospital_organisation, i.ward_id, w.name AS ward_name, i.status, i.room_type,
  i.is_isolation_room, i.conditions, i.decline_reason, i.hold_until, i.admission_date::text AS admission_date,
  i.close_reason, i.sent_at, i.sent_by, i.answered_at, i.answered_by, i.closed_at, i.updated_at`;
const inquiryJoins = `transfer_inquiries i
  JOIN transfer_hospitals h ON h.id = i.hospital_id
  JOIN transfer_wards w ON w.hospital_id = i.hospital_id AND w.id = i.ward_id`;

export interface InquiryChange {
  status: InquiryStatus;
  wardId?: string;
  roomType?: RoomType | null;
  isIsolationRoom?: boolean;
  conditions?: string | null;
  declineReason?: DeclineReason | null;
  holdUntil?: Date | null;
  admissionDate?: string | null;
  closeReason?: CloseReason | null;
  answeredAt?: Date;
  answeredBy?: string;
  closedAt?: Date;
  updatedAt: Date;
}

const changeColumns: Readonly<Record<keyof InquiryChange, string>> = {
  status: 'status',
  wardId: 'ward_id',
  roomType: 'room_type',
  isIsolationRoom: 'is_isolation_room',
  conditions: 'conditions',
  declineReason: 'decline_reason',
  holdUntil: 'hold_until',
  admissionDate: 'admission_date',
  closeReason: 'close_reason',
  answeredAt: 'answered_at',
  answeredBy: 'answered_by',
  closedAt: 'closed_at',
  updatedAt: 'updated_at',
};

/** Storage of transfer requests, their inquiries, the inquiries' history and the beds held. */
export const transferStore = {
  async insertRequest(client: pg.PoolClient, request: StoredRequest): Promise<void> {
    await client.query(
      `INSERT INTO transfer_requests (id, patient_id, requesting_organisation, created_by, created_by_name,
         created_at, status, details, purpose)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        request.id,
        request.patientId,
        request.requestingOrganisation,
        request.createdBy,
        request.createdByName,
        request.createdAt,
        request.status,
        JSON.stringify(request.details),
        request.purpose,
      ],
    );
  },

  async request(db: Db, id: string, options: { lock?: boolean } = {}): Promise<StoredRequest | null> {
    const result = await db.query<RequestRow>(
      `SELECT * FROM transfer_requests WHERE id = $1 ${options.lock ? 'FOR UPDATE' : ''}`,
      [id],
    );
    const row = result.rows[0];
    return row ? requestOf(row) : null;
  },

  async requestsOfOrganisation(db: Db, organisation: string, limit = 100): Promise<StoredRequest[]> {
    const result = await db.query<RequestRow>(
      `SELECT * FROM transfer_requests WHERE requesting_organisation = $1 ORDER BY created_at DESC LIMIT $2`,
      [organisation, limit],
    );
    return result.rows.map(requestOf);
  },

  async closeRequest(
    client: pg.PoolClient,
    id: string,
    status: Exclude<RequestStatus, 'open'>,
    closed: { at: Date; by: string },
  ): Promise<void> {
    await client.query(
      `UPDATE transfer_requests SET status = $2, closed_at = $3, closed_by = $4 WHERE id = $1`,
      [id, status, closed.at, closed.by],
    );
  },

  /** The request's inquiries, oldest first; with `lock`, all their rows stay locked in id order. */
  async inquiriesOfRequest(
    db: Db,
    requestId: string,
    options: { lock?: boolean } = {},
  ): Promise<StoredInquiry[]> {
    const result = await db.query<InquiryRow>(
      `SELECT ${inquiryColumns} FROM ${inquiryJoins}
        WHERE i.request_id = $1
        ORDER BY ${options.lock ? 'i.id FOR UPDATE OF i' : 'i.sent_at, i.id'}`,
      [requestId],
    );
    const inquiries = result.rows.map(inquiryOf);
    return options.lock ? inquiries.sort((a, b) => Date.parse(a.sentAt) - Date.parse(b.sentAt)) : inquiries;
  },

  async inquiry(db: Db, id: string, options: { lock?: boolean } = {}): Promise<StoredInquiry | null> {
    const result = await db.query<InquiryRow>(
      `SELECT ${inquiryColumns} FROM ${inquiryJoins} WHERE i.id = $1 ${options.lock ? 'FOR UPDATE OF i' : ''}`,
      [id],
    );
    const row = result.rows[0];
    return row ? inquiryOf(row) : null;
  },

  /** A hospital's inquiries with the requests they are about, the most recently changed first. */
  async inquiriesOfHospital(
    db: Db,
    hospitalId: string,
    limit = 100,
  ): Promise<{ inquiry: StoredInquiry; request: StoredRequest }[]> {
    const result = await db.query<InquiryRow & { request: RequestRow }>(
      `SELECT ${inquiryColumns}, to_jsonb(r) AS request
         FROM ${inquiryJoins} JOIN transfer_requests r ON r.id = i.request_id
        WHERE i.hospital_id = $1
        ORDER BY i.updated_at DESC LIMIT $2`,
      [hospitalId, limit],
    );
    return result.rows.map((row) => ({
      inquiry: inquiryOf(row),
      request: requestOf({
        ...row.request,
        created_at: new Date(row.request.created_at),
        closed_at: row.request.closed_at ? new Date(row.request.closed_at) : null,
      }),
    }));
  },

  async insertInquiry(
    client: pg.PoolClient,
    inquiry: {
      id: string;
      requestId: string;
      hospitalId: string;
      wardId: string;
      sentAt: Date;
      sentBy: string;
    },
  ): Promise<void> {
    await client.query(
      `INSERT INTO transfer_inquiries (id, request_id, hospital_id, ward_id, status, sent_at, sent_by, updated_at)
       VALUES ($1, $2, $3, $4, 'sent', $5, $6, $5)`,
      [inquiry.id, inquiry.requestId, inquiry.hospitalId, inquiry.wardId, inquiry.sentAt, inquiry.sentBy],
    );
  },

  async updateInquiry(client: pg.PoolClient, id: string, change: InquiryChange): Promise<void> {
    const keys = (Object.keys(change) as (keyof InquiryChange)[]).filter((key) => change[key] !== undefined);
    const assignments = keys.map((key, index) => `${changeColumns[key]} = $${index + 2}`);
    await client.query(`UPDATE transfer_inquiries SET ${assignments.join(', ')} WHERE id = $1`, [
      id,
      ...keys.map((key) => change[key]),
    ]);
  },

  async addEvent(client: pg.PoolClient, event: Omit<InquiryEvent, 'id'>): Promise<string> {
    const result = await client.query<{ id: string }>(
      `INSERT INTO transfer_inquiry_events (inquiry_id, kind, status_after, side, author_id, author_name,
         author_organisation, body, details, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [
        event.inquiryId,
        event.kind,
        event.statusAfter,
        event.side,
        event.authorId,
        event.authorName,
        event.authorOrganisation,
        event.body,
        JSON.stringify(event.details),
        event.occurredAt,
      ],
    );
    const row = result.rows[0];
    if (!row) throw new Error('an inquiry event was not stored');
    return String(row.id);
  },

  async eventsOf(db: Db, inquiryIds: readonly string[]): Promise<InquiryEvent[]> {
    if (inquiryIds.length === 0) return [];
    const result = await db.query<{
      id: string;
      inquiry_id: string;
      kind: InquiryEventKind;
      status_after: InquiryStatus;
      side: InquirySide;
      author_id: string;
      author_name: string;
      author_organisation: string;
      body: string | null;
      details: InquiryEvent['details'];
      occurred_at: Date;
    }>(`SELECT * FROM transfer_inquiry_events WHERE inquiry_id = ANY($1::uuid[]) ORDER BY id`, [
      [...inquiryIds],
    ]);
    return result.rows.map((row) => ({
      id: String(row.id),
      inquiryId: row.inquiry_id,
      kind: row.kind,
      statusAfter: row.status_after,
      side: row.side,
      authorId: row.author_id,
      authorName: row.author_name,
      authorOrganisation: row.author_organisation,
      body: row.body,
      details: row.details,
      occurredAt: row.occurred_at.toISOString(),
    }));
  },

  async insertHold(
    client: pg.PoolClient,
    hold: {
      inquiryId: string;
      hospitalId: string;
      wardId: string;
      bedSex: BedHold['bedSex'];
      roomType: RoomType;
      isIsolationRoom: boolean;
      heldAt: Date;
      heldBy: string;
    },
  ): Promise<void> {
    await client.query(
      `INSERT INTO transfer_bed_holds (inquiry_id, hospital_id, ward_id, bed_sex, room_type, is_isolation_room,
         held_at, held_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        hold.inquiryId,
        hold.hospitalId,
        hold.wardId,
        hold.bedSex,
        hold.roomType,
        hold.isIsolationRoom,
        hold.heldAt,
        hold.heldBy,
      ],
    );
  },

  async releaseHold(client: pg.PoolClient, inquiryId: string, at: Date): Promise<boolean> {
    const result = await client.query(
      `UPDATE transfer_bed_holds SET released_at = $2 WHERE inquiry_id = $1 AND released_at IS NULL`,
      [inquiryId, at],
    );
    return (result.rowCount ?? 0) > 0;
  },

  /** Beds of a hospital promised to confirmed transfers and not yet released. */
  async holdsOfHospital(db: Db, hospitalId: string): Promise<BedHold[]> {
    const result = await db.query<{
      inquiry_id: string;
      request_id: string;
      ward_id: string;
      ward_name: string;
      bed_sex: BedHold['bedSex'];
      room_type: RoomType;
      is_isolation_room: boolean;
      held_at: Date;
      requesting_organisation: string;
      admission_date: string | null;
    }>(
      `SELECT b.inquiry_id, i.request_id, b.ward_id, w.name AS ward_name, b.bed_sex, b.room_type,
              b.is_isolation_room, b.held_at, r.requesting_organisation, i.admission_date::text AS admission_date
         FROM transfer_bed_holds b
         JOIN transfer_inquiries i ON i.id = b.inquiry_id
         JOIN transfer_requests r ON r.id = i.request_id
         JOIN transfer_wards w ON w.hospital_id = b.hospital_id AND w.id = b.ward_id
        WHERE b.hospital_id = $1 AND b.released_at IS NULL
        ORDER BY b.held_at DESC`,
      [hospitalId],
    );
    return result.rows.map((row) => ({
      inquiryId: row.inquiry_id,
      requestId: row.request_id,
      wardId: row.ward_id,
      wardName: row.ward_name,
      bedSex: row.bed_sex,
      roomType: row.room_type,
      isIsolationRoom: row.is_isolation_room,
      heldAt: row.held_at.toISOString(),
      requestingOrganisation: row.requesting_organisation,
      admissionDate: row.admission_date,
    }));
  },
};
