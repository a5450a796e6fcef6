import { tokyoIsoString } from '@hcw/common';
import { createHmac, randomUUID } from 'node:crypto';
import express from 'express';
import { cycle, demoCareTeams, demoMessages, demoStaff } from '../demo-care-teams.js';
import type { Sandbox } from '../start-sandbox.js';
import { createVendorOutage, type OutageMode } from '../vendor-outage.js';
import { renderVendorPage } from '../vendor-web-page.js';

/**
 * A stand-in for MCS (Medical Care Station): practitioners post in a patient's group; for each post MCS
 * pushes a metadata-only notification (group, author's role, time, unread count, deep link; no body) to a
 * webhook, signed with HMAC-SHA256 over `<unix seconds>.<body>` under a shared secret.
 */
export interface McsSandboxOptions {
  secret: string;
  /** The MCS account the notifications are addressed to (the practitioner's account). */
  accountId?: string;
  webhookUrl?: string;
  deliveryTimeoutMs?: number;
  now?: () => Date;
  /** Fill the web app with a few demo posts; their notifications wait for `flushQueue`. */
  seed?: boolean;
}

export interface McsPostInput {
  groupId: string;
  groupName: string;
  authorRole: string;
  authorName?: string;
  body: string;
  postedAt?: Date;
}

export interface McsDelivery {
  notificationId: string;
  /** The webhook's HTTP status, `failed` when it could not be reached, `queued` while MCS is down. */
  outcome: number | 'failed' | 'queued';
}

export interface McsSandbox extends Sandbox {
  setWebhookUrl(url: string): void;
  /** Posts a message and pushes its notification. */
  postMessage(input: McsPostInput): Promise<McsDelivery>;
  /** Sends a notification again with a fresh timestamp, as MCS does after a failed delivery. */
  redeliver(notificationId: string): Promise<McsDelivery>;
  /** Pushes arbitrary bytes, signed with `signWith` (the real secret unless given) at `timestamp`. */
  deliverRaw(
    body: Uint8Array | string,
    options?: { signWith?: string; timestamp?: Date; unsigned?: boolean },
  ): Promise<McsDelivery>;
  /** Down: the status endpoint and web app stop answering and notifications queue up. */
  takeDown(mode?: OutageMode): void;
  /** Up again: queued notifications are pushed. */
  bringUp(): Promise<McsDelivery[]>;
  /** Pushes the notifications waiting for a webhook or for MCS to come back. */
  flushQueue(): Promise<McsDelivery[]>;
  readonly deliveries: readonly McsDelivery[];
}

interface Signature {
  /** Unsigned when undefined. */
  secret: string | undefined;
  at?: Date | undefined;
}

interface McsPost {
  id: string;
  groupId: string;
  groupName: string;
  authorRole: string;
  authorName: string | undefined;
  body: string;
  postedAt: Date;
}

export function createMcsSandbox(options: McsSandboxOptions): McsSandbox {
  const now = options.now ?? (() => new Date());
  const accountId = options.accountId ?? 'mcs-account-0001';
  const outage = createVendorOutage();
  const posts = new Map<string, McsPost>();
  const unread = new Map<string, number>();
  const notifications = new Map<string, Buffer>();
  const queue: Array<{ notificationId: string; signature: Signature }> = [];
  const unannounced: McsPost[] = [];
  const deliveries: McsDelivery[] = [];
  let baseUrl = 'http://127.0.0.1';
  let webhookUrl = options.webhookUrl;
  let nextPost = 1;

  const addPost = (input: McsPostInput): McsPost => {
    const post: McsPost = {
      id: `msg-${String(nextPost++).padStart(6, '0')}`,
      groupId: input.groupId,
      groupName: input.groupName,
      authorRole: input.authorRole,
      authorName: input.authorName,
      body: input.body,
      postedAt: input.postedAt ?? now(),
    };
    posts.set(post.id, post);
    unread.set(post.groupId, (unread.get(post.groupId) ?? 0) + 1);
    return post;
  };

  const send = async (notificationId: string, body: Buffer, signature: Signature) => {
    const record = (outcome: McsDelivery['outcome']): McsDelivery => {
      const delivery = { notificationId, outcome };
      deliveries.push(delivery);
      return delivery;
    };
    if (outage.isDown || webhookUrl === undefined) {
      queue.push({ notificationId, signature });
      return record('queued');
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'MCS-Webhook/1.0 (sandbox)',
      'x-mcs-delivery': randomUUID(),
    };
    if (signature.secret !== undefined) {
      const timestamp = String(Math.floor((signature.at ?? now()).getTime() / 1000));
      const mac = createHmac('sha256', signature.secret).update(`${timestamp}.`).update(body).digest('hex');
      headers['x-mcs-timestamp'] = timestamp;
      headers['x-mcs-signature'] = `sha256=${mac}`;
    }
    try {
      const response = await fetch(webhookUrl, {
        method: 'POST',
        headers,
        body: new Uint8Array(body),
        signal: AbortSignal.timeout(options.deliveryTimeoutMs ?? 5_000),
      });
      await response.arrayBuffer();
      return record(response.status);
    } catch {
      return record('failed');
    }
  };

  const prepare = (post: McsPost): { notificationId: string; body: Buffer } => {
    const notificationId = `ntf-${randomUUID()}`;
    const payload = {
      type: 'message.created',
      notificationId,
      messageId: post.id,
      accountId,
      group: { id: post.groupId, name: post.groupName },
      author: { role: post.authorRole },
      postedAt: tokyoIsoString(post.postedAt),
      unreadCount: unread.get(post.groupId) ?? 0,
      url: deepLink(post),
    };
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    notifications.set(notificationId, body);
    return { notificationId, body };
  };

  const notify = (post: McsPost): Promise<McsDelivery> => {
    const { notificationId, body } = prepare(post);
    return send(notificationId, body, { secret: options.secret });
  };

  const flushQueue = async (): Promise<McsDelivery[]> => {
    // Seeded posts get their notifications only now, so their deep links carry the address served at.
    for (const post of unannounced.splice(0)) {
      queue.push({ notificationId: prepare(post).notificationId, signature: { secret: options.secret } });
    }
    const waiting = queue.splice(0);
    const sent: McsDelivery[] = [];
    for (const { notificationId, signature } of waiting) {
      const body = notifications.get(notificationId);
      if (body) sent.push(await send(notificationId, body, signature));
    }
    return sent;
  };

  const deepLink = (post: McsPost) =>
    `${baseUrl}/groups/${encodeURIComponent(post.groupId)}/messages/${encodeURIComponent(post.id)}`;

  const app = express();
  app.disable('x-powered-by');
  app.use(outage.middleware);
  app.get('/api/v1/status', (_request, response) => {
    response.json({ status: 'ok' });
  });
  app.get('/groups/:groupId/messages/:messageId', (request, response) => {
    const post = posts.get(request.params.messageId);
    if (!post || post.groupId !== request.params.groupId) {
      response
        .status(404)
        .type('html')
        .send(renderVendorPage({ vendorName: 'MCS', title: '投稿が見つかりません' }));
      return;
    }
    // Opening the post is what reads it in MCS.
    unread.set(post.groupId, 0);
    response.type('html').send(
      renderVendorPage({
        vendorName: 'MCS',
        title: post.groupName,
        facts: [
          ['投稿者', post.authorName ? `${post.authorName}（${post.authorRole}）` : post.authorRole],
          ['投稿日時', tokyoIsoString(post.postedAt)],
        ],
        body: post.body,
      }),
    );
  });
  app.get('/', (_request, response) => {
    const facts = [...posts.values()].map((post) => [post.groupName, post.body.slice(0, 30)] as const);
    response.type('html').send(renderVendorPage({ vendorName: 'MCS', title: 'タイムライン', facts }));
  });

  if (options.seed) {
    demoMessages.forEach((body, index) => {
      const team = cycle(demoCareTeams, index);
      const staff = cycle(demoStaff, index);
      unannounced.push(
        addPost({
          groupId: team.groupId,
          groupName: team.groupName,
          authorRole: staff.role,
          authorName: staff.name,
          body,
        }),
      );
    });
  }

  return {
    app,
    useBaseUrl(url) {
      baseUrl = url;
    },
    setWebhookUrl(url) {
      webhookUrl = url;
    },
    postMessage(input) {
      return notify(addPost(input));
    },
    redeliver(notificationId) {
      const body = notifications.get(notificationId);
      if (!body) throw new Error(`no notification ${notificationId}`);
      return send(notificationId, body, { secret: options.secret });
    },
    deliverRaw(body, rawOptions = {}) {
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
      const notificationId = `raw-${randomUUID()}`;
      notifications.set(notificationId, bytes);
      const secret = rawOptions.unsigned ? undefined : (rawOptions.signWith ?? options.secret);
      return send(notificationId, bytes, { secret, at: rawOptions.timestamp });
    },
    takeDown(mode) {
      outage.takeDown(mode);
    },
    bringUp() {
      outage.bringUp();
      return flushQueue();
    },
    flushQueue,
    deliveries,
  };
}
