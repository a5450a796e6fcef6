import { HttpError } from '@hcw/common';

/**
 * The item, visit or invitation does not exist for this reader. Also the answer for an undisclosed
 * diagnosis of another organisation, so that its existence is not revealed either (DATA-1).
 */
export class RecordNotFoundError extends HttpError {
  constructor(what: { ja: string; en: string }) {
    super(404, `${what.ja}が見つかりません。`, `The ${what.en} was not found.`);
  }
}
