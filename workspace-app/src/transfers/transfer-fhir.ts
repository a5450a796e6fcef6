import { type Bilingual, bilingualMessage } from '@hcw/common';
import type { Annotation, CodeableConcept, Meta, Reference } from '../clinical/fhir-types.js';
import { securityLabelsOf } from '../patients/disclosure.js';
import {
  careLevelItemLabels,
  dementiaLevelLabels,
  independenceLevelLabels,
  infectionLabels,
  procedureLabels,
  wardTypeLabels,
} from './care-codes.js';
import {
  closeReasonLabels,
  declineReasonLabels,
  inquiryStatusLabels,
  type InquiryStatus,
  type RequestStatus,
} from './inquiry-codes.js';
import { mainDiagnosisFor, type ShownDiagnosis } from './main-diagnosis-for.js';
import { visibleInquiries } from './transfer-access.js';
import { auditedTransferOperation } from './transfer-audit.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import { openRequest } from './open-request.js';
import { tokyoAreas } from './tokyo-areas.js';
import { adlCategoryOf, adlTotalOf, medicalCareCategoryOf } from './transfer-request.js';
import type { StoredInquiry, StoredRequest } from './transfer-store.js';

// A transfer request in HL7 FHIR R4 terms: one ServiceRequest for the transfer and one Task per
// hospital asked, gathered in a collection Bundle. The status mapping is documented in README.md
// beside this file. Only the few element types used are declared here.

export interface FhirServiceRequest {
  resourceType: 'ServiceRequest';
  id: string;
  meta?: Meta;
  identifier: { system: string; value: string }[];
  status: 'active' | 'completed' | 'revoked';
  intent: 'order';
  category: CodeableConcept[];
  code: CodeableConcept;
  orderDetail?: CodeableConcept[];
  subject: Reference;
  occurrenceDateTime?: string;
  authoredOn: string;
  requester: Reference;
  performer?: Reference[];
  locationCode?: CodeableConcept[];
  reasonCode: CodeableConcept[];
  note: Annotation[];
}

export type FhirTaskStatus = 'requested' | 'received' | 'accepted' | 'rejected' | 'ready' | 'cancelled';

export interface FhirTask {
  resourceType: 'Task';
  id: string;
  meta?: Meta;
  identifier: { system: string; value: string }[];
  basedOn: Reference[];
  status: FhirTaskStatus;
  statusReason?: CodeableConcept;
  businessStatus: CodeableConcept;
  intent: 'order';
  code: CodeableConcept;
  focus: Reference;
  for: Reference;
  authoredOn: string;
  lastModified: string;
  requester: Reference;
  owner: Reference;
  restriction?: { period: { end: string } };
  note?: Annotation[];
  output?: { type: CodeableConcept; valueString: string }[];
}

export interface FhirTransferBundle {
  resourceType: 'Bundle';
  type: 'collection';
  timestamp: string;
  entry: { fullUrl: string; resource: FhirServiceRequest | FhirTask }[];
}

/** Code systems of this portal; the host name is reserved for examples and resolves nowhere. */
const system = (name: string) => `https://homecare-portal.example/fhir/CodeSystem/${name}`;
const identifierSystem = (name: string) => `https://homecare-portal.example/fhir/identifier/${name}`;

/** ServiceRequest.status for each request status. */
export const serviceRequestStatusOf: Readonly<Record<RequestStatus, FhirServiceRequest['status']>> = {
  open: 'active',
  confirmed: 'completed',
  cancelled: 'revoked',
};

/** Task.status for each inquiry status; businessStatus keeps the workflow's own status beside it. */
export const taskStatusOf: Readonly<Record<InquiryStatus, FhirTaskStatus>> = {
  sent: 'requested',
  'needs-information': 'received',
  accepted: 'accepted',
  conditional: 'accepted',
  declined: 'rejected',
  confirmed: 'ready',
  closed: 'cancelled',
};

/**
 * How one reader's export names the diagnosis (DATA-1): withheld when it is not to be shared and the
 * reader is of another organisation, labelled when the patient has not been told; and the HL7 security
 * labels a resource carrying it must have.
 */
interface ExportedDiagnosis {
  shown: ShownDiagnosis;
  meta: Meta | undefined;
}

function textOf(shown: ShownDiagnosis): string {
  return shown.isWithheld ? bilingualMessage(shown.name) : shown.name.ja;
}

function exportedDiagnosis(request: StoredRequest, readerOrganisation: string): ExportedDiagnosis {
  const shown = mainDiagnosisFor(request, readerOrganisation);
  const security = shown.isWithheld ? [] : securityLabelsOf(shown.flags);
  return { shown, meta: security.length > 0 ? { security } : undefined };
}

function subjectOf(request: StoredRequest, diagnosis: ExportedDiagnosis): Reference {
  const display = textOf(diagnosis.shown);
  if (request.patientId === null) return { display };
  return {
    type: 'Patient',
    identifier: { system: identifierSystem('patient'), value: request.patientId },
    display,
  };
}

function hospitalOf(inquiry: StoredInquiry): Reference {
  return {
    type: 'Organization',
    identifier: { system: identifierSystem('hospital'), value: inquiry.hospitalId },
    display: inquiry.hospitalName,
  };
}

function notesOf(request: StoredRequest): Annotation[] {
  const { details } = request;
  const lines = [
    `医療区分${medicalCareCategoryOf(details.careLevelItems)}: ${
      details.careLevelItems.map((item) => careLevelItemLabels[item].ja).join('、') || '該当なし'
    }`,
    `ADL区分${adlCategoryOf(details.adlScores)}（合計${adlTotalOf(details.adlScores)}点: ベッド上の可動性${details.adlScores.bedMobility}・移乗${details.adlScores.transfer}・食事${details.adlScores.eating}・トイレの使用${details.adlScores.toiletUse}）`,
    `障害高齢者の日常生活自立度: ${independenceLevelLabels[details.independenceLevel].ja}`,
    `認知症高齢者の日常生活自立度: ${dementiaLevelLabels[details.dementiaLevel].ja}`,
    `感染症: ${
      details.infections
        .map(
          (infection) =>
            `${infectionLabels[infection.code].ja}${infection.needsIsolationRoom ? '（隔離要）' : ''}`,
        )
        .join('、') || 'なし'
    }`,
  ];
  if (details.keyPerson) {
    lines.push(
      `キーパーソン: ${[details.keyPerson.relationship, details.keyPerson.name, details.keyPerson.phone]
        .filter((part) => part !== null)
        .join(' ')}`,
    );
  }
  if (details.planAfterDischarge) lines.push(`退院後の方針: ${details.planAfterDischarge}`);
  return lines.map((text) => ({ text }));
}

function serviceRequestOf(
  request: StoredRequest,
  inquiries: readonly StoredInquiry[],
  diagnosis: ExportedDiagnosis,
): FhirServiceRequest {
  const { details } = request;
  const orderDetail: CodeableConcept[] = [
    ...details.proceduresNeeded.map((code) => ({
      coding: [{ system: system('procedure'), code, display: procedureLabels[code].ja }],
      text: bilingualMessage(procedureLabels[code]),
    })),
    ...details.desiredWardTypes.map((code) => ({
      coding: [{ system: system('ward-type'), code, display: wardTypeLabels[code].ja }],
      text: bilingualMessage(wardTypeLabels[code]),
    })),
  ];
  const locationCode = details.preferredMunicipalityIds.map((id) => {
    const municipality = tokyoAreas.municipality(id);
    return {
      coding: [
        {
          system: system('local-government-code'),
          code: municipality.localGovernmentCode,
          display: municipality.name,
        },
      ],
      text: municipality.name,
    };
  });
  return {
    resourceType: 'ServiceRequest',
    id: request.id,
    ...(diagnosis.meta ? { meta: diagnosis.meta } : {}),
    identifier: [{ system: identifierSystem('transfer-request'), value: request.id }],
    status: serviceRequestStatusOf[request.status],
    intent: 'order',
    category: [{ text: '転院調整 / transfer to another hospital' }],
    code: { text: '転院・受入先の調整 / finding a hospital to take the patient' },
    ...(orderDetail.length > 0 ? { orderDetail } : {}),
    subject: subjectOf(request, diagnosis),
    ...(details.preferredDate ? { occurrenceDateTime: details.preferredDate } : {}),
    authoredOn: request.createdAt,
    requester: { type: 'Organization', display: request.requestingOrganisation },
    ...(inquiries.length > 0 ? { performer: inquiries.map(hospitalOf) } : {}),
    ...(locationCode.length > 0 ? { locationCode } : {}),
    reasonCode: [
      {
        ...(diagnosis.shown.icd10
          ? { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: diagnosis.shown.icd10 }] }
          : {}),
        text: textOf(diagnosis.shown),
      },
    ],
    note: notesOf(request),
  };
}

function taskOf(request: StoredRequest, inquiry: StoredInquiry, diagnosis: ExportedDiagnosis): FhirTask {
  const statusReason: Bilingual | null =
    inquiry.status === 'declined' && inquiry.declineReason
      ? declineReasonLabels[inquiry.declineReason]
      : inquiry.status === 'closed' && inquiry.closeReason
        ? closeReasonLabels[inquiry.closeReason]
        : null;
  const code = inquiry.status === 'declined' ? inquiry.declineReason : inquiry.closeReason;
  const isOffer =
    inquiry.status === 'accepted' || inquiry.status === 'conditional' || inquiry.status === 'confirmed';
  const output: FhirTask['output'] = [];
  if (isOffer) {
    output.push({ type: { text: '受入病棟 / ward' }, valueString: inquiry.wardName });
    if (inquiry.admissionDate)
      output.push({ type: { text: '入院予定日 / admission date' }, valueString: inquiry.admissionDate });
  }
  return {
    resourceType: 'Task',
    id: inquiry.id,
    ...(diagnosis.meta ? { meta: diagnosis.meta } : {}),
    identifier: [{ system: identifierSystem('transfer-inquiry'), value: inquiry.id }],
    basedOn: [{ reference: `urn:uuid:${request.id}`, type: 'ServiceRequest' }],
    status: taskStatusOf[inquiry.status],
    ...(statusReason && code
      ? {
          statusReason: {
            coding: [{ system: system('transfer-inquiry-reason'), code, display: statusReason.ja }],
            text: bilingualMessage(statusReason),
          },
        }
      : {}),
    businessStatus: {
      coding: [
        {
          system: system('transfer-inquiry-status'),
          code: inquiry.status,
          display: inquiryStatusLabels[inquiry.status].ja,
        },
      ],
      text: bilingualMessage(inquiryStatusLabels[inquiry.status]),
    },
    intent: 'order',
    code: {
      coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }],
      text: '転院の受入 / accept the transfer',
    },
    focus: { reference: `urn:uuid:${request.id}`, type: 'ServiceRequest' },
    for: subjectOf(request, diagnosis),
    authoredOn: inquiry.sentAt,
    lastModified: inquiry.updatedAt,
    requester: { type: 'Organization', display: request.requestingOrganisation },
    owner: hospitalOf(inquiry),
    ...(isOffer && inquiry.holdUntil ? { restriction: { period: { end: inquiry.holdUntil } } } : {}),
    ...(inquiry.conditions ? { note: [{ text: `受入条件 / conditions: ${inquiry.conditions}` }] } : {}),
    ...(output.length > 0 ? { output } : {}),
  };
}

/** The request and the given inquiries as a FHIR R4 collection Bundle, for a reader of `readerOrganisation`. */
export function transferToFhir(
  request: StoredRequest,
  inquiries: readonly StoredInquiry[],
  timestamp: Date,
  readerOrganisation: string,
): FhirTransferBundle {
  const diagnosis = exportedDiagnosis(request, readerOrganisation);
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: timestamp.toISOString(),
    entry: [
      { fullUrl: `urn:uuid:${request.id}`, resource: serviceRequestOf(request, inquiries, diagnosis) },
      ...inquiries.map((inquiry) => ({
        fullUrl: `urn:uuid:${inquiry.id}`,
        resource: taskOf(request, inquiry, diagnosis),
      })),
    ],
  };
}

/** The FHIR view of a request, with only the inquiries the actor may see. */
export async function exportTransferFhir(
  deps: TransferDeps,
  actor: TransferActor,
  requestId: string,
): Promise<FhirTransferBundle> {
  return auditedTransferOperation(
    deps,
    actor,
    { type: 'transfer.request.fhir', isReadOnly: true },
    async (client, context) => {
      const { request, inquiries, viewer } = await openRequest(deps, client, actor, requestId, context);
      return transferToFhir(request, visibleInquiries(viewer, inquiries), deps.clock(), actor.organisation);
    },
  );
}
