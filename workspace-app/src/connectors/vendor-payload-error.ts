/** Why a vendor payload was refused; each calls for a different fix on the vendor's side or ours. */
export type VendorPayloadProblem = 'malformed' | 'oversized' | 'bad-signature' | 'bad-encoding';

const messagesJa: Record<VendorPayloadProblem, string> = {
  malformed: '連携先から受け取ったデータの形式が正しくありません。',
  oversized: '連携先から受け取ったデータが大きすぎます。',
  'bad-signature': '連携先からのデータの署名を確認できませんでした。',
  'bad-encoding': '連携先から受け取ったデータの文字コードが正しくありません。',
};

/**
 * A vendor sent something the portal refuses as a whole: nothing of the payload is mapped. `detail` names
 * the field or record at fault but never carries its value, so the error can be logged without patient data.
 */
export class VendorPayloadError extends Error {
  override readonly name = 'VendorPayloadError';

  constructor(
    readonly vendor: string,
    readonly reason: VendorPayloadProblem,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${vendor}: ${reason} payload (${detail})`, options);
  }

  get messageJa(): string {
    return messagesJa[this.reason];
  }
}
