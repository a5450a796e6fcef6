import assert from 'node:assert/strict';
import { parseTokyoLocalTime } from '#workspace-app/connectors/hikari-one/parse-tokyo-local-time.js';

describe('Tokyo local time', () => {
  it('reads an export time as Japan Standard Time', () => {
    assert.equal(parseTokyoLocalTime('2024/05/01 09:30:15')?.toISOString(), '2024-05-01T00:30:15.000Z');
  });

  it('reads a time without seconds and the previous UTC day', () => {
    assert.equal(parseTokyoLocalTime('2024/1/1 0:05')?.toISOString(), '2023-12-31T15:05:00.000Z');
  });

  it('refuses dates that do not exist', () => {
    assert.equal(parseTokyoLocalTime('2023/02/29 10:00'), undefined);
    assert.equal(parseTokyoLocalTime('2024/05/01 24:00'), undefined);
  });

  it('refuses other formats', () => {
    assert.equal(parseTokyoLocalTime('2024-05-01T09:30:00+09:00'), undefined);
    assert.equal(parseTokyoLocalTime('令和6年5月1日'), undefined);
  });
});
