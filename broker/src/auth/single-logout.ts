import { inflateRawSync } from 'node:zlib';
import express, { type Request, type Response, type Router } from 'express';
import { SAML, ValidateInResponseTo, type Profile } from '@node-saml/node-saml';
import { DOMParser } from '@xmldom/xmldom';
import type { RedisStore } from 'connect-redis';
import type { RedisClientType } from 'redis';
import { z } from 'zod';
import type { AuditTrail } from '@hcw/common';
import type { BrokerConfig } from '../config.js';
import { bilingualNoticePage } from '../http/pages.js';
import { samlOptions, samlSubjectKey } from './saml.js';
import { endSession } from './session.js';
import { userSessionKey } from './sign-in-flow.js';
import { clientAddress } from '../http/client-address.js';
import type { LogoutRefusals } from './rate-limits.js';
import type { SignedInUser } from './signed-in-user.js';
import { RSA_SHA256 } from './saml-logout-messages.js';
import { auditActor } from '../audit/audit-actor.js';

/**
 * SAML single logout, both ways, when the IdP offers it (SAML_IDP_SLO_URL):
 *
 * - signing out here ends our session, tunnel and lease first, then sends the browser to the IdP with a
 *   signed LogoutRequest, so the IdP's session (and the other services it signed in) end too;
 * - a LogoutRequest from the IdP, signed by it, ends the matching session here with its desktop, and is
 *   answered with a signed LogoutResponse.
 *
 * Both arrive by either binding: HTTP-Redirect (query signature) or HTTP-POST (enveloped signature), the one
 * the metadata advertises and the one an IdP that follows it uses. node-saml accepts a redirect-binding
 * message without any signature, checks neither InResponseTo nor Issuer of a LogoutResponse by POST, checks
 * no Destination and remembers no message it has seen; those checks are here, the same for both bindings.
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
  .object({
    SAMLRequest: z
      .string()
      .max(64 * 1024)
      .optional(),
    SAMLResponse: z
      .string()
      .max(64 * 1024)
      .optional(),
    RelayState: z.string().max(80).optional(),
  })
  .strict();

/** How long a logout message counts as fresh after its IssueInstant (besides the clock skew). */
const MESSAGE_MAX_AGE_MS = 10 * 60 * 1000;

export class LogoutRefused extends Error {}

/** A logout request this broker sent and whose answer it still waits for. */
const sentRequestKey = (id: string) => `saml:logout-sent:${id}`;

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
  refusals: LogoutRefusals;
  desktops: { release(userId: string): Promise<unknown> };
  log(line: string): void;
}

export class SingleLogout {
  private readonly saml: SAML | undefined;
  /**
   * Checks only the signature of a LogoutResponse by POST: node-saml looks for InResponseTo on a sign-in
   * Response there and finds none on a LogoutResponse. Which request it answers is checked here instead.
   */
  private readonly postedResponses: SAML | undefined;

  constructor(private readonly deps: SingleLogoutDeps) {
    const options = samlOptions(deps.config, deps.redis);
    this.saml = deps.config.saml.idpSloUrl ? new SAML(options) : undefined;
    this.postedResponses = deps.config.saml.idpSloUrl
      ? new SAML({ ...options, validateInResponseTo: ValidateInResponseTo.never })
      : undefined;
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
    const subject = user.samlSession;
    if (!this.saml || !subject) return undefined;
    try {
      // The NameID exactly as the IdP asserted it (a transient one too, when an attribute names the user).
      const url = await this.saml.getLogoutUrlAsync(
        {
          issuer: this.deps.config.saml.idpEntityId,
          nameID: subject.nameId ?? user.id,
          nameIDFormat: subject.nameIdFormat,
          nameQualifier: subject.nameQualifier,
          spNameQualifier: subject.spNameQualifier,
          sessionIndex: subject.sessionIndex,
        },
        '',
        {},
      );
      const id = messageId(new URL(url).searchParams.get('SAMLRequest') ?? '');
      const ttlSeconds = Math.ceil((MESSAGE_MAX_AGE_MS + 2 * this.deps.config.saml.clockSkewMs) / 1000);
      await this.deps.redis.set(sentRequestKey(id), '1', { EX: ttlSeconds });
      return url;
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
      if (q.SAMLResponse) return this.response(root);
      if (!result.profile) throw new LogoutRefused('no logout request');
      return this.request(result.profile, root, q.RelayState);
    }
    const body = PostBody.safeParse(req.body);
    if (!body.success) throw new LogoutRefused('unexpected or malformed form fields');
    const { SAMLRequest, SAMLResponse, RelayState } = body.data;
    if (Boolean(SAMLRequest) === Boolean(SAMLResponse)) {
      throw new LogoutRefused('exactly one of SAMLRequest and SAMLResponse is expected');
    }
    if (SAMLResponse) {
      const root = this.checkEnvelope(decode(SAMLResponse), 'LogoutResponse');
      await this.postedResponses!.validatePostResponseAsync({ SAMLResponse }).catch((error) => {
        throw new LogoutRefused(`not valid: ${(error as Error).message}`);
      });
      return this.response(root);
    }
    const root = this.checkEnvelope(decode(SAMLRequest ?? ''), 'LogoutRequest');
    const result = await saml.validatePostRequestAsync({ SAMLRequest: SAMLRequest ?? '' }).catch((error) => {
      throw new LogoutRefused(`not valid: ${(error as Error).message}`);
    });
    if (!result.profile) throw new LogoutRefused('no logout request');
    return this.request(result.profile, root, RelayState);
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
    // The user the NameID stood for at sign-in; a NameID that was the user ID itself is its own answer.
    const userId = (await redis.get(samlSubjectKey(nameId))) ?? nameId;
    const sessionId = await redis.get(userSessionKey(userId));
    const data = sessionId
      ? await new Promise<{ user?: SignedInUser } | null | undefined>((resolve) =>
          sessionStore.get(sessionId, (error, sess) => resolve(error ? undefined : sess)),
        )
      : undefined;
    const user = data?.user;
    const matches =
      user &&
      (user.samlSession?.nameId ?? user.id) === nameId &&
      (!sessionIndex || user.samlSession?.sessionIndex === sessionIndex);
    if (!sessionId || !user || !matches) {
      await audit.record({
        type: 'single-logout',
        outcome: 'success',
        actorId: userId,
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
      ...auditActor(user, req),
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
    const issuer = Array.from(root.childNodes).find(
      (node): node is Element => node.nodeType === 1 && (node as Element).localName === 'Issuer',
    );
    if (issuer?.textContent?.trim() !== this.deps.config.saml.idpEntityId) {
      throw new LogoutRefused('logout message from another issuer');
    }
    if (expected === 'LogoutResponse' && !root.getAttribute('InResponseTo')) {
      throw new LogoutRefused('logout response without InResponseTo');
    }
    return root;
  }

  /** The message's IssueInstant must be recent: an old message, captured and sent again, is refused. */
  private checkIssued(root: Element, what: string): void {
    const skew = this.deps.config.saml.clockSkewMs;
    const issued = Date.parse(root.getAttribute('IssueInstant') ?? '');
    if (
      Number.isNaN(issued) ||
      issued > Date.now() + skew ||
      issued < Date.now() - MESSAGE_MAX_AGE_MS - skew
    ) {
      throw new LogoutRefused(`${what} issued outside the accepted window`);
    }
  }

  /** Remembers a message's ID for as long as it could pass the age check: a second use is refused. */
  private async firstUse(kind: 'request' | 'response', id: string | null | undefined): Promise<void> {
    const usable = z.string().min(1).max(200).safeParse(id);
    if (!usable.success) throw new LogoutRefused(`logout ${kind} without a usable ID`);
    const ttlSeconds = Math.ceil((MESSAGE_MAX_AGE_MS + 2 * this.deps.config.saml.clockSkewMs) / 1000);
    const first = await this.deps.redis.set(`saml:logout-${kind}:${usable.data}`, '1', {
      NX: true,
      EX: ttlSeconds,
    });
    if (first !== 'OK') throw new LogoutRefused(`logout ${kind} already used (replay)`);
  }

  /**
   * A LogoutResponse whose signature has been checked: fresh, seen once, successful, and the answer to a
   * request this broker sent and has not had answered yet (the request is struck off as it is answered).
   */
  private async response(root: Element): Promise<Incoming> {
    this.checkIssued(root, 'logout response');
    await this.firstUse('response', root.getAttribute('ID'));
    const answered = await this.deps.redis.del(sentRequestKey(root.getAttribute('InResponseTo') ?? ''));
    if (answered !== 1) throw new LogoutRefused('logout response to no request of ours, or answered already');
    const status = Array.from(root.getElementsByTagNameNS(PROTOCOL_NS, 'StatusCode'))[0]?.getAttribute(
      'Value',
    );
    if (status !== 'urn:oasis:names:tc:SAML:2.0:status:Success') {
      throw new LogoutRefused(`the IdP could not sign out (${(status ?? 'no status').slice(0, 100)})`);
    }
    return { kind: 'response' };
  }

  private async request(profile: Profile, root: Element, relayState: string | undefined): Promise<Incoming> {
    this.checkIssued(root, 'logout request');
    await this.firstUse('request', profile.ID);
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

function decode(encoded: string): string {
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/** The ID of a redirect-binding message this broker built. */
function messageId(encoded: string): string {
  const id = new DOMParser()
    .parseFromString(inflate(encoded), 'text/xml')
    .documentElement?.getAttribute('ID');
  if (!id) throw new Error('the logout request has no ID');
  return id;
}

function inflate(encoded: string): string {
  try {
    return inflateRawSync(Buffer.from(encoded, 'base64'), { maxOutputLength: 64 * 1024 }).toString('utf8');
  } catch {
    throw new LogoutRefused('the message cannot be decoded');
  }
}

/** What the person is told when a logout message is refused: true whichever way the refusal came about. */
function refusalPage(isResponse: boolean): string {
  if (isResponse) {
    // A response answers a sign-out that began here, and that ended this service's session before the IdP
    // was asked; what is unknown is whether the IdP ended its own.
    return bilingualNoticePage(
      { ja: 'サインアウトの確認ができませんでした', en: 'Sign-out could not be confirmed' },
      {
        ja:
          '所属組織のサインイン（IdP）からのサインアウト完了の知らせを確かめられませんでした。' +
          'ワークスペースの「サインアウト」を押した場合、このサービスのセッションとデスクトップはその時点で終了しています。' +
          'IdP のサインインが残っている可能性があるため、共用の端末ではブラウザーを閉じてください。',
        en:
          "The confirmation of sign-out from your organisation's sign-in service (IdP) could not be verified. " +
          "If you pressed Sign out in the workspace, this service's session and desktop ended at that moment. " +
          'You may still be signed in at the IdP: on a shared device, close the browser.',
      },
      { href: '/', text: { ja: 'ワークスペースへ', en: 'To the workspace' } },
    );
  }
  return bilingualNoticePage(
    { ja: 'サインアウト要求を受け付けられません', en: 'Sign-out request not accepted' },
    {
      ja:
        'サインアウトの要求を確認できませんでした。このサービスのセッションは変わっていません。' +
        'ご自身でサインアウトする場合は、ワークスペースの「サインアウト」を押してください。',
      en:
        "The sign-out request could not be verified. This service's session has not changed. " +
        'To sign out, press Sign out in the workspace.',
    },
    { href: '/', text: { ja: 'ワークスペースへ', en: 'To the workspace' } },
  );
}

export function singleLogoutRoutes(logout: SingleLogout, deps: SingleLogoutDeps): Router {
  const router = express.Router();
  const handle = async (req: Request, res: Response) => {
    const address = clientAddress(req);
    let incoming: Incoming;
    try {
      incoming = await logout.read(req);
    } catch (error) {
      const reason = error instanceof LogoutRefused ? error.message : 'the message could not be read';
      const fields = (req.method === 'GET' ? req.query : req.body) as Record<string, unknown> | undefined;
      const isResponse = fields !== undefined && 'SAMLResponse' in fields;
      deps.log(`single logout refused: ${reason}`);
      // Counted apart from sign-ins (see LogoutRefusals); beyond the bound, refusals go unrecorded one by one.
      const counted = await deps.refusals.count(address);
      if (counted.record !== 'none') {
        await deps.audit.record({
          type: 'single-logout',
          outcome: 'failure',
          clientAddress: address,
          details:
            counted.record === 'each'
              ? { reason: reason.slice(0, 300), message: isResponse ? 'response' : 'request' }
              : {
                  reason: 'more refused logout messages from this address than are recorded one by one',
                  unrecordedForSeconds: counted.retryAfterSeconds,
                },
        });
      }
      if (counted.record !== 'each') res.set('Retry-After', String(counted.retryAfterSeconds));
      res
        .status(counted.record === 'each' ? 400 : 429)
        .type('html')
        .send(refusalPage(isResponse));
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
