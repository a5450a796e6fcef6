import { HttpError } from '@hcw/common';

/** How often a waiting client page asks again: often enough to feel immediate, rare enough to cost nothing. */
export const WAITING_RETRY_SECONDS = 10;

/**
 * The refusal a user sees while every desktop of their pool is taken: when one is expected, if the broker
 * can tell, and that the page will connect by itself (the client page retries after `retryAfterSeconds`).
 */
export function noFreeDesktop(expectedFreeInSeconds: number | undefined): HttpError {
  if (expectedFreeInSeconds === undefined) {
    return new HttpError(
      503,
      '空いているデスクトップがありません。どなたかが使い終わりしだい、自動で接続します。',
      'No desktop is free. This page connects by itself as soon as someone finishes.',
      'no-free-desktop',
      WAITING_RETRY_SECONDS,
    );
  }
  const minutes = Math.max(1, Math.ceil(expectedFreeInSeconds / 60));
  return new HttpError(
    503,
    `空いているデスクトップがありません。約${minutes}分後に空く見込みです。空きしだい自動で接続します。`,
    `No desktop is free. One is expected in about ${minutes} minute${minutes === 1 ? '' : 's'}; this page connects by itself as soon as it is.`,
    'no-free-desktop',
    Math.min(WAITING_RETRY_SECONDS, Math.max(1, expectedFreeInSeconds)),
  );
}
