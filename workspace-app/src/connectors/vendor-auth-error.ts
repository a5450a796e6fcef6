/**
 * A vendor refused the portal's credentials (client id and secret, API key). Retrying does not help: an
 * administrator has to renew or correct the credentials in the portal's configuration.
 */
export class VendorAuthError extends Error {
  override readonly name = 'VendorAuthError';

  constructor(
    readonly vendor: string,
    readonly detail: string,
  ) {
    super(`${vendor}: credentials refused (${detail})`);
  }

  get messageJa(): string {
    return '連携先のシステムが認証情報を受け付けませんでした。管理者に連絡してください。';
  }
}
