import { BadRequestError, type Bilingual, ForbiddenError, HttpError } from '@hcw/common';

// The refusals of the transfer search. Each names its rule, so the audit trail records which rule
// refused an action without recording the data involved.

/** Why someone may not see or do something with a transfer request. */
export type TransferDenial =
  | 'not-signed-in'
  | 'not-an-msw'
  | 'not-a-bed-manager'
  | 'not-the-requesting-organisation'
  | 'not-an-asked-hospital'
  | 'not-involved'
  | 'no-hospital-for-organisation'
  // The patient a new request names: not one whose care team the requester is on (or no patient at all).
  | 'not-on-care-team'
  | 'no-such-patient'
  | 'malformed-patient-id';

export class TransferAccessDeniedError extends ForbiddenError {
  constructor(
    readonly reason: TransferDenial,
    text: Bilingual = {
      ja: 'この転院依頼を見る、または操作する権限がありません。',
      en: 'You may not see or act on this transfer request.',
    },
  ) {
    super(text.ja, text.en);
  }
}

export class TransferNotFoundError extends HttpError {
  constructor(text: Bilingual) {
    super(404, text.ja, text.en);
  }
}

/**
 * An action that the current state does not allow: an answer to a closed inquiry, a confirmation
 * after the deadline, the last bed already promised to someone else.
 */
export class TransferConflictError extends HttpError {
  constructor(
    readonly rule: string,
    text: Bilingual,
  ) {
    super(409, text.ja, text.en);
  }
}

export interface InputIssue extends Bilingual {
  path: string;
}

/** Input that cannot be stored as given, with every problem found in both languages. */
export class TransferInputError extends BadRequestError {
  constructor(readonly issues: InputIssue[]) {
    super(
      issues.map((issue) => (issue.path ? `${issue.path}: ${issue.ja}` : issue.ja)).join('\n'),
      issues.map((issue) => (issue.path ? `${issue.path}: ${issue.en}` : issue.en)).join('\n'),
    );
  }
}
