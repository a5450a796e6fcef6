import assert from 'node:assert/strict';
import pg from 'pg';

/** Every identifier of every patient in the portal's database: IDs, names, dates of birth, addresses, telephones. */
export async function patientIdentifiers(portalDatabaseUrl: string): Promise<string[]> {
  const pool = new pg.Pool({ connectionString: portalDatabaseUrl, max: 1 });
  try {
    const ids = await pool.query<{ id: string }>('SELECT id::text FROM patients');
    const basics = await pool.query<{ data: Basics }>("SELECT data FROM patient_items WHERE kind = 'basics'");
    const found = new Set<string>(ids.rows.map((r) => r.id));
    for (const { data } of basics.rows) {
      for (const name of [data.name?.kanji, data.name?.kana]) {
        if (!name) continue;
        for (const gap of [' ', '', '\u3000']) found.add(`${name.family}${gap}${name.given}`);
      }
      for (const value of [
        data.birthDate,
        data.address?.line,
        data.contact?.phone,
        data.contact?.mobile,
        ...(data.family ?? []).flatMap((f) => [f.name, f.phone]),
      ]) {
        if (value) found.add(value);
      }
    }
    assert.ok(ids.rows.length >= 3 && basics.rows.length >= 3, 'the portal has patients to look for');
    return [...found].filter((v) => v.length >= 4);
  } finally {
    await pool.end();
  }
}

interface Basics {
  name?: { kanji?: { family: string; given: string }; kana?: { family: string; given: string } };
  birthDate?: string;
  address?: { line?: string };
  contact?: { phone?: string; mobile?: string };
  family?: { name?: string; phone?: string }[];
}
