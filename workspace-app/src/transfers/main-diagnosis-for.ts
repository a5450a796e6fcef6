import { type Bilingual } from '@hcw/common';
import { isSameOrganisation, withheldDiagnosis, type DisclosureFlags } from '../patients/disclosure.js';
import type { TransferRequest } from './transfer-request.js';

/** The main diagnosis of a request as one reader may see it (DATA-1). */
export interface ShownDiagnosis {
  /** The name, or words saying it is withheld. */
  name: Bilingual;
  icd10: string | null;
  /** 未提供 and the reader is of another organisation: nothing of the diagnosis is shown. */
  isWithheld: boolean;
  /** 未告知, shown labelled to the professionals who may see it. */
  isNotToldToPatient: boolean;
  flags: DisclosureFlags;
}

/** Requests stored before the flags existed carry neither; they were shared with every hospital asked. */
export function flagsOfRequest(details: Pick<TransferRequest, 'mainDiagnosis'>): DisclosureFlags {
  return {
    isNotToldToPatient: details.mainDiagnosis.isNotToldToPatient === true,
    isNotShared: details.mainDiagnosis.isNotShared === true,
  };
}

/**
 * A diagnosis not to be shared (未提供) stays inside the requesting organisation, its departments
 * included: hospitals asked, the care team's other organisations and their notices see that it is
 * withheld, never what it is. One not told to the patient (未告知) reaches the professionals, labelled.
 */
export function mainDiagnosisFor(
  request: { details: Pick<TransferRequest, 'mainDiagnosis'>; requestingOrganisation: string },
  readerOrganisation: string,
): ShownDiagnosis {
  const flags = flagsOfRequest(request.details);
  const diagnosis = request.details.mainDiagnosis;
  if (flags.isNotShared && !isSameOrganisation(request.requestingOrganisation, readerOrganisation)) {
    return { name: withheldDiagnosis, icd10: null, isWithheld: true, isNotToldToPatient: false, flags };
  }
  const label = flags.isNotToldToPatient
    ? { ja: '【未告知】', en: '[not told to the patient] ' }
    : { ja: '', en: '' };
  return {
    name: { ja: `${label.ja}${diagnosis.name}`, en: `${label.en}${diagnosis.name}` },
    icd10: diagnosis.icd10,
    isWithheld: false,
    isNotToldToPatient: flags.isNotToldToPatient,
    flags,
  };
}

/**
 * The request as a reader of `readerOrganisation` may receive it, in JSON as on a page: a diagnosis not
 * to be shared is replaced by words saying it is withheld, its code dropped. The onset date stays: a
 * hospital needs it to judge admission rules (回復期リハビリテーション病棟 within two months of onset).
 */
export function requestAsSeenBy<R extends { details: TransferRequest; requestingOrganisation: string }>(
  request: R,
  readerOrganisation: string,
): R {
  const shown = mainDiagnosisFor(request, readerOrganisation);
  if (!shown.isWithheld) return request;
  return {
    ...request,
    details: {
      ...request.details,
      mainDiagnosis: {
        name: `${withheldDiagnosis.ja} ${withheldDiagnosis.en}`,
        icd10: null,
        onsetDate: request.details.mainDiagnosis.onsetDate,
        isNotToldToPatient: false,
        isNotShared: true,
      },
    },
  };
}
