import { HttpError } from '@hcw/common';

/** A change to a care team that would break one of its rules, e.g. leave it without an owner. */
export class TeamRuleError extends HttpError {
  constructor(ja: string, en: string) {
    super(409, ja, en);
  }
}
