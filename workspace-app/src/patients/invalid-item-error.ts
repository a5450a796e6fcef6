import { BadRequestError, splitBilingual } from '@hcw/common';

export interface ItemIssue {
  /** Where in the input, e.g. `vitals.pulse` or `family.0.phone`; empty for the whole item. */
  path: string;
  /** "日本語 / English", as the schemas word it. */
  message: string;
}

/** A standard item that fails its schema; the first issue is named in the message, all are kept. */
export class InvalidItemError extends BadRequestError {
  constructor(readonly issues: readonly ItemIssue[]) {
    const first = issues[0];
    const where = first?.path ? `${first.path}: ` : '';
    const { ja, en } = first ? splitBilingual(first.message) : { ja: '', en: '' };
    super(`入力内容に誤りがあります。${where}${ja}`, `The input is not valid. ${where}${en}`);
  }
}
