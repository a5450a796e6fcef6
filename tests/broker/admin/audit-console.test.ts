import assert from 'node:assert/strict';
import request from 'supertest';
import { AuditTrail } from '@hcw/common';
import { csvCell } from '#broker/admin/audit-search.js';
import { anAuditor, consoleBroker, type ConsoleBroker } from './console-broker.js';

/** Reads a CSV body (RFC 4180) into rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('audit trail in the console', function () {
  this.timeout(60000);
  let broker: ConsoleBroker;
  let auditor: string;

  before(async () => {
    broker = await consoleBroker('console_audit_test', { desktops: 1 });
    auditor = (await broker.signIn(anAuditor())).cookie;
    const trail = new AuditTrail(broker.pool);
    await trail.record({
      type: 'patient.record.read',
      outcome: 'success',
      actorId: 'nurse.sato',
      patientId: 'P-001',
    });
    await trail.record({
      type: 'patient.record.read',
      outcome: 'success',
      actorId: 'nurse.sato',
      patientId: 'P-002',
    });
    await trail.record({
      type: 'patient.item.update',
      outcome: 'success',
      actorId: 'dr.tanaka',
      patientId: 'P-001',
    });
    await trail.record({
      type: 'sign-in',
      outcome: 'failure',
      actorId: '=HYPERLINK("http://evil.example")',
      actorOrganisation: '新宿, "本院"',
    });
  });
  after(async () => {
    await broker?.close();
  });

  const search = (query: string) =>
    request(broker.app).get(`/admin/audit?${query}`).set('cookie', auditor).expect(200);
  // Searches are themselves recorded (with the patient searched for), so only the seeded kinds are counted.
  const rowsOn = (html: string): number =>
    (html.match(/<td>patient\.(record\.read|item\.update)<\/td>/g) ?? []).length;

  it('searches by user, by patient, and by time', async () => {
    assert.equal(rowsOn((await search('user=nurse.sato')).text), 2);
    assert.equal(rowsOn((await search('patient=P-001')).text), 2);
    assert.equal(rowsOn((await search('user=nurse.sato&patient=P-001')).text), 1);
    assert.equal(rowsOn((await search('patient=P-001&from=2000-01-01T00:00')).text), 2);
    const future = new Date(Date.now() + 86400000).toISOString().slice(0, 16);
    assert.equal(rowsOn((await search(`patient=P-001&from=${future}`)).text), 0);
    assert.equal(rowsOn((await search('user=nobody')).text), 0, 'a search that matches nothing (control)');
    assert.match((await search('user=nobody')).text, /該当する記録はありません/);
  });

  it('records each search, naming the patient searched for', async () => {
    await search('patient=P-002');
    const { rows } = await broker.pool.query(
      "SELECT actor_id, patient_id, details FROM audit_events WHERE type = 'audit-search' ORDER BY id DESC LIMIT 1",
    );
    assert.equal(rows[0].actor_id, anAuditor().id);
    assert.equal(rows[0].patient_id, 'P-002');
    assert.equal(rows[0].details.rows, 1);
  });

  it('refuses a malformed time', async () => {
    await request(broker.app).get('/admin/audit?from=yesterday').set('cookie', auditor).expect(400);
  });

  it('exports the search as CSV an auditor downloads, safe to open in a spreadsheet', async () => {
    const response = await request(broker.app)
      .get('/admin/audit.csv?type=sign-in')
      .set('cookie', auditor)
      .buffer(true)
      .parse((res, callback) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => callback(null, Buffer.concat(chunks).toString('utf8')));
      })
      .expect(200);
    assert.match(response.headers['content-type'] ?? '', /^text\/csv; charset=utf-8/);
    assert.match(
      response.headers['content-disposition'] ?? '',
      /^attachment; filename="?audit-[\dT-]+\.csv"?$/,
    );
    assert.equal(response.headers['cache-control'], 'no-store');
    const text = response.body as string;
    assert.ok(text.startsWith('\ufeff'), 'a byte-order mark, for spreadsheets reading Japanese');
    const [header, ...rows] = parseCsv(text.slice(1));
    assert.deepEqual(header?.slice(0, 4), ['id', 'occurred_at', 'type', 'outcome']);
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    assert.equal(row[4], `'=HYPERLINK("http://evil.example")`, 'a formula is defused');
    assert.equal(row[5], '新宿, "本院"', 'commas and quotes survive');
    assert.match(row[1]!, /^\d{4}-\d\d-\d\dT/);
    const { rows: exports } = await broker.pool.query(
      "SELECT details FROM audit_events WHERE type = 'audit-export' ORDER BY id DESC LIMIT 1",
    );
    assert.equal(exports[0].details.rows, 1, 'the export is itself audited');
  });

  it('guards only cells a spreadsheet would run (control)', () => {
    assert.equal(csvCell('nurse.sato'), 'nurse.sato');
    assert.equal(csvCell('-1'), "'-1");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell(null), '');
  });

  it('shows the chain as intact, then names the first row that was altered', async () => {
    const intact = await search('verify=1');
    assert.match(intact.text, /id="chain-status" class="ok">正常/);
    await broker.pool.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
    await broker.pool.query("UPDATE audit_events SET actor_id = 'someone.else' WHERE id = 2");
    await broker.pool.query('ALTER TABLE audit_events ENABLE TRIGGER USER');
    const broken = await search('verify=1');
    assert.match(broken.text, /id="chain-status" class="bad">異常：記録 2 で不整合/);
    const shown = await search('');
    assert.match(shown.text, /異常：記録 2/, 'the last verdict is shown without walking the trail again');
    const english = await search('lang=en');
    assert.match(english.text, /Broken: record 2/);
  });
});
