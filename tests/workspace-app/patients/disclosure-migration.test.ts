import assert from 'node:assert/strict';
import { copyFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { AUDIT_MIGRATIONS, migrate } from '@hcw/common';
import { recreateDatabase } from '#test-support/fresh-database.js';
import { scratchDir } from '#test-support/scratch-dir.js';
import { workspace } from '#test-support/workspace.js';
import { PORTAL_MIGRATIONS } from './patient-fixtures.js';

/** Migration 0400 on a record written with the one old flag: nothing hidden before may show afterwards. */
describe('the disclosure flags migration', function () {
  this.timeout(60000);
  let pool: pg.Pool;

  before(async () => {
    const stack = await workspace();
    const url = await recreateDatabase(
      stack.adminDatabaseUrl,
      'patients_flags_migration_test',
      stack.portalDatabaseUrl,
    );
    pool = new pg.Pool({ connectionString: url, max: 2 });
    await migrate(pool, AUDIT_MIGRATIONS);
    const before0400 = scratchDir('migrations-before-0400');
    for (const file of readdirSync(PORTAL_MIGRATIONS).filter((name) => name < '0400')) {
      copyFileSync(path.join(PORTAL_MIGRATIONS, file), path.join(before0400, file));
    }
    await migrate(pool, before0400);
    const patient = await pool.query<{ id: string }>(
      `INSERT INTO patients (created_by, created_by_organisation) VALUES ('dr.tanaka', '中野在宅クリニック') RETURNING id`,
    );
    for (const [name, isUndisclosed] of [
      ['膵臓癌', true],
      ['慢性心不全', false],
    ] as const) {
      const data = { name, status: 'active', isMain: false, isUndisclosed };
      const item = await pool.query<{ id: string }>(
        `INSERT INTO patient_items (patient_id, kind, version, data, author_organisation, is_undisclosed, created_at,
           changed_at, changed_by, changed_by_name, changed_by_organisation, changed_by_profession)
         VALUES ($1, 'diagnosis', 1, $2, '中野在宅クリニック', $3, now(), now(), 'dr.tanaka', '田中 一郎',
           '中野在宅クリニック', '医師') RETURNING id`,
        [patient.rows[0]!.id, JSON.stringify(data), isUndisclosed],
      );
      await pool.query(
        `INSERT INTO patient_item_versions (item_id, version, change, data, author_organisation, is_undisclosed,
           changed_at, changed_by, changed_by_name, changed_by_organisation, changed_by_profession)
         VALUES ($1, 1, 'created', $2, '中野在宅クリニック', $3, now(), 'dr.tanaka', '田中 一郎', '中野在宅クリニック', '医師')`,
        [item.rows[0]!.id, JSON.stringify(data), isUndisclosed],
      );
    }
    await migrate(pool, PORTAL_MIGRATIONS);
  });
  after(async () => {
    await pool?.end();
  });

  const flags = async (table: 'patient_items' | 'patient_item_versions', join = '') =>
    (
      await pool.query<{
        name: string;
        is_not_told: boolean;
        is_not_shared: boolean;
        data: Record<string, unknown>;
      }>(
        `SELECT t.data ->> 'name' AS name, t.is_not_told, t.is_not_shared, t.data FROM ${table} t ${join} ORDER BY 1`,
      )
    ).rows;

  it('reads the old flag as both 未告知 and 未提供, in the columns and in the JSON of every version', async () => {
    for (const table of ['patient_items', 'patient_item_versions'] as const) {
      const [heart, cancer] = await flags(table);
      assert.deepEqual(
        [cancer?.name, cancer?.is_not_told, cancer?.is_not_shared],
        ['膵臓癌', true, true],
        table,
      );
      assert.equal(cancer?.data.isNotToldToPatient, true);
      assert.equal(cancer?.data.isNotShared, true);
      assert.equal('isUndisclosed' in (cancer?.data ?? {}), false);
      // Control: a diagnosis that was shared stays shared and unlabelled.
      assert.deepEqual(
        [heart?.name, heart?.is_not_told, heart?.is_not_shared],
        ['慢性心不全', false, false],
        table,
      );
      assert.equal(heart?.data.isNotShared, false);
    }
  });

  it('leaves the history append-only again afterwards', async () => {
    await assert.rejects(
      pool.query(`UPDATE patient_item_versions SET is_not_told = false`),
      /never changed or removed/,
    );
  });

  it('knows a department as its organisation, and a longer name as another one (control)', async () => {
    const identity = async (name: string) =>
      (await pool.query<{ id: string }>('SELECT organisation_identity($1) AS id', [name])).rows[0]?.id;
    assert.equal(await identity('東京中央病院 地域連携室'), '東京中央病院');
    assert.equal(await identity('東京中央病院\u3000内科'), '東京中央病院');
    assert.equal(await identity('東京中央病院分院'), '東京中央病院分院');
  });
});
