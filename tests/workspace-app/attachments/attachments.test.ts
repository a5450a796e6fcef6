import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  DEVICE_UPLOAD_PATH,
  type DeviceUpload,
  Practitioner,
  signRequest,
  type UploadMediaType,
} from '@hcw/common';
import { leaveCareTeam } from '#workspace-app/patients/care-team.js';
import { answerInvitation, inviteToCareTeam } from '#workspace-app/patients/care-team-invitations.js';
import { createPatient } from '#workspace-app/patients/create-patient.js';
import type { PatientActor } from '#workspace-app/patients/patient-actor.js';
import { aJpeg, aPdf, aPng } from '../../support/photos.js';
import { startPortalUnderTest, type Agent, type PortalUnderTest } from '../portal-under-test.js';
import {
  aBasics,
  auditEvents,
  patientDeps,
  people,
  registerPractitioners,
  withSharingConsent,
} from '../patients/patient-fixtures.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Collects any response body as bytes, whatever its type. */
function asBytes(res: NodeJS.EventEmitter, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
  res.on('error', (error: Error) => done(error, Buffer.alloc(0)));
}

/**
 * Photos and PDFs sent from a practitioner's phone, through HTTP as the broker and the team's browsers drive
 * it: the signed hand-over, the owner-only wait among what they received, filing with the record or with a
 * thread post, pictures that follow the care team, PDFs drawn page by page, discarding, and the audit trail.
 */
describe('photos and documents from the phone: received, kept for their owner, filed with a patient, shown to the team', function () {
  this.timeout(120_000);
  let portal: PortalUnderTest;
  let deps: ReturnType<typeof patientDeps>;
  let sato: Agent;
  let tanaka: Agent;
  let suzuki: Agent;
  let kimura: Agent;
  /** 佐藤's patient: 田中 an editor, 鈴木 a reader; 木村 is not on the team. */
  let patientId: string;
  /** 佐藤's photo, filed with the record in the third test and discarded in vain in the last. */
  let filedId: string;
  const filedJpeg = aJpeg('Sacral wound day 1');

  async function join(owner: PatientActor, patient: string, who: PatientActor, role: 'editor' | 'reader') {
    const invitation = await inviteToCareTeam(deps, owner, patient, {
      kind: 'individual',
      organisation: who.organisation,
      practitionerId: who.id,
      role,
    });
    await answerInvitation(deps, who, invitation.id, 'accept');
  }

  function anUpload(
    who: PatientActor,
    content: Buffer,
    overrides: Partial<DeviceUpload> = {},
    mediaType: UploadMediaType = 'image/jpeg',
  ): DeviceUpload {
    return {
      id: randomUUID(),
      practitioner: Practitioner.parse(who),
      mediaType,
      content: content.toString('base64'),
      sha256: sha256(content),
      scannedBy: 'ClamAV 1.3.1/27400',
      metadataRemoved: mediaType !== 'application/pdf',
      ...overrides,
    };
  }

  /** The broker's signed hand-over of an upload. */
  function send(upload: DeviceUpload, secret = portal.config.handoffSecret) {
    const body = JSON.stringify(upload);
    return request(portal.app)
      .post(DEVICE_UPLOAD_PATH)
      .set('content-type', 'application/json')
      .set(signRequest(secret, 'POST', DEVICE_UPLOAD_PATH, body))
      .send(body);
  }

  /** Sends a new upload and checks it was taken. */
  async function received(
    who: PatientActor,
    content: Buffer,
    mediaType: UploadMediaType = 'image/jpeg',
  ): Promise<string> {
    const upload = anUpload(who, content, {}, mediaType);
    const response = await send(upload);
    assert.equal(response.status, 201, response.text);
    return upload.id;
  }

  function picture(agent: Agent, path: string) {
    return agent.get(path).buffer(true).parse(asBytes);
  }

  async function rowOf(id: string) {
    const { rows } = await portal.pool.query<{
      owner_id: string;
      media_type: string;
      content: Buffer;
      page_count: number;
      patient_id: string | null;
      post_id: string | null;
      filed_by: string | null;
      filed_at: Date | null;
    }>(
      `SELECT owner_id, media_type, content, page_count, patient_id, post_id, filed_by, filed_at
         FROM attachments WHERE id = $1`,
      [id],
    );
    return rows[0];
  }

  const rowsWithId = async (id: string) =>
    (await portal.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM attachments WHERE id = $1', [id]))
      .rows[0]!.n;

  const attachmentPage = (patient: string, id: string, page = 1) =>
    `/patients/${patient}/attachments/${id}/pages/${page}`;

  before(async () => {
    portal = await startPortalUnderTest('attachments_test');
    deps = patientDeps(portal.pool);
    await registerPractitioners(portal.pool, Object.values(people));
    patientId = (await createPatient(deps, people.sato, aBasics())).patientId;
    await withSharingConsent(deps, people.sato, patientId);
    await join(people.sato, patientId, people.tanaka, 'editor');
    await join(people.sato, patientId, people.suzuki, 'reader');
    sato = await portal.signInOnPortalPage(people.sato);
    tanaka = await portal.signInOnPortalPage(people.tanaka);
    suzuki = await portal.signInOnPortalPage(people.suzuki);
    kimura = await portal.signInOnPortalPage(people.kimura);
  });
  after(async () => {
    await portal?.close();
  });

  it('receives a signed upload once, and refuses a bad signature, a broken file and a taken id, storing nothing', async () => {
    const upload = anUpload(people.sato, filedJpeg);
    const first = await send(upload);
    assert.equal(first.status, 201, first.text);
    assert.deepEqual(first.body, { id: upload.id, duplicate: false });
    const stored = await rowOf(upload.id);
    assert.ok(stored, 'the upload is stored');
    assert.equal(stored.owner_id, people.sato.id);
    assert.equal(stored.media_type, 'image/jpeg');
    assert.equal(stored.page_count, 1);
    assert.equal(stored.patient_id, null, 'unfiled');
    assert.ok(stored.content.equals(filedJpeg), 'the bytes as sent');
    filedId = upload.id;

    // Sent again after a lost answer: found, not stored twice.
    const again = await send(upload);
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.body, { id: upload.id, duplicate: true });
    assert.equal(await rowsWithId(upload.id), 1);

    // Signed with another secret: refused before anything is read.
    const forged = anUpload(people.sato, aJpeg('forged'));
    const unsigned = await send(forged, randomBytes(32).toString('base64url'));
    assert.equal(unsigned.status, 401, unsigned.text);
    assert.equal(await rowsWithId(forged.id), 0, 'nothing stored');

    // The content is not what its hash says.
    const broken = anUpload(people.sato, aJpeg('broken'), { sha256: sha256(aJpeg('other')) });
    const corrupted = await send(broken);
    assert.equal(corrupted.status, 400, corrupted.text);
    assert.match(corrupted.text, /ファイルが途中で壊れています|does not match its hash/);
    assert.equal(await rowsWithId(broken.id), 0, 'nothing stored');

    // The same id from someone else is refused, and the first practitioner's file stays theirs.
    const taken = await send(anUpload(people.tanaka, aJpeg('taken'), { id: upload.id }));
    assert.equal(taken.status, 409, taken.text);
    assert.equal(await rowsWithId(upload.id), 1);
    assert.equal((await rowOf(upload.id))?.owner_id, people.sato.id);
    assert.ok((await rowOf(upload.id))?.content.equals(filedJpeg), 'the first file is untouched');
  });

  it('shows an unfiled upload to its owner only, never cached and never as a download', async () => {
    const own = await picture(sato, `/uploads/${filedId}/pages/1`);
    assert.equal(own.status, 200);
    assert.match(own.headers['content-type'] ?? '', /^image\/jpeg/);
    assert.match(own.headers['cache-control'] ?? '', /no-store/);
    assert.equal(own.headers['content-disposition'], 'inline');
    assert.match(own.headers['content-security-policy'] ?? '', /sandbox/);
    assert.ok(Buffer.isBuffer(own.body) && own.body.equals(filedJpeg), 'the bytes as sent');
    assert.equal((await picture(sato, `/uploads/${filedId}/pages/2`)).status, 404, 'a photo has one page');

    // Nobody else, not even someone on the team of the owner's patients.
    for (const other of [tanaka, kimura]) {
      const refused = await picture(other, `/uploads/${filedId}/pages/1`);
      assert.equal(refused.status, 404);
      assert.ok(!Buffer.isBuffer(refused.body) || !refused.body.equals(filedJpeg));
    }
    // The owner sees it among what they received, on the patient's page; the others do not.
    const page = await sato.get(`/patients/${patientId}/attachments`);
    assert.equal(page.status, 200);
    assert.match(page.text, new RegExp(`data-upload-id="${filedId}"`));
    const theirs = await tanaka.get(`/patients/${patientId}/attachments`);
    assert.equal(theirs.status, 200);
    assert.doesNotMatch(theirs.text, new RegExp(filedId));
    const views = await auditEvents(portal.pool, { actorId: people.sato.id, type: 'device-upload.view' });
    assert.ok(views.some((e) => e.outcome === 'success' && e.details.uploadId === filedId));
  });

  it('files an upload with the record: the team sees it, others do not, and it cannot be filed twice', async () => {
    const attached = await sato
      .post(`/patients/${patientId}/attachments`)
      .type('form')
      .send({ attachments: filedId });
    assert.equal(attached.status, 303, attached.text.slice(0, 600));
    assert.match(attached.headers.location ?? '', new RegExp(`/patients/${patientId}/attachments`));
    const filed = await rowOf(filedId);
    assert.equal(filed?.patient_id, patientId);
    assert.equal(filed?.post_id, null);
    assert.equal(filed?.filed_by, people.sato.id);
    assert.ok(filed?.filed_at);

    // On the patient's page, for everyone on the team, as a figure with its picture.
    for (const member of [sato, tanaka, suzuki]) {
      const page = await member.get(`/patients/${patientId}/attachments`);
      assert.equal(page.status, 200);
      assert.match(page.text, new RegExp(`<figure class="attachment" data-attachment-id="${filedId}"`));
      assert.match(page.text, new RegExp(`src="${attachmentPage(patientId, filedId)}"`));
      assert.doesNotMatch(page.text, new RegExp(`data-upload-id="${filedId}"`), 'no longer among received');
    }
    const seen = await picture(tanaka, attachmentPage(patientId, filedId));
    assert.equal(seen.status, 200);
    assert.match(seen.headers['content-type'] ?? '', /^image\/jpeg/);
    assert.match(seen.headers['cache-control'] ?? '', /no-store/);
    assert.equal(seen.headers['content-disposition'], 'inline');
    assert.match(seen.headers['content-security-policy'] ?? '', /sandbox/);
    assert.ok(Buffer.isBuffer(seen.body) && seen.body.equals(filedJpeg), 'the bytes as uploaded');

    // Not on the team: refused, with no bytes.
    const stranger = await picture(kimura, attachmentPage(patientId, filedId));
    assert.ok([403, 404].includes(stranger.status), `refused: ${stranger.status}`);
    assert.ok(!Buffer.isBuffer(stranger.body) || !stranger.body.equals(filedJpeg));
    assert.ok([403, 404].includes((await kimura.get(`/patients/${patientId}/attachments`)).status));
    // Filed, it is no longer an unfiled upload, even to its owner.
    assert.equal((await picture(sato, `/uploads/${filedId}/pages/1`)).status, 404);

    // Filing it again is refused and changes nothing.
    const twice = await sato
      .post(`/patients/${patientId}/attachments`)
      .type('form')
      .send({ attachments: filedId });
    assert.equal(twice.status, 404, twice.text.slice(0, 600));
    assert.deepEqual(await rowOf(filedId), filed);

    // Someone else's upload cannot be filed by an editor, nor by its owner when they only read the record.
    const suzukis = await received(people.suzuki, aPng('Care plan page'), 'image/png');
    const notHis = await tanaka
      .post(`/patients/${patientId}/attachments`)
      .type('form')
      .send({ attachments: suzukis });
    assert.equal(notHis.status, 404, notHis.text.slice(0, 600));
    const reader = await suzuki
      .post(`/patients/${patientId}/attachments`)
      .type('form')
      .send({ attachments: suzukis });
    assert.equal(reader.status, 403, reader.text.slice(0, 600));
    assert.equal((await rowOf(suzukis))?.patient_id, null, 'still unfiled');

    const adds = await auditEvents(portal.pool, { patientId, type: 'patient.attachment.add' });
    const added = adds.filter((e) => e.outcome === 'success');
    assert.equal(added.length, 1);
    assert.equal(added[0]!.actor_id, people.sato.id);
    assert.equal(added[0]!.details.attachmentIds, filedId);
    assert.ok(adds.filter((e) => e.outcome === 'failure').length >= 3, 'the refusals are audited');
    const views = await auditEvents(portal.pool, { patientId, type: 'patient.attachment.view' });
    assert.ok(
      views.some(
        (e) =>
          e.actor_id === people.tanaka.id &&
          e.outcome === 'success' &&
          e.details.attachmentId === filedId &&
          e.details.page === 1,
      ),
      'the team member’s view of the picture is audited',
    );
  });

  it('files an upload with a thread post, shown in the post to the team until a member leaves it', async () => {
    const photo = aJpeg('Pressure area, left heel');
    const uploadId = await received(people.sato, photo);
    const posted = await sato
      .post(`/patients/${patientId}/thread`)
      .type('form')
      .send({ body: '踵の発赤の写真です。', attachments: uploadId });
    assert.equal(posted.status, 303, posted.text.slice(0, 600));
    const postId = /#post-([0-9a-f-]{36})$/.exec(posted.headers.location ?? '')?.[1];
    assert.ok(postId, `redirected to the post: ${posted.headers.location}`);
    const filed = await rowOf(uploadId);
    assert.equal(filed?.patient_id, patientId);
    assert.equal(filed?.post_id, postId);

    // The care manager's thread shows the picture inside the post.
    const thread = await suzuki.get(`/patients/${patientId}/thread`);
    assert.equal(thread.status, 200);
    const start = thread.text.indexOf(`id="post-${postId}"`);
    assert.ok(start >= 0, 'the post is on the page');
    const article = thread.text.slice(start, thread.text.indexOf('</article>', start));
    assert.match(article, /踵の発赤の写真です。/);
    assert.match(article, new RegExp(`data-attachment-id="${uploadId}"`));
    assert.match(article, new RegExp(`<img[^>]*src="${attachmentPage(patientId, uploadId)}"`));
    const seen = await picture(suzuki, attachmentPage(patientId, uploadId));
    assert.equal(seen.status, 200);
    assert.ok(Buffer.isBuffer(seen.body) && seen.body.equals(photo));

    // Having left the team, she reads neither the thread nor the picture.
    await leaveCareTeam(deps, people.suzuki, patientId);
    const after = await suzuki.get(`/patients/${patientId}/thread`);
    assert.equal(after.status, 403);
    assert.doesNotMatch(after.text, /踵の発赤/);
    const refused = await picture(suzuki, attachmentPage(patientId, uploadId));
    assert.equal(refused.status, 403);
    assert.ok(!Buffer.isBuffer(refused.body) || !refused.body.equals(photo));
    // The others still do.
    assert.equal((await picture(tanaka, attachmentPage(patientId, uploadId))).status, 200);
    const views = await auditEvents(portal.pool, {
      actorId: people.suzuki.id,
      type: 'patient.attachment.view',
    });
    assert.equal(views.at(-1)?.outcome, 'failure', 'the refused view is audited');
  });

  it('counts a PDF’s pages and shows each as a PNG drawn by pdftoppm, once', async () => {
    const pdf = aPdf('Discharge summary');
    const pdfId = await received(people.sato, pdf, 'application/pdf');
    assert.equal((await rowOf(pdfId))?.page_count, 1);

    const page = await picture(sato, `/uploads/${pdfId}/pages/1`);
    assert.equal(page.status, 200);
    assert.match(page.headers['content-type'] ?? '', /^image\/png/);
    assert.equal(page.headers['content-disposition'], 'inline');
    assert.ok(Buffer.isBuffer(page.body));
    assert.ok(page.body.subarray(0, 8).equals(PNG_SIGNATURE), 'a PNG, not the PDF');
    const drawn = execFileSync('pdftoppm', ['-png', '-r', '110', '-f', '1', '-l', '1', '-singlefile', '-'], {
      input: pdf,
    });
    assert.ok(page.body.equals(drawn), 'the page as pdftoppm draws it');
    const { rows: cached } = await portal.pool.query<{ page: number }>(
      'SELECT page FROM attachment_pages WHERE attachment_id = $1',
      [pdfId],
    );
    assert.deepEqual(
      cached.map((r) => r.page),
      [1],
      'drawn once and kept',
    );
    assert.equal((await picture(sato, `/uploads/${pdfId}/pages/2`)).status, 404);
    assert.equal((await picture(sato, `/uploads/${pdfId}/pages/0`)).status, 404);

    // Filed, the team sees the same page.
    const attached = await sato
      .post(`/patients/${patientId}/attachments`)
      .type('form')
      .send({ attachments: pdfId });
    assert.equal(attached.status, 303, attached.text.slice(0, 600));
    const listed = await tanaka.get(`/patients/${patientId}/attachments`);
    assert.match(listed.text, new RegExp(`data-attachment-id="${pdfId}"`));
    assert.doesNotMatch(listed.text, new RegExp(`src="${attachmentPage(patientId, pdfId, 2)}"`));
    const teamPage = await picture(tanaka, attachmentPage(patientId, pdfId));
    assert.equal(teamPage.status, 200);
    assert.ok(teamPage.body.equals(drawn));
    assert.equal((await picture(tanaka, attachmentPage(patientId, pdfId, 2))).status, 404);

    // A PDF poppler cannot read is kept with no page to show.
    const unreadable = await received(people.sato, Buffer.from('%PDF-1.4\nnot really\n'), 'application/pdf');
    assert.equal((await rowOf(unreadable))?.page_count, 0);
    assert.equal((await picture(sato, `/uploads/${unreadable}/pages/1`)).status, 404);
  });

  it('discards an unfiled upload for good, but not a filed one nor someone else’s', async () => {
    const uploadId = await received(people.sato, aJpeg('Blurred photo'));
    // Someone else cannot throw it away.
    const notTheirs = await tanaka.post(`/uploads/${uploadId}/discard`).type('form').send({});
    assert.equal(notTheirs.status, 404);
    assert.equal(await rowsWithId(uploadId), 1);

    const discarded = await sato.post(`/uploads/${uploadId}/discard?back=${patientId}`).type('form').send({});
    assert.equal(discarded.status, 303, discarded.text.slice(0, 600));
    assert.match(discarded.headers.location ?? '', new RegExp(`/patients/${patientId}/attachments`));
    assert.equal(await rowsWithId(uploadId), 0, 'gone');
    assert.equal((await picture(sato, `/uploads/${uploadId}/pages/1`)).status, 404);

    // A filed attachment belongs to the patient: its uploader cannot discard it.
    const before = await rowOf(filedId);
    const filed = await sato.post(`/uploads/${filedId}/discard`).type('form').send({});
    assert.equal(filed.status, 404, filed.text.slice(0, 600));
    assert.deepEqual(await rowOf(filedId), before);
    assert.equal((await picture(tanaka, attachmentPage(patientId, filedId))).status, 200);

    const discards = await auditEvents(portal.pool, { type: 'device-upload.discard' });
    assert.ok(
      discards.some(
        (e) => e.actor_id === people.sato.id && e.outcome === 'success' && e.details.uploadId === uploadId,
      ),
    );
    assert.ok(discards.some((e) => e.outcome === 'failure' && e.details.uploadId === filedId));
  });
});
