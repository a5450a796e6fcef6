import type { CanonicalEvent } from './canonical-event.js';
import type { PullResult } from './connector.js';

/**
 * Takes up to `maxPages` pages, each through `step`, which maps one page whole or throws. When a later page
 * fails, the pages already taken are returned with the cursor after them and `hasMore`: the caller stores
 * them and asks again at once, meeting the error on the next call. So one bad page never holds back the
 * good pages before it, and the error still reaches the caller.
 */
export async function pullPages(
  since: string | undefined,
  maxPages: number,
  step: (cursor: string | undefined) => Promise<PullResult>,
): Promise<PullResult> {
  const events: CanonicalEvent[] = [];
  let cursor = since;
  let hasMore = true;
  for (let page = 0; page < maxPages && hasMore; page++) {
    let result: PullResult;
    try {
      result = await step(cursor);
    } catch (error) {
      if (page === 0) throw error;
      return { events, cursor, hasMore: true };
    }
    events.push(...result.events);
    cursor = result.cursor;
    hasMore = result.hasMore;
  }
  return { events, cursor, hasMore };
}
