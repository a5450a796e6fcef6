import { HttpError } from '@hcw/common';

export type ClosedInvitationStatus = 'accepted' | 'declined' | 'revoked' | 'expired';

const wording: Record<ClosedInvitationStatus, { ja: string; en: string }> = {
  accepted: { ja: 'すでに承諾されています', en: 'has already been accepted' },
  declined: { ja: 'すでに辞退されています', en: 'has already been declined' },
  revoked: { ja: '取り消されています', en: 'has been withdrawn' },
  expired: { ja: '有効期限が切れています', en: 'has expired' },
};

/** An invitation that can no longer be answered. */
export class InvitationClosedError extends HttpError {
  constructor(readonly invitationStatus: ClosedInvitationStatus) {
    super(
      409,
      `この招待は${wording[invitationStatus].ja}。`,
      `This invitation ${wording[invitationStatus].en}.`,
    );
  }
}
