import assert from 'node:assert/strict';
import type { PullResult } from '#workspace-app/connectors/connector.js';
import { pullPages } from '#workspace-app/connectors/pull-pages.js';
import { VendorPayloadError } from '#workspace-app/connectors/vendor-payload-error.js';

type Page = PullResult | Error;

function pages(...served: Page[]) {
  const asked: Array<string | undefined> = [];
  return {
    asked,
    step: async (cursor: string | undefined): Promise<PullResult> => {
      asked.push(cursor);
      const page = served[asked.length - 1];
      if (page === undefined) throw new Error('asked beyond the last page');
      if (page instanceof Error) throw page;
      return page;
    },
  };
}

const page = (cursor: string, hasMore: boolean): PullResult => ({ events: [], cursor, hasMore });
const refused = () => new VendorPayloadError('test-vendor', 'malformed', 'page 2');

describe('pulling pages', () => {
  it('walks the cursors until the vendor has nothing more', async () => {
    const vendor = pages(page('a', true), page('b', true), page('c', false));

    const result = await pullPages(undefined, 10, vendor.step);

    assert.deepEqual(vendor.asked, [undefined, 'a', 'b']);
    assert.deepEqual(result, { events: [], cursor: 'c', hasMore: false });
  });

  it('stops at its page limit and says more is waiting', async () => {
    const vendor = pages(page('a', true), page('b', true), page('c', false));

    const result = await pullPages('start', 2, vendor.step);

    assert.deepEqual(result, { events: [], cursor: 'b', hasMore: true });
  });

  it('keeps the pages before a refused one and leaves the cursor in front of it', async () => {
    const vendor = pages(page('a', true), refused());

    const result = await pullPages(undefined, 10, vendor.step);

    assert.deepEqual(result, { events: [], cursor: 'a', hasMore: true });
  });

  it('throws when the first page is refused, so the error is never swallowed', async () => {
    const vendor = pages(refused());

    await assert.rejects(pullPages('a', 10, vendor.step), VendorPayloadError);
  });
});
