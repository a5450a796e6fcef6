import { inflateRawSync } from 'node:zlib';
import express, { type Request, type Response, type Router } from 'express';
import { SAML, type Profile } from '@node-saml/node-saml';
import { DOMParser } from '@xmldom/xmldom';
import type { RedisStore } from 'connect-redis';
import type { RedisClientType } from 'redis';
import { z } from 'zod';
import type { AuditTrail } from '@hcw/common';
import type { BrokerConfig } from '../config.js';
import { noticePage } from '../http/pages.js';
import { samlOptions } from './saml.js';
import { endSession } from './session.js';
import { clientAddress, userSessionKey } from './sign-in-flow.js';
import type { SignInLimits } from './rate-limits.js';
import type { SignedInUser } from './signed-in-user.js';
import { RSA_SHA256 } from './saml-logout-messages.js';

/**
 * SAML single logout, both ways, when the IdP offers it (SAML_IDP_SLO_URL):
 *
 * - signing out here ends our session, tunnel and lease first, then sends the browser to the IdP with a
 *   signed LogoutRequest, so the IdP's session (and the other services it signed in) end too;
 * - a LogoutRequest from the IdP, signed by it, ends the matching session here with its desktop, and is
 *   answered with a signed LogoutResponse.
 *
 * node-saml accepts a redirect-binding message without any signature, does not insist on InResponseTo in a
 * LogoutResponse nor on the Destination, and does not remember requests it has seen; those checks are here.
 */

const SIGNATURE_ALGORITHMS = [RSA_SHA256, 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512'];
const PROTOCOL_NS = 'urn:oasis:names:tc:SAML:2.0:protocol';

const RedirectQuery = z
  .object({
    SAMLRequest: z
      .string()
      .max(16 * 1024)
      .optional(),
    SAMLResponse: z
      .string()
      .max(16 * 1024)
      .optional(),
    RelayState: z.string().max(80).optional(),
    SigAlg: z.string().max(200).optional(),
    Signature: z.string().max(2048).optional(),
  })
  .strict();

const PostBody = z
  .object({ SAMLRequest: z.string().max(64 * 1024), RelayState: z.string().max(80).optional() })
  .strict();

export class LogoutRefused extends Error {}

type Incoming =
  | { kind: 'response' }
  | {
      kind: 'request';
      profile: Profile;
      nameId: string;
      sessionIndex: string | undefined;
      relayState?: string;
    };

export interface SingleLogoutDeps {
  config: BrokerConfig;
  redis: RedisClientType;
  sessionStore: RedisStore;
  audit: AuditTrail;
  limits: SignInLimits;
  desktops: { release(userId: string): Promise<unknown> };
  log(line: string): void;
}

export class SingleLogout {
  private readonly saml: SAML | undefined;

  constructor(private readonly deps: SingleLogoutDeps) {
    this.saml = deps.config.saml.idpSloUrl ? new SAML(samlOptions(deps.config, deps.redis)) : undefined;
  }

  get enabled(): boolean {
    return this.saml !== undefined;
  }

  /**
   * Where to send a browser whose session has just ended here, so the IdP ends its own: undefined when single
   * logout is off, the sign-in carried no SAML session, or the request cannot be made (the local sign-out
   * stands either way).
   */
  async requestUrl(user: SignedInUser): Promise<string | undefined> {
    if (!this.saml || !user.samlSession) return undefined;
    try {
      return await this.saml.getLogoutUrlAsync(
        {
          issuer: this.deps.config.saml.idpEntityId,
          nameID: user.id,
          nameIDFormat: user.samlSession.nameIdFormat,
          sessionIndex: user.samlSession.sessionIndex,
        },
        '',
        {},
      );
    } catch (error) {
      this.deps.log(`single logout request not made: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** Reads and checks a logout message from the IdP; throws LogoutRefused with the reason. */
  async read(req: Request): Promise<Incoming> {
    const saml = this.saml;
    if (!saml) throw new LogoutRefused('single logout is not configured');
    if (req.method === 'GET') {
      const query = RedirectQuery.safeParse(req.query);
      if (!query.success) throw new LogoutRefused('unexpected or malformed parameters');
      const q = query.data;
      if (Boolean(q.SAMLRequest) === Boolean(q.SAMLResponse)) {
        throw new LogoutRefused('exactly one of SAMLRequest and SAMLResponse is expected');
      }
      if (!q.Signature || !q.SigAlg) throw new LogoutRefused('unsigned logout message');
      if (!SIGNATURE_ALGORITHMS.includes(q.SigAlg))
        throw new LogoutRefused('signature algorithm not accepted');
      const xml = inflate(q.SAMLRequest ?? q.SAMLResponse ?? '');
      const root = this.checkEnvelope(xml, q.SAMLRequest ? 'LogoutRequest' : 'LogoutResponse');
      const rawQuery = req.originalUrl.slice(req.originalUrl.indexOf('?') + 1);
      const result = await saml
        .validateRedirectAsync(q as Record<string, string>, rawQuery)
        .catch((error) => {
          throw new LogoutRefused(`not valid: ${(error as Error).message}`);
        });
      if (!result.profile) return { kind: 'response' };
      return this.request(result.profile, root, q.RelayState);
    }
    const body = PostBody.safeParse(req.body);
    if (!body.success) throw new LogoutRefused('unexpected or malformed form fields');
    const xml = Buffer.from(body.data.SAMLRequest, 'base64').toString('utf8');
    const root = this.checkEnvelope(xml, 'LogoutRequest');
    const result = await saml
      .validatePostRequestAsync({ SAMLRequest: body.data.SAMLRequest })
      .catch((error) => {
        throw new LogoutRefused(`not valid: ${(error as Error).message}`);
      });
    if (!result.profile) throw new LogoutRefused('no logout request');
    return this.request(result.profile, root, body.data.RelayState);
  }

  /** The signed LogoutResponse that tells the IdP this broker has ended the session. */
  async responseUrl(profile: Profile, relayState: string | undefined): Promise<string> {
    return this.saml!.getLogoutResponseUrlAsync(profile, relayState ?? '', {}, true);
  }

  /**
   * Ends the session the IdP named: the one current sign-in of that user, when its SessionIndex matches (or
   * the request names none, meaning every session of the user). Returns whether a session ended.
   */
  async endNamedSession(req: Request, nameId: string, sessionIndex: string | undefined): Promise<boolean> {
    const { redis, sessionStore, desktops, audit } = this.deps;
    const sessionId = await redis.get(userSessionKey(nameId));
    const data = sessionId
      ? await new Promise<{ user?: SignedInUser } | null | undefined>((resolve) =>
          sessionStore.get(sessionId, (error, sess) => resolve(error ? undefined : sess)),
        )
      : undefined;
    const user = data?.user;
    const matches = user && (!sessionIndex || user.samlSession?.sessionIndex === sessionIndex);
    if (!sessionId || !user || !matches) {
      await audit.record({
        type: 'single-logout',
        outcome: 'success',
        actorId: nameId,
        clientAddress: clientAddress(req),
        details: { initiatedBy: 'idp', sessionsEnded: 0 },
      });
      return false;
    }
    await endSession(redis, sessionStore, sessionId, 'signed-out-at-idp');
    await desktops.release(user.id);
    await audit.record({
      type: 'session-end',
      outcome: 'success',
      actorId: user.id,
      actorOrganisation: user.organisation,
      clientAddress: clientAddress(req),
      details: { reason: 'single logout from the IdP', initiatedBy: 'idp', sessionsEnded: 1 },
    });
    return true;
  }

  /** The root element of a logout message, with what node-saml leaves unchecked checked. */
  private checkEnvelope(xml: string, expected: 'LogoutRequest' | 'LogoutResponse'): Element {
    let root: Element | null = null;
    try {
      root = new DOMParser().parseFromString(xml, 'text/xml').documentElement;
    } catch {
      root = null;
    }
    if (!root || root.localName !== expected || root.namespaceURI !== PROTOCOL_NS) {
      throw new LogoutRefused(`not a ${expected}`);
    }
    if (root.getAttribute('Destination') !== this.deps.config.saml.sloUrl) {
      throw new LogoutRefused('logout message addressed to another destination');
    }
    if (expected === 'LogoutResponse' && !root.getAttribute('InResponseTo')) {
      throw new LogoutRefused('logout response without InResponseTo');
    }
    return root;
  }

  private async request(profile: Profile, root: Element, relayState: string | undefined): Promise<Incoming> {
    const { config, redis } = this.deps;
    const issued = Date.parse(root.getAttribute('IssueInstant') ?? '');
    const maxAgeMs = 10 * 60 * 1000;
    if (
      Number.isNaN(issued) ||
      issued > Date.now() + config.saml.clockSkewMs ||
      issued < Date.now() - maxAgeMs - config.saml.clockSkewMs
    ) {
      throw new LogoutRefused('logout request issued outside the accepted window');
    }
    const id = z.string().min(1).max(200).safeParse(profile.ID);
    if (!id.success) throw new LogoutRefused('logout request without a usable ID');
    const ttlSeconds = Math.ceil((maxAgeMs + 2 * config.saml.clockSkewMs) / 1000);
    const firstUse = await redis.set(`saml:logout-request:${id.data}`, '1', { NX: true, EX: ttlSeconds });
    if (firstUse !== 'OK') throw new LogoutRefused('logout request already used (replay)');
    const nameId = z.string().min(1).max(200).safeParse(profile.nameID);
    if (!nameId.success) throw new LogoutRefused('logout request without a usable NameID');
    return {
      kind: 'request',
      profile,
      nameId: nameId.data,
      sessionIndex: typeof profile.sessionIndex === 'string' ? profile.sessionIndex : undefined,
      relayState,
    };
  }
}

function inflate(encoded: string): string {
  try {
    return inflateRawSync(Buffer.from(encoded, 'base64'), { maxOutputLength: 64 * 1024 }).toString('utf8');
  } catch {
    throw new LogoutRefused('the message cannot be decoded');
  }
}

export function singleLogoutRoutes(logout: SingleLogout, deps: SingleLogoutDeps): Router {
  const router = express.Router();
  const handle = async (req: Request, res: Response) => {
    const address = clientAddress(req);
    const verdict = await deps.limits.check(address);
    if (verdict.blocked) {
      res
        .status(429)
        .set('Retry-After', String(verdict.retryAfterSeconds))
        .type('html')
        .send(noticePage('しばらくお待ちください', '要求が続いたため、一時的に受け付けを停止しています。'));
      return;
    }
    let incoming: Incoming;
    try {
      incoming = await logout.read(req);
    } catch (error) {
      const reason = error instanceof LogoutRefused ? error.message : 'the message could not be read';
      deps.log(`single logout refused: ${reason}`);
      await deps.limits.fail(address);
      await deps.audit.record({
        type: 'single-logout',
        outcome: 'failure',
        clientAddress: address,
        details: { reason: reason.slice(0, 300) },
      });
      res
        .status(400)
        .type('html')
        .send(
          noticePage(
            'サインアウト要求を受け付けられません',
            'サインアウトの要求を確認できませんでした。このサービスのセッションは変わっていません。ご自身でサインアウトする場合は、ワークスペースの「サインアウト」を押してください。',
            { href: '/', text: 'ワークスペースへ' },
          ),
        );
      return;
    }
    if (incoming.kind === 'response') {
      res.redirect(303, '/signed-out');
      return;
    }
    await logout.endNamedSession(req, incoming.nameId, incoming.sessionIndex);
    res.redirect(303, await logout.responseUrl(incoming.profile, incoming.relayState));
  };
  router.get('/auth/saml/slo', (req, res, next) => {
    handle(req, res).catch(next);
  });
  router.post('/auth/saml/slo', express.urlencoded({ extended: false, limit: '96kb' }), (req, res, next) => {
    handle(req, res).catch(next);
  });
  return router;
}
