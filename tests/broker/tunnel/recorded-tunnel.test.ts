import assert from 'node:assert/strict';
import { readFileSync, renameSync } from 'node:fs';
import pg from 'pg';
import WebSocket from 'ws';
import { readRecording } from '#broker/recording/recording-file.js';
import { RECORDING_FAILED_MESSAGE } from '#broker/recording/session-recorder.js';
import { GuacamoleParser } from '#broker/tunnel/guacamole-protocol.js';
import type { WorkspaceStack } from '#scripts/stack/workspace-stack.js';
import { signInOverHttp, signOutOverHttp, type Cookies } from '#test-support/http-sign-in.js';
import { workspace } from '#test-support/workspace.js';

const CLIENT = { 'x-requested-with': 'hcw-client' };

interface Tunnel {
  socket: WebSocket;
  /** Everything the browser side received, in order. */
  received: string[];
  syncs(): number;
  closed: Promise<{ error?: readonly string[] }>;
}

/**
 * The tunnel records what it sends: a recorded connection's file, decrypted, is exactly the text the browser
 * received; and a connection whose recording cannot be kept is closed with a message saying so. Run against
 * the shared workspace's broker, with its pool's policy changed through the console and put back after.
 */
describe('a recorded tunnel', function () {
  this.timeout(180000);
  let stack: WorkspaceStack;
  let database: pg.Pool;
  let admin: Cookies;
  let user: Cookies;

  async function setRecording(recording: object): Promise<void> {
    const response = await fetch(`${stack.brokerUrl}/admin/api/pools/local/policy`, {
      method: 'POST',
      headers: { ...CLIENT, cookie: admin.header(), 'content-type': 'application/json' },
      body: JSON.stringify({ recording }),
    });
    assert.equal(response.status, 200, await response.text());
  }

  async function openTunnel(): Promise<Tunnel> {
    const response = await fetch(`${stack.brokerUrl}/api/desktop/connect`, {
      method: 'POST',
      headers: { ...CLIENT, cookie: user.header() },
    });
    assert.equal(response.status, 200, await response.clone().text());
    const { token } = (await response.json()) as { token: string };
    const socket = new WebSocket(
      `${stack.brokerUrl.replace('http:', 'ws:')}/tunnel?token=${encodeURIComponent(token)}&width=800&height=600`,
      { headers: { Origin: new URL(stack.brokerUrl).origin, Cookie: user.header() } },
    );
    const received: string[] = [];
    const parser = new GuacamoleParser();
    let syncs = 0;
    let error: readonly string[] | undefined;
    socket.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      received.push(text);
      for (const { opcode, args } of parser.receive(text)) {
        if (opcode === 'sync') syncs++;
        if (opcode === 'error') error = args;
      }
    });
    const closed = new Promise<{ error?: readonly string[] }>((resolve) =>
      socket.once('close', () => resolve({ error })),
    );
    return { socket, received, syncs: () => syncs, closed };
  }

  async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`timed out waiting for ${what}`);
  }

  before(async () => {
    stack = await workspace();
    database = new pg.Pool({ connectionString: stack.brokerDatabaseUrl, max: 2 });
    admin = (await signInOverHttp(stack.brokerUrl, 'admin.yamamoto')).cookies;
    await setRecording({ mode: 'everyone', roles: [], retentionDays: 1 });
    // A practitioner whose IdP asserts multi-factor, who goes on past the notice as the page's form does.
    user = (await signInOverHttp(stack.brokerUrl, 'dr.tanaka')).cookies;
    const notice = await fetch(`${stack.brokerUrl}/recording/notice`, {
      method: 'POST',
      headers: { cookie: user.header(), 'sec-fetch-site': 'same-origin' },
      redirect: 'manual',
    });
    assert.equal(notice.status, 303);
  });
  after(async () => {
    if (admin) await setRecording({ mode: 'off', roles: [] });
    if (user) await signOutOverHttp(stack.brokerUrl, user);
    if (admin) await signOutOverHttp(stack.brokerUrl, admin);
    await database?.end();
  });

  it('keeps exactly what the browser received, encrypted', async () => {
    const tunnel = await openTunnel();
    await until('the desktop to draw a few frames', () => tunnel.syncs() >= 3);
    tunnel.socket.close();
    await tunnel.closed;
    const { rows } = await database.query<{ id: string; state: string; plain_bytes: string }>(
      "SELECT id, state, plain_bytes FROM session_recordings WHERE user_id = 'dr.tanaka' ORDER BY started_at DESC LIMIT 1",
    );
    const id = rows[0]!.id;
    await until('the recording to be closed', async () => {
      const { rows: now } = await database.query('SELECT state FROM session_recordings WHERE id = $1', [id]);
      return now[0]?.state === 'complete';
    });
    const key = Buffer.from(readFileSync(stack.recordings.keyFile, 'utf8').trim(), 'base64');
    const parts: Buffer[] = [];
    await readRecording(`${stack.recordings.dir}/${id}.rec`, id, [key], (chunk) => void parts.push(chunk));
    const recorded = Buffer.concat(parts).toString('utf8');
    const received = tunnel.received.join('');
    assert.ok(received.includes('4.sync,'), 'the browser was sent frames');
    assert.equal(recorded, received, 'the recording is what the browser was sent, no more and no less');
  });

  it('closes a connection whose recording cannot be kept, telling the user why', async () => {
    const moved = `${stack.recordings.dir}-away`;
    renameSync(stack.recordings.dir, moved);
    try {
      const tunnel = await openTunnel();
      const { error } = await tunnel.closed;
      assert.ok(error, 'the browser was told');
      assert.equal(error[0], RECORDING_FAILED_MESSAGE);
      // The tunnel is closed first, then the failure is appended: the session does not wait on the trail.
      await until('the failure in the audit trail', async () => {
        const { rows } = await database.query(
          "SELECT details FROM audit_events WHERE type = 'recording-failure' AND actor_id = 'dr.tanaka'",
        );
        return rows.some((row: { details: { reason?: string } }) => row.details.reason === 'ENOENT');
      });
    } finally {
      renameSync(moved, stack.recordings.dir);
    }
    // Control: with the folder back, the same user's next connection is recorded and stays open.
    const again = await openTunnel();
    await until('frames', () => again.syncs() >= 2);
    again.socket.close();
    const { error } = await again.closed;
    assert.equal(error, undefined);
  });
});
