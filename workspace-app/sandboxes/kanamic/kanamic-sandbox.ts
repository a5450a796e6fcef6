import { tokyoIsoString } from '@hcw/common';
import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { cycle, demoCareTeams, demoMessages, demoStaff } from '../demo-care-teams.js';
import type { Sandbox } from '../start-sandbox.js';
import { createVendorOutage, type OutageMode } from '../vendor-outage.js';
import { renderVendorPage } from '../vendor-web-page.js';

/**
 * A stand-in for Kanamic's collaboration system as a REST API: an OAuth2 client-credentials token
 * endpoint, and messages (with bodies) paged by an opaque cursor in the order the server stored them.
 * A partner system may also post to a group's message board (`POST /api/v2/groups/{group_id}/messages`)
 * with an `Idempotency-Key`, as payment and messaging APIs take one: the same key with the same request
 * answers the message it created (200) instead of creating another, the same key with a different request
 * is refused (422). A posted message is stored like any other, so it is in the message list the next page.
 */
export interface KanamicSandboxOptions {
  clientId: string;
  clientSecret: string;
  tokenTtlSeconds?: number;
  now?: () => Date;
  seed?: boolean;
}

export interface KanamicMessageInput {
  groupId: string;
  groupName: string;
  staffName: string;
  occupation: string;
  officeName?: string;
  subject?: string;
  text: string;
  createdAt?: Date;
}

export interface KanamicSandbox extends Sandbox {
  addMessage(input: KanamicMessageInput): string;
  /** A group partners may post to; `addMessage` and the seed make their groups known too. */
  addGroup(groupId: string, groupName: string): void;
  /** Serves `raw` as the next message, exactly as given: how a vendor bug reaches the connector. */
  addRawMessage(raw: unknown): void;
  /** Every token issued so far stops working, as at the end of its lifetime. */
  expireTokens(): void;
  takeDown(mode?: OutageMode): void;
  bringUp(): void;
  failNext(count: number, status?: number): void;
  readonly tokensIssued: number;
  /** Authorised message requests answered so far (401s excluded). */
  readonly pagesServed: number;
  /** The next `count` posts are stored, then the connection is dropped before the answer: a lost answer. */
  dropAnswersAfterStoring(count: number): void;
}

const PAGE_LIMIT_MAX = 100;

/** What a partner posts to a group's board, in the names the message list uses. */
const postedMessage = z.object({
  text: z
    .string()
    .max(10_000)
    .refine((text) => text.trim() !== '', 'must not be empty'),
  sender: z.object({
    staff_name: z.string().trim().min(1).max(100),
    occupation: z.string().trim().min(1).max(100),
    // A partner says which office its member works for; Kanamic's own users may leave it out.
    office_name: z.string().trim().min(1).max(200),
  }),
  subject: z.string().trim().min(1).max(300).optional(),
  /** When it was written in the partner's system; the board shows it as the message's time. */
  posted_at: z.string().datetime({ offset: true }),
});

/** Printable ASCII, as the IETF draft on the Idempotency-Key header and the common APIs take it. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export function createKanamicSandbox(options: KanamicSandboxOptions): KanamicSandbox {
  const now = options.now ?? (() => new Date());
  const ttlSeconds = options.tokenTtlSeconds ?? 3_600;
  const outage = createVendorOutage();
  const tokens = new Map<string, number>();
  const bodies = new Map<string, { input: KanamicMessageInput; createdAt: Date }>();
  const groups = new Map<string, string>();
  /** Each key a partner used, with what it asked (group and body) and the message that came of it. */
  const idempotencyKeys = new Map<string, { request: string; messageId: string }>();
  let baseUrl = 'http://127.0.0.1';
  let tokensIssued = 0;
  let pagesServed = 0;
  let dropsLeft = 0;

  // Items are built when served so that `web_url` follows the address the sandbox ended up on.
  const stored: Array<{ kind: 'message'; id: string } | { kind: 'raw'; raw: unknown }> = [];

  const serve = (entry: (typeof stored)[number]): unknown => {
    if (entry.kind === 'raw') return entry.raw;
    const message = bodies.get(entry.id);
    if (!message) return undefined;
    const { input, createdAt } = message;
    return {
      message_id: entry.id,
      group: { group_id: input.groupId, group_name: input.groupName },
      sender: {
        staff_name: input.staffName,
        occupation: input.occupation,
        ...(input.officeName ? { office_name: input.officeName } : {}),
      },
      ...(input.subject ? { subject: input.subject } : {}),
      text: input.text,
      created_at: tokyoIsoString(createdAt),
      web_url: `${baseUrl}/web/groups/${encodeURIComponent(input.groupId)}/messages/${encodeURIComponent(entry.id)}`,
    };
  };

  const addMessage = (input: KanamicMessageInput): string => {
    const id = `KNM${String(stored.length + 1).padStart(8, '0')}`;
    bodies.set(id, { input, createdAt: input.createdAt ?? now() });
    stored.push({ kind: 'message', id });
    if (!groups.has(input.groupId)) groups.set(input.groupId, input.groupName);
    return id;
  };

  const oauthError = (response: Response, status: number, error: string) => {
    response.status(status).set('cache-control', 'no-store').json({ error });
  };

  const clientCredentials = (request: Request): { id: string; secret: string } | undefined => {
    const header = request.get('authorization');
    if (header?.startsWith('Basic ')) {
      const [id, secret] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
      return id !== undefined && secret !== undefined
        ? { id: decodeURIComponent(id), secret: decodeURIComponent(secret) }
        : undefined;
    }
    const body: unknown = request.body;
    if (body && typeof body === 'object' && 'client_id' in body && 'client_secret' in body) {
      const { client_id: id, client_secret: secret } = body;
      if (typeof id === 'string' && typeof secret === 'string') return { id, secret };
    }
    return undefined;
  };

  const isAuthorised = (request: Request): boolean => {
    const header = request.get('authorization');
    if (!header?.startsWith('Bearer ')) return false;
    const expiresAt = tokens.get(header.slice(7));
    return expiresAt !== undefined && expiresAt > now().getTime();
  };

  const invalidToken = (response: Response) => {
    response
      .set('www-authenticate', 'Bearer error="invalid_token"')
      .status(401)
      .json({ error: 'invalid_token' });
  };

  const refuse = (response: Response, status: number, error: string, message: string) => {
    response.status(status).json({ error, message });
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(outage.middleware);

  app.post('/oauth/token', express.urlencoded({ extended: false, limit: '4kb' }), (request, response) => {
    const body: unknown = request.body;
    const grantType = body && typeof body === 'object' && 'grant_type' in body ? body.grant_type : undefined;
    if (grantType !== 'client_credentials') return oauthError(response, 400, 'unsupported_grant_type');
    const client = clientCredentials(request);
    if (!client || client.id !== options.clientId || client.secret !== options.clientSecret) {
      return oauthError(response, 401, 'invalid_client');
    }
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, now().getTime() + ttlSeconds * 1000);
    tokensIssued++;
    response.set('cache-control', 'no-store').json({
      access_token: token,
      token_type: 'Bearer',
      expires_in: ttlSeconds,
      scope: 'messages.read messages.write',
    });
  });

  app.get('/api/v2/status', (_request, response) => {
    response.json({ status: 'ok' });
  });

  app.get('/api/v2/messages', (request, response) => {
    if (!isAuthorised(request)) return invalidToken(response);
    const after = readCursor(request.query.cursor);
    const limit = Number(request.query.limit ?? 50);
    if (after === undefined || !Number.isInteger(limit) || limit < 1 || limit > PAGE_LIMIT_MAX) {
      response.status(400).json({ error: 'invalid_request' });
      return;
    }
    pagesServed++;
    const page = stored.slice(after, after + limit);
    const last = after + page.length;
    response.json({
      messages: page.map(serve),
      next_cursor: writeCursor(last),
      has_more: last < stored.length,
    });
  });

  app.post(
    '/api/v2/groups/:groupId/messages',
    express.json({ limit: '64kb' }),
    (request: Request<{ groupId: string }>, response: Response) => {
      if (!isAuthorised(request)) return invalidToken(response);
      const key = request.get('idempotency-key');
      if (key === undefined || !IDEMPOTENCY_KEY.test(key)) {
        return refuse(
          response,
          400,
          'invalid_request',
          'Idempotency-Key header is required: 1 to 255 printable ASCII characters, one per message',
        );
      }
      if (typeof request.body !== 'object' || request.body === null) {
        return refuse(
          response,
          400,
          'invalid_request',
          'the body must be a JSON object (Content-Type: application/json)',
        );
      }
      const parsed = postedMessage.safeParse(request.body);
      if (!parsed.success) {
        const problems = parsed.error.issues.map(
          (issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`,
        );
        return refuse(response, 400, 'invalid_request', problems.join('; '));
      }
      const { groupId } = request.params;
      // The key is compared with the whole request, so a key sent again by mistake with another message
      // is refused rather than answered with a message the partner did not mean.
      const asked = JSON.stringify([groupId, parsed.data]);
      const earlier = idempotencyKeys.get(key);
      if (earlier) {
        if (earlier.request !== asked) {
          return refuse(
            response,
            422,
            'idempotency_key_reused',
            'this Idempotency-Key was used for a different message; use a new key for a new message',
          );
        }
        response
          .status(200)
          .set('idempotent-replayed', 'true')
          .json(serve({ kind: 'message', id: earlier.messageId }));
        return;
      }
      const groupName = groups.get(groupId);
      if (groupName === undefined) {
        return refuse(response, 404, 'group_not_found', `no group ${groupId} that this client may post to`);
      }
      const { text, sender, subject, posted_at: postedAt } = parsed.data;
      const messageId = addMessage({
        groupId,
        groupName,
        staffName: sender.staff_name,
        occupation: sender.occupation,
        officeName: sender.office_name,
        ...(subject ? { subject } : {}),
        text,
        createdAt: new Date(postedAt),
      });
      idempotencyKeys.set(key, { request: asked, messageId });
      if (dropsLeft > 0) {
        dropsLeft -= 1;
        request.socket.destroy();
        return;
      }
      response.status(201).json(serve({ kind: 'message', id: messageId }));
    },
  );

  app.get('/web/groups/:groupId/messages/:messageId', (request, response) => {
    const message = bodies.get(request.params.messageId);
    if (!message || message.input.groupId !== request.params.groupId) {
      response
        .status(404)
        .type('html')
        .send(renderVendorPage({ vendorName: 'カナミック', title: 'メッセージが見つかりません' }));
      return;
    }
    const { input, createdAt } = message;
    response.type('html').send(
      renderVendorPage({
        vendorName: 'カナミック',
        title: input.subject ?? input.groupName,
        facts: [
          ['グループ', input.groupName],
          ['投稿者', `${input.staffName}（${input.occupation}）`],
          ['日時', tokyoIsoString(createdAt)],
        ],
        body: input.text,
      }),
    );
  });

  // A body that is not JSON ends here rather than in Express's HTML error page.
  app.use((error: Error & { type?: string }, _request: Request, response: Response, next: NextFunction) => {
    if (error.type === 'entity.parse.failed') {
      return refuse(response, 400, 'invalid_request', 'the body is not JSON');
    }
    if (error.type === 'entity.too.large') {
      return refuse(response, 413, 'request_too_large', 'the body is larger than 64 KB');
    }
    next(error);
  });

  if (options.seed) {
    for (const team of demoCareTeams) groups.set(team.groupId, team.groupName);
    demoMessages.forEach((text, index) => {
      const team = cycle(demoCareTeams, index + 1);
      const staff = cycle(demoStaff, index + 2);
      addMessage({
        groupId: team.groupId,
        groupName: team.groupName,
        staffName: staff.name,
        occupation: staff.role,
        text,
      });
    });
  }

  return {
    app,
    useBaseUrl(url) {
      baseUrl = url;
    },
    addMessage,
    addGroup(groupId, groupName) {
      groups.set(groupId, groupName);
    },
    addRawMessage(raw) {
      stored.push({ kind: 'raw', raw });
    },
    expireTokens() {
      for (const token of tokens.keys()) tokens.set(token, 0);
    },
    takeDown: (mode) => outage.takeDown(mode),
    bringUp: () => outage.bringUp(),
    failNext: (count, status) => outage.failNext(count, status),
    get tokensIssued() {
      return tokensIssued;
    },
    get pagesServed() {
      return pagesServed;
    },
    dropAnswersAfterStoring(count) {
      dropsLeft = count;
    },
  };
}

// Kanamic-style opaque cursors: base64url of the position, so clients cannot build their own.
function writeCursor(position: number): string {
  return Buffer.from(JSON.stringify({ p: position }), 'utf8').toString('base64url');
}

function readCursor(cursor: unknown): number | undefined {
  if (cursor === undefined) return 0;
  if (typeof cursor !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (parsed && typeof parsed === 'object' && 'p' in parsed && Number.isInteger(parsed.p)) {
      const position = Number(parsed.p);
      return position >= 0 ? position : undefined;
    }
  } catch {
    // Not a cursor this server wrote.
  }
  return undefined;
}
