import assert from 'node:assert/strict';
import { answerInvitation, inviteToCareTeam } from '#workspace-app/patients/care-team-invitations.js';
import { withdrawConsent } from '#workspace-app/patients/consent.js';
import { createPatient } from '#workspace-app/patients/create-patient.js';
import type { PatientActor } from '#workspace-app/patients/patient-actor.js';
import { mapPatientGroup } from '#workspace-app/timeline/patient-groups.js';
import { startPortalUnderTest, type Agent, type PortalUnderTest } from '../portal-under-test.js';
import {
  aBasics,
  auditEvents,
  patientDeps,
  people,
  registerPractitioners,
  withSharingConsent,
} from './patient-fixtures.js';

/**
 * The patient's thread through HTTP, as the team's browsers drive it: posts, replies, mentions and 既読,
 * access that follows the care team, refusals of bad input with nothing stored, and the audit trail.
 */
describe('the patient’s thread: the care team posts, replies, calls on each other and sees who has read', function () {
  this.timeout(120_000);
  let portal: PortalUnderTest;
  let deps: ReturnType<typeof patientDeps>;
  let sato: Agent;
  let tanaka: Agent;
  let suzuki: Agent;
  let kimura: Agent;
  /** 佐藤's patient: 田中 an editor, 鈴木 (the care manager) a reader; linked to the FHIR server and to MCS. */
  let patientId: string;
  /** 木村's patient, with a post of its own. */
  let othersPatient: string;

  async function join(owner: PatientActor, patient: string, who: PatientActor, role: 'editor' | 'reader') {
    const invitation = await inviteToCareTeam(deps, owner, patient, {
      kind: 'individual',
      organisation: who.organisation,
      practitionerId: who.id,
      role,
    });
    await answerInvitation(deps, who, invitation.id, 'accept');
  }

  async function post(agent: Agent, patient: string, body: Record<string, unknown>, status = 303) {
    const response = await agent.post(`/patients/${patient}/thread`).type('form').send(body);
    assert.equal(response.status, status, response.text.slice(0, 600));
    return response;
  }

  async function storedPosts(patient: string): Promise<number> {
    const { rows } = await portal.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM patient_thread_posts WHERE patient_id = $1',
      [patient],
    );
    return rows[0]!.n;
  }

  const postIdOf = (location: string | undefined) => /#post-([0-9a-f-]{36})$/.exec(location ?? '')?.[1];

  before(async () => {
    portal = await startPortalUnderTest('patient_thread_test', {
      env: {
        PORTAL_CONNECTORS: JSON.stringify({
          fhir: [
            {
              id: 'fhir',
              nameJa: '地域連携FHIRサーバー',
              nameEn: 'Regional FHIR server',
              baseUrl: 'http://127.0.0.1:9/fhir',
              account: 'portal',
            },
          ],
        }),
      },
    });
    deps = patientDeps(portal.pool);
    await registerPractitioners(portal.pool, Object.values(people));
    patientId = (await createPatient(deps, people.sato, aBasics())).patientId;
    await withSharingConsent(deps, people.sato, patientId);
    await join(people.sato, patientId, people.tanaka, 'editor');
    await join(people.sato, patientId, people.suzuki, 'reader');
    for (const [vendor, ref] of [
      ['fhir', 'Patient/pat-thread-0001'],
      ['mcs', 'grp-thread-0001'],
    ] as const) {
      await mapPatientGroup(
        portal.pool,
        { vendor, patientGroupRef: ref, patientId, patientLabel: '山口 正雄' },
        'test',
      );
    }
    othersPatient = (await createPatient(deps, people.kimura, aBasics())).patientId;
    sato = await portal.signInOnPortalPage(people.sato);
    tanaka = await portal.signInOnPortalPage(people.tanaka);
    suzuki = await portal.signInOnPortalPage(people.suzuki);
    kimura = await portal.signInOnPortalPage(people.kimura);
  });
  after(async () => {
    await portal?.close();
  });

  it('posts with mentions, replies one level deep, and shows 既読 with names once the others opened the thread', async () => {
    const first = await post(sato, patientId, {
      body: '昨夜から食欲が落ちています。\n往診のご判断をお願いします。',
      mentionProfessions: 'doctor',
      mentionPeople: people.suzuki.id,
    });
    const postId = postIdOf(first.headers.location);
    assert.ok(postId, `redirected to the post: ${first.headers.location}`);

    // The doctor opens the thread: the post, whom it calls on, who may not see it, and that it goes out.
    const page = await tanaka.get(`/patients/${patientId}/thread`);
    assert.equal(page.status, 200);
    assert.match(page.text, /昨夜から食欲が落ちています。\n往診のご判断をお願いします。/);
    assert.match(page.text, /@医師/);
    assert.match(page.text, /@鈴木 美香/);
    assert.match(page.text, /ケアチームの全員（ほかの組織の方を含む）に表示されます/);
    assert.match(page.text, /地域連携FHIRサーバー: 送信待ち/);
    assert.match(page.text, /thread-vendors-not-sent[^]*MCS（メディカルケアステーション）/);
    assert.match(page.text, /既読 1: 田中 一郎/, 'opening the thread marks it read by this reader');

    // Mentioned: the doctor by profession, the care manager by name, in their timelines, without the text.
    const { rows: notices } = await portal.pool.query<{ practitioner_id: string; title: string }>(
      `SELECT i.practitioner_id, e.title FROM timeline_inbox i JOIN timeline_events e ON e.id = i.event_id
        WHERE e.portal_kind = 'thread-mention' ORDER BY i.practitioner_id`,
    );
    assert.deepEqual(
      notices.map((n) => n.practitioner_id),
      [people.suzuki.id, people.tanaka.id],
    );
    assert.ok(
      notices.every((n) => !n.title.includes('食欲')),
      'the notice does not carry the text',
    );

    // A reply, and a reply to that reply, both hang under the first post.
    const reply = await post(tanaka, patientId, { body: '本日16時に往診します。', replyTo: postId });
    const replyId = postIdOf(reply.headers.location)!;
    await post(suzuki, patientId, { body: '承知しました。', replyTo: replyId });
    const { rows } = await portal.pool.query<{ reply_to: string | null; n: number }>(
      `SELECT reply_to, count(*)::int AS n FROM patient_thread_posts WHERE patient_id = $1 GROUP BY reply_to`,
      [patientId],
    );
    assert.deepEqual(rows.find((r) => r.reply_to === postId)?.n, 2, 'one level of replies');

    // The care manager opens it too; the author then sees both names under the first post.
    assert.equal((await suzuki.get(`/patients/${patientId}/thread`)).status, 200);
    const own = await sato.get(`/patients/${patientId}/thread?lang=en`);
    assert.equal(own.status, 200);
    const firstPost = own.text.slice(own.text.indexOf(`id="post-${postId}"`));
    assert.match(firstPost, /Read by 2: 田中 一郎、鈴木 美香/);
    assert.match(own.text, /Posts in this thread are shown to the whole care team/);
    await sato.get(`/patients/${patientId}/thread?lang=ja`);
    const { rows: reads } = await portal.pool.query<{ reader_id: string }>(
      'SELECT reader_id FROM patient_thread_reads WHERE post_id = $1 ORDER BY read_at',
      [postId],
    );
    assert.deepEqual(
      reads.map((r) => r.reader_id),
      [people.tanaka.id, people.suzuki.id],
      'the author is no reader of their own post',
    );
  });

  it('refuses bad input with a 4xx a person can act on, and stores nothing', async () => {
    const before = await storedPosts(patientId);
    const empty = await post(sato, patientId, { body: '   ' }, 400);
    assert.match(empty.text, /空欄にはできません|入力が必要です/);
    const long = await post(sato, patientId, { body: 'あ'.repeat(2001) }, 400);
    assert.match(long.text, /2000文字以内で入力してください/);
    const stranger = await post(
      sato,
      patientId,
      { body: '確認願います', mentionPeople: people.kimura.id },
      400,
    );
    assert.match(stranger.text, /「nurse.kimura」はこの患者のケアチームにいません/);
    const profession = await post(
      sato,
      patientId,
      { body: '確認願います', mentionProfessions: 'wizard' },
      400,
    );
    assert.match(profession.text, /「wizard」は使えないコードです/);
    // A reply to a post of another patient's thread is not found here.
    await post(kimura, othersPatient, { body: '石井さんの件です。' });
    const { rows } = await portal.pool.query<{ id: string }>(
      'SELECT id FROM patient_thread_posts WHERE patient_id = $1',
      [othersPatient],
    );
    const elsewhere = await post(sato, patientId, { body: '返信', replyTo: rows[0]!.id }, 404);
    assert.match(elsewhere.text, /この患者のスレッドで返信先の投稿が見つかりません/);
    const malformed = await post(sato, patientId, { body: '返信', replyTo: 'not-a-post' }, 400);
    assert.match(malformed.text, /role="alert"[^]*IDの形式が正しくありません/);
    const english = await sato.post(`/patients/${patientId}/thread?lang=en`).type('form').send({ body: '' });
    assert.equal(english.status, 400);
    assert.match(english.text, /The post was not stored/);
    assert.match(english.text, /must not be empty|this is required/);
    await sato.get(`/patients/${patientId}/thread?lang=ja`);
    assert.equal(await storedPosts(patientId), before, 'nothing stored');
  });

  it('lets only current members read or post: taken off the team, the care manager loses both at once', async () => {
    // Control: on the team, she reads and posts.
    assert.equal((await suzuki.get(`/patients/${patientId}/thread`)).status, 200);
    await post(suzuki, patientId, { body: '明日の担当者会議の資料を共有します。' });
    // Someone never on the team does neither.
    assert.equal((await kimura.get(`/patients/${patientId}/thread`)).status, 403);

    const { rows } = await portal.pool.query<{ id: string }>(
      `SELECT id FROM care_team_members WHERE patient_id = $1 AND practitioner_id = $2 AND left_at IS NULL`,
      [patientId, people.suzuki.id],
    );
    const ended = await sato
      .post(`/patients/${patientId}/team/members/${rows[0]!.id}/end`)
      .type('form')
      .send({});
    assert.equal(ended.status, 303);
    const before = await storedPosts(patientId);
    const read = await suzuki.get(`/patients/${patientId}/thread`);
    assert.equal(read.status, 403);
    assert.doesNotMatch(read.text, /担当者会議の資料/);
    assert.match(read.text, /ケアチームに参加していません/);
    await post(suzuki, patientId, { body: 'まだ書けますか？' }, 403);
    assert.equal(await storedPosts(patientId), before, 'the refused post is not stored');
  });

  it('ends the access of an organisation whose membership a consent withdrawal ended, at once', async () => {
    // Control: the doctor's clinic is on the team through the patient's consent; he reads the thread.
    assert.equal((await tanaka.get(`/patients/${patientId}/thread`)).status, 200);
    const { rows } = await portal.pool.query<{ id: string }>(
      `SELECT id FROM patient_consents WHERE patient_id = $1 AND sharing = 'care-team' AND withdrawn_at IS NULL`,
      [patientId],
    );
    const withdrawn = await withdrawConsent(deps, people.sato, patientId, rows[0]!.id);
    assert.ok(withdrawn.endedMemberships >= 1);
    assert.equal((await tanaka.get(`/patients/${patientId}/thread`)).status, 403);
    await post(tanaka, patientId, { body: '往診の結果です。' }, 403);
    // The withdrawing organisation stays and still reads.
    assert.equal((await sato.get(`/patients/${patientId}/thread`)).status, 200);
  });

  it('audits every read and write by ids, never the text, refusals included', async () => {
    const posts = await auditEvents(portal.pool, { patientId, type: 'patient.thread.post' });
    const successes = posts.filter((e) => e.outcome === 'success');
    assert.equal(successes.length, 4);
    assert.ok(successes.every((e) => typeof e.details.postId === 'string'));
    const refused = posts.filter((e) => e.outcome === 'failure');
    assert.ok(refused.length >= 5, 'bad input is audited as refused');
    const reads = await auditEvents(portal.pool, { patientId, type: 'patient.thread.read' });
    assert.ok(reads.some((e) => e.actor_id === people.tanaka.id && e.details.newlyRead === 1));
    assert.ok(reads.some((e) => e.actor_id === people.sato.id && e.outcome === 'success'));
    const removed = await auditEvents(portal.pool, {
      actorId: people.suzuki.id,
      type: 'patient.thread.read',
    });
    assert.equal(removed.at(-1)?.outcome, 'failure', 'the refused read after removal is audited');
    const { rows } = await portal.pool.query<{ details: unknown }>(
      "SELECT details FROM audit_events WHERE type LIKE 'patient.thread.%'",
    );
    for (const { details } of rows) {
      assert.doesNotMatch(JSON.stringify(details), /食欲|往診|承知|担当者会議|まだ書けますか/);
    }
  });
});
