/**
 * Why the broker ended a user's desktop lease while they were using it, and what they are told. The key is
 * left in Redis (`lease:ended:<user>`, see lease-store.ts) for the tunnel to read when it closes their
 * connection; their sign-in stays, so reconnecting gives them a fresh desktop.
 */
export const LEASE_END_MESSAGES = {
  'desktop-unhealthy':
    'ご利用中のデスクトップが応答しなくなったため接続を終了しました。再接続すると別のデスクトップを用意します。 / Your desktop stopped responding, so the connection was closed. Reconnect to get a fresh desktop.',
  'desktop-restarted':
    'ご利用中のデスクトップが再起動したため、開いていた画面は失われました。再接続すると新しいデスクトップを用意します。 / Your desktop restarted, so what was open on it is lost. Reconnect to get a fresh desktop.',
} as const;
export type LeaseEndReason = keyof typeof LEASE_END_MESSAGES;

export function leaseEndMessage(reason: string | null | undefined): string | undefined {
  return reason && reason in LEASE_END_MESSAGES ? LEASE_END_MESSAGES[reason as LeaseEndReason] : undefined;
}
