import { closeInquiry } from './close-inquiry.js';
import { openInquiryForRequester } from './open-inquiry.js';
import { auditedTransferOperation } from './transfer-audit.js';
import type { TransferActor, TransferDeps } from './transfer-deps.js';
import { TransferConflictError } from './transfer-errors.js';
import { transferStore, type StoredInquiry } from './transfer-store.js';

/** The MSW takes back one inquiry; the hospital sees that it was withdrawn. */
export async function withdrawInquiry(
  deps: TransferDeps,
  actor: TransferActor,
  inquiryId: string,
): Promise<StoredInquiry> {
  return auditedTransferOperation(
    deps,
    actor,
    { type: 'transfer.inquiry.withdraw' },
    async (client, context) => {
      const { request, inquiry } = await openInquiryForRequester(deps, client, actor, inquiryId, context);
      if (inquiry.status === 'closed') {
        throw new TransferConflictError('inquiry-closed', {
          ja: 'この問い合わせはすでに終了しています。',
          en: 'This inquiry is already closed.',
        });
      }
      if (inquiry.status === 'confirmed') {
        throw new TransferConflictError('inquiry-confirmed', {
          ja: '転院先に決定した問い合わせは取り下げられません。転院依頼そのものを取り下げてください。',
          en: 'A confirmed inquiry cannot be withdrawn; cancel the transfer request instead.',
        });
      }
      await closeInquiry(deps, client, actor, {
        request,
        inquiry,
        reason: 'withdrawn',
        note: null,
        now: deps.clock(),
      });
      const closed = await transferStore.inquiry(client, inquiry.id);
      if (!closed) throw new Error('a withdrawn inquiry vanished');
      return closed;
    },
  );
}
