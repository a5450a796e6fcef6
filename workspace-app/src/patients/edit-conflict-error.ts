import { HttpError } from '@hcw/common';
import type { StoredItem } from './stored-item.js';

/**
 * Someone else changed the item after this writer read it. Carries the other change, so the writer can
 * show it, merge and try again with its version; nothing of the refused write was stored.
 */
export class EditConflictError extends HttpError {
  constructor(
    readonly expectedVersion: number,
    readonly current: StoredItem,
  ) {
    super(
      409,
      `他の方が先に更新しました（${current.changedBy.name}、第${current.version}版）。内容を確認してやり直してください。`,
      `Someone else changed this first (${current.changedBy.id}, version ${current.version}). Review it and try again.`,
    );
  }
}
