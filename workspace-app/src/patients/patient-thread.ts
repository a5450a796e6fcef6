import { type Bilingual, bilingualMessage } from '@hcw/common';
import type pg from 'pg';
import { z } from 'zod';
import { attachmentsOfPatient, fileUploads, unfiledOf, type Attachment } from '../attachments/attachments.js';
import { field } from '../validation/bilingual-fields.js';
import { InvalidItemError, parseItemInput } from './invalid-item-error.js';
import {
  activeMemberships,
  decidePatientAccess,
  recipientsOf,
  requirePatientAccess,
} from './patient-access.js';
import type { PatientActor } from './patient-actor.js';
import { auditedOperation, type PatientDeps } from './patient-audit.js';
import { patientNames } from './patient-record.js';
import { RecordNotFoundError } from './record-not-found-error.js';
import { professionLabels, type Profession } from './standard-codes.js';

/**
 * The patient's thread (連絡スレッド): members of the care team post plain text and reply one level deep,
 * call on a profession or a person of the team, and see who has read each post (既読). Reading and writing
 * follow the team exactly as the record does (`requirePatientAccess`, read afresh on every request): someone
 * taken off the team, or whose organisation's membership ended, neither reads nor posts with the next
 * request. Posting needs only the right to read: a post adds to the conversation, it changes no item of the
 * record. A post is visible to the whole team, every organisation included, and goes to the patient's vendors
 * that take writing (see thread-delivery.ts); the audit trail names posts by id, never their text.
 */
export const POST_MAX_LENGTH = 2000;

/** A vendor the portal can write posts to (its connector id), with its name for the page. */
export interface ThreadVendor {
  id: string;
  name: Bilingual;
}

/**
 * Vendors that take no writing from the portal in this project, named for the thread page's warning. The
 * vendors that do (FHIR servers, Kanamic) are named by their writers (thread-writers.ts).
 */
export const readOnlyVendorNames: Readonly<Record<string, Bilingual>> = {
  mcs: { ja: 'MCS（メディカルケアステーション）', en: 'MCS (Medical Care Station)' },
  'hikari-one': { ja: 'ひかりワン', en: 'Hikari One' },
  'vital-link': { ja: 'バイタルリンク', en: 'Vital Link' },
};

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface ThreadMention {
  kind: 'profession' | 'person';
  /** A profession code, or a practitioner id. */
  target: string;
  label: string;
}

export interface ThreadPost {
  id: string;
  patientId: string;
  replyTo: string | null;
  author: { id: string; name: string; organisation: string; profession: string };
  body: string;
  postedAt: string;
  mentions: ThreadMention[];
  /** Who opened the thread with this post in it, the author left out. */
  readers: { id: string; name: string; readAt: string }[];
  deliveries: {
    vendor: string;
    state: DeliveryState;
    attempts: number;
    lastError: string | null;
    deliveredAt: string | null;
  }[];
  /** Photos and documents posted with it (sent from the author's phone). */
  attachments: Attachment[];
  /** Top-level posts only: their replies, oldest first. */
  replies: ThreadPost[];
}

export interface ThreadMember {
  id: string;
  name: string;
  organisation: string;
  profession: string;
}

export interface PatientThread {
  patientId: string;
  patientName: string;
  /** Top-level posts, oldest first, each with its replies. */
  posts: ThreadPost[];
  /** The people of the team, for the mention choices. */
  members: ThreadMember[];
  /** The patient's linked vendors: those that receive posts and those whose users will not see them. */
  vendors: { id: string; name: Bilingual; receivesPosts: boolean }[];
  /** The reader's own uploads from their phone not yet attached anywhere, to post with. */
  unfiled: Attachment[];
}

const say = (ja: string, en: string) => bilingualMessage({ ja, en });

export const threadPostSchema = field.object({
  body: field.text(POST_MAX_LENGTH),
  /** The post answered; a reply to a reply answers the post at the top of it (one level of replies). */
  replyTo: field.uuid().optional(),
  mentionProfessions: field.codeSet(professionLabels).default([]),
  /** Practitioner ids of the care team. */
  mentionPeople: field.array(field.text(200), { max: 30 }).default([]),
  /** The author's own uploads from their phone, attached to the post (and so filed with the patient). */
  attachments: field.array(field.uuid(), { max: 10 }).default([]),
});
export type ThreadPostInput = z.input<typeof threadPostSchema>;

const parsed = parseItemInput;

interface PractitionerRow {
  id: string;
  display_name: string;
  organisation: string;
  profession: string;
  roles: string[];
}

/** The people the team reaches today who have signed in once (the portal knows their names). */
async function teamPeople(client: pg.ClientBase, patientId: string): Promise<ThreadMember[]> {
  const memberships = await activeMemberships(client, patientId);
  const ids = [...new Set(memberships.flatMap(recipientsOf))];
  if (ids.length === 0) return [];
  const { rows } = await client.query<PractitionerRow>(
    `SELECT id, display_name, organisation, profession, roles FROM practitioners WHERE id = ANY($1::text[])
      ORDER BY organisation, display_name`,
    [ids],
  );
  return rows
    .filter((row) => decidePatientAccess(row, memberships, 'read').isAllowed)
    .map((row) => ({
      id: row.id,
      name: row.display_name,
      organisation: row.organisation,
      profession: row.profession,
    }));
}

/** Whether a sign-in profession (看護師, or a code) is the profession mentioned. */
function hasProfession(profession: string, code: Profession): boolean {
  return profession === code || profession.includes(professionLabels[code].ja);
}

/**
 * Posts to the patient's thread, or replies to a post of it. Mentioned people must be on the team; they
 * and the team's people of a mentioned profession are notified in the transaction (the notice names the
 * author, never the text). Each vendor that takes posts and knows the patient gets an outbox row.
 */
export async function postToThread(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  input: unknown,
): Promise<ThreadPost> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.thread.post', patientId },
    async (client, context) => {
      await requirePatientAccess(client, actor, patientId, 'read');
      const post = parsed(threadPostSchema, input);
      let replyTo: string | null = null;
      if (post.replyTo !== undefined) {
        const { rows } = await client.query<{ id: string; reply_to: string | null }>(
          'SELECT id, reply_to FROM patient_thread_posts WHERE id = $1 AND patient_id = $2',
          [post.replyTo, patientId],
        );
        if (!rows[0]) {
          throw new RecordNotFoundError({
            ja: 'この患者のスレッドで返信先の投稿',
            en: 'post you reply to, in this patient’s thread,',
          });
        }
        replyTo = rows[0].reply_to ?? rows[0].id;
      }
      const members = await teamPeople(client, patientId);
      const people = [...new Set(post.mentionPeople.map((id) => id.trim()))].map((id) => {
        const member = members.find((m) => m.id === id);
        if (!member) {
          throw new InvalidItemError([
            {
              path: 'mentionPeople',
              message: say(
                `「${id}」はこの患者のケアチームにいません。チームのメンバーから選んでください`,
                `"${id}" is not on this patient’s care team; choose a member of the team`,
              ),
            },
          ]);
        }
        return member;
      });
      const { rows } = await client.query<{ id: string; posted_at: Date }>(
        `INSERT INTO patient_thread_posts (patient_id, reply_to, author_id, author_name, author_organisation,
           author_profession, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, posted_at`,
        [patientId, replyTo, actor.id, actor.displayName, actor.organisation, actor.profession, post.body],
      );
      const postId = rows[0]!.id;
      const mentions: ThreadMention[] = [
        ...post.mentionProfessions.map((code) => ({
          kind: 'profession' as const,
          target: code,
          label: professionLabels[code].ja,
        })),
        ...people.map((person) => ({ kind: 'person' as const, target: person.id, label: person.name })),
      ];
      for (const mention of mentions) {
        await client.query(
          'INSERT INTO patient_thread_mentions (post_id, kind, target, label) VALUES ($1, $2, $3, $4)',
          [postId, mention.kind, mention.target, mention.label],
        );
      }
      const attached = await fileUploads(client, actor, patientId, post.attachments, postId);
      const writable = (deps.threadVendors ?? []).map((vendor) => vendor.id);
      const outbox = await client.query(
        `INSERT INTO patient_thread_deliveries (post_id, vendor, vendor_patient_ref)
         SELECT DISTINCT ON (vendor) $1::uuid, vendor, patient_group_ref FROM timeline_patient_groups
          WHERE patient_id = $2 AND vendor = ANY($3::text[])
          ORDER BY vendor, patient_group_ref`,
        [postId, patientId, writable],
      );
      const called = members.filter(
        (member) =>
          member.id !== actor.id &&
          (people.some((person) => person.id === member.id) ||
            post.mentionProfessions.some((code) => hasProfession(member.profession, code))),
      );
      const patientName = (await patientNames(client, [patientId])).get(patientId)?.name ?? '';
      for (const member of called) {
        await deps.notify(client, {
          recipients: [member.id],
          source: 'patients',
          kind: 'thread-mention',
          patientId,
          title: `${actor.displayName}（${actor.organisation}）が${patientName ? `${patientName}さんの` : ''}スレッドであなたに呼びかけています`,
          link: `/patients/${patientId}/thread`,
          occurredAt: rows[0]!.posted_at,
          idempotencyKey: `thread-mention:${postId}:${member.id}`,
        });
      }
      Object.assign(context.details, {
        postId,
        replyTo,
        mentions: mentions.length,
        notified: called.length,
        attachments: attached,
        deliveries: outbox.rowCount ?? 0,
      });
      const [stored] = await loadPosts(client, patientId, [postId]);
      return stored!;
    },
  );
}

interface PostRow {
  id: string;
  patient_id: string;
  reply_to: string | null;
  author_id: string;
  author_name: string;
  author_organisation: string;
  author_profession: string;
  body: string;
  posted_at: Date;
}

/** The patient's posts (all, or those named) with their mentions, readers and deliveries, flat. */
async function loadPosts(
  client: pg.ClientBase,
  patientId: string,
  only?: readonly string[],
): Promise<ThreadPost[]> {
  const { rows } = await client.query<PostRow>(
    `SELECT id, patient_id, reply_to, author_id, author_name, author_organisation, author_profession, body, posted_at
       FROM patient_thread_posts WHERE patient_id = $1 AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))
      ORDER BY posted_at, id LIMIT 1000`,
    [patientId, only ?? null],
  );
  const ids = rows.map((row) => row.id);
  const mentions = await client.query<{
    post_id: string;
    kind: 'profession' | 'person';
    target: string;
    label: string;
  }>(
    `SELECT post_id, kind, target, label FROM patient_thread_mentions WHERE post_id = ANY($1::uuid[])
      ORDER BY kind DESC, label`,
    [ids],
  );
  const reads = await client.query<{
    post_id: string;
    reader_id: string;
    reader_name: string;
    read_at: Date;
  }>(
    'SELECT post_id, reader_id, reader_name, read_at FROM patient_thread_reads WHERE post_id = ANY($1::uuid[]) ORDER BY read_at',
    [ids],
  );
  const deliveries = await client.query<{
    post_id: string;
    vendor: string;
    state: DeliveryState;
    attempts: number;
    last_error: string | null;
    delivered_at: Date | null;
  }>(
    `SELECT post_id, vendor, state, attempts, last_error, delivered_at FROM patient_thread_deliveries
      WHERE post_id = ANY($1::uuid[]) ORDER BY vendor`,
    [ids],
  );
  const attachments = await attachmentsOfPatient(client, patientId, ids);
  return rows.map((row) => ({
    id: row.id,
    patientId: row.patient_id,
    replyTo: row.reply_to,
    author: {
      id: row.author_id,
      name: row.author_name,
      organisation: row.author_organisation,
      profession: row.author_profession,
    },
    body: row.body,
    postedAt: row.posted_at.toISOString(),
    mentions: mentions.rows
      .filter((m) => m.post_id === row.id)
      .map((m) => ({ kind: m.kind, target: m.target, label: m.label })),
    readers: reads.rows
      .filter((r) => r.post_id === row.id)
      .map((r) => ({ id: r.reader_id, name: r.reader_name, readAt: r.read_at.toISOString() })),
    deliveries: deliveries.rows
      .filter((d) => d.post_id === row.id)
      .map((d) => ({
        vendor: d.vendor,
        state: d.state,
        attempts: d.attempts,
        lastError: d.last_error,
        deliveredAt: d.delivered_at?.toISOString() ?? null,
      })),
    attachments: attachments.filter((a) => a.postId === row.id),
    replies: [],
  }));
}

/**
 * Opens the patient's thread: every post not the reader's own is marked read by them (既読) in the same
 * transaction as the audited read, then the posts come back with their replies, readers and deliveries.
 */
export async function readThread(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
): Promise<PatientThread> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.thread.read', patientId },
    async (client, context) => {
      await requirePatientAccess(client, actor, patientId, 'read');
      const marked = await client.query(
        `INSERT INTO patient_thread_reads (post_id, reader_id, reader_name)
         SELECT id, $2, $3 FROM patient_thread_posts WHERE patient_id = $1 AND author_id <> $2
         ON CONFLICT (post_id, reader_id) DO NOTHING`,
        [patientId, actor.id, actor.displayName],
      );
      const flat = await loadPosts(client, patientId);
      const posts = flat.filter((post) => post.replyTo === null);
      for (const reply of flat.filter((post) => post.replyTo !== null)) {
        posts.find((post) => post.id === reply.replyTo)?.replies.push(reply);
      }
      const { rows: linked } = await client.query<{ vendor: string }>(
        'SELECT DISTINCT vendor FROM timeline_patient_groups WHERE patient_id = $1 ORDER BY vendor',
        [patientId],
      );
      const writable = new Map((deps.threadVendors ?? []).map((vendor) => [vendor.id, vendor.name]));
      context.details.posts = flat.length;
      context.details.newlyRead = marked.rowCount ?? 0;
      return {
        patientId,
        patientName: (await patientNames(client, [patientId])).get(patientId)?.name ?? '',
        posts,
        members: await teamPeople(client, patientId),
        vendors: linked.map(({ vendor }) => ({
          id: vendor,
          name: writable.get(vendor) ?? readOnlyVendorNames[vendor] ?? { ja: vendor, en: vendor },
          receivesPosts: writable.has(vendor),
        })),
        unfiled: await unfiledOf(client, actor.id),
      };
    },
  );
}
