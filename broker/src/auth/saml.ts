import express, { type Router, type Request, type Response } from 'express';
import passport, { Passport } from 'passport';
import {
  Strategy as SamlStrategy,
  ValidateInResponseTo,
  type Profile,
  type VerifiedCallback,
  type PassportSamlConfig,
} from '@node-saml/passport-saml';
import type { RedisClientType } from 'redis';
import { DOMParser } from '@xmldom/xmldom';
import { z } from 'zod';
import type { BrokerConfig } from '../config.js';
import type { SignedInUser } from './signed-in-user.js';
import type { SignInLimits } from './rate-limits.js';
import { clientAddress } from '../http/client-address.js';
import { bilingualNoticePage, noticePage } from '../http/pages.js';

const SAML_ASSERTION_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
export const PERSISTENT_NAME_ID = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const UNSPECIFIED_NAME_ID = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';

/** Keeps outstanding AuthnRequest IDs in Redis, so any broker instance can check `InResponseTo`. */
function redisCacheProvider(redis: RedisClientType, ttlSeconds: number) {
  const key = (id: string) => `saml:request:${id}`;
  return {
    async saveAsync(id: string, value: string) {
      await redis.set(key(id), value, { EX: ttlSeconds });
      return { value, createdAt: Date.now() };
    },
    async getAsync(id: string) {
      return redis.get(key(id));
    },
    async removeAsync(id: string | null) {
      if (id) await redis.del(key(id));
      return id;
    },
  };
}

const AttributeValue = z.union([z.string(), z.array(z.string())]).optional();

function single(value: z.infer<typeof AttributeValue>): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * A signed, well-addressed assertion that still does not say who the user is in a way the broker can keep:
 * refused with its own page (the IdP's operators must change something), recorded, and not counted as a
 * failed guess.
 */
export class UnusableIdentity extends Error {
  constructor(
    readonly code: 'name-id-not-persistent' | 'user-id-attribute-unusable',
    readonly nameIdFormat: string,
    readonly attribute?: string,
  ) {
    super(`${code} (NameID format ${nameIdFormat || 'unspecified'})`);
  }
}

/**
 * The user ID: a persistent NameID (the same for one person at every sign-in, never reassigned), or, when
 * the configuration names one, a single-valued identifier attribute. A transient NameID is new at every
 * sign-in: taking it as the user ID would make every sign-in a first one.
 */
function userIdOf(profile: Profile, attributes: Record<string, unknown>, config: BrokerConfig): string {
  const format = profile.nameIDFormat ?? '';
  const attribute = config.signIn.userIdAttribute;
  if (!attribute) {
    if (format !== PERSISTENT_NAME_ID) throw new UnusableIdentity('name-id-not-persistent', format);
    return z.string().min(1).max(200).parse(profile.nameID);
  }
  const raw = attributes[attribute];
  const values = z
    .array(z.string().trim().min(1).max(200))
    .length(1)
    .safeParse(Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]);
  if (!values.success) throw new UnusableIdentity('user-id-attribute-unusable', format, attribute);
  return values.data[0]!;
}

/** What the person sees when their IdP's assertion names nobody the broker can keep: whom to ask, and what. */
export function unusableIdentityPage(error: UnusableIdentity): string {
  const message =
    error.code === 'name-id-not-persistent'
      ? {
          ja:
            '所属組織のサインイン（IdP）から、毎回同じ利用者を示す ID（永続的な NameID）が届きませんでした。' +
            'これでは利用者を確かめられないため、サインインを受け付けていません。所属組織の IdP 管理者に、' +
            'このサービスへ永続的な NameID（urn:oasis:names:tc:SAML:2.0:nameid-format:persistent）を送る設定を依頼してください。',
          en:
            "Your organisation's sign-in service (IdP) did not send an identifier that stays the same for you " +
            '(a persistent NameID), so the workspace cannot tell who you are and has not signed you in. Please ask ' +
            "your organisation's IdP administrator to send this service a persistent NameID " +
            '(urn:oasis:names:tc:SAML:2.0:nameid-format:persistent).',
        }
      : {
          ja:
            `所属組織のサインイン（IdP）から、利用者 ID の属性「${error.attribute ?? ''}」が1つの値として届きませんでした。` +
            'これでは利用者を確かめられないため、サインインを受け付けていません。所属組織の IdP 管理者に設定の確認を依頼してください。',
          en:
            `Your organisation's sign-in service (IdP) did not send the user identifier attribute "${error.attribute ?? ''}" ` +
            'as a single value, so the workspace cannot tell who you are and has not signed you in. Please ask your ' +
            "organisation's IdP administrator to check its settings.",
        };
  return bilingualNoticePage({ ja: 'サインインできません', en: 'Sign-in refused' }, message);
}

/**
 * The signed-in user as the IdP asserted them: roles through the configured map (values the map does not
 * know are dropped, so an IdP cannot invent a role), organisation and profession from configured
 * attributes, and whether the IdP itself did multi-factor authentication.
 */
export function userFromProfile(profile: Profile, config: BrokerConfig): SignedInUser {
  const attributes = (profile.attributes ?? {}) as Record<string, unknown>;
  const read = (name: string): z.infer<typeof AttributeValue> => AttributeValue.parse(attributes[name]);
  const nameId = z.string().min(1).max(200).parse(profile.nameID);
  const id = userIdOf(profile, attributes, config);
  const rawRoles = read(config.signIn.roleAttribute);
  const roles = [
    ...new Set(
      (Array.isArray(rawRoles) ? rawRoles : rawRoles ? [rawRoles] : []).flatMap((r) => {
        const mapped = config.signIn.roleMap[r];
        return mapped ? [mapped] : [];
      }),
    ),
  ];
  const assertion = new DOMParser().parseFromString(
    profile.getAssertionXml?.() ?? '',
    'text/xml',
  ).documentElement;
  const authnContext =
    assertion?.getElementsByTagNameNS(SAML_ASSERTION_NS, 'AuthnContextClassRef')[0]?.textContent?.trim() ??
    '';
  const qualifier = z.string().max(500).optional();
  return {
    id,
    displayName: (single(read(config.signIn.displayNameAttribute)) ?? id).slice(0, 200),
    displayNameKana: single(read('displayNameKana'))?.slice(0, 200),
    organisation: (single(read(config.signIn.organisationAttribute)) ?? '').slice(0, 200),
    profession: (single(read(config.signIn.professionAttribute)) ?? '').slice(0, 100),
    roles,
    authnContext,
    mfaByIdp: config.signIn.mfaContexts.includes(authnContext),
    samlSession: {
      nameId,
      nameIdFormat: z
        .string()
        .max(200)
        .parse(profile.nameIDFormat ?? UNSPECIFIED_NAME_ID),
      nameQualifier: qualifier.parse(profile.nameQualifier),
      spNameQualifier: qualifier.parse(profile.spNameQualifier),
      sessionIndex: z.string().max(200).optional().parse(profile.sessionIndex),
    },
  };
}

/** Who a NameID the IdP gave at sign-in stands for, so a logout request naming it finds the user. */
export const samlSubjectKey = (nameId: string): string => `saml:subject:${nameId}`;

/**
 * What node-saml leaves to the service provider: the response must be addressed to our assertion consumer
 * service (Destination and Recipient), and an assertion may be used once (its ID is remembered in Redis
 * until it expires, so no broker instance accepts it again).
 */
async function checkAddressingAndReplay(
  profile: Profile,
  config: BrokerConfig,
  redis: RedisClientType,
): Promise<void> {
  const response = new DOMParser().parseFromString(
    profile.getSamlResponseXml?.() ?? '',
    'text/xml',
  ).documentElement;
  const destination = response?.getAttribute('Destination');
  if (destination && destination !== config.saml.acsUrl)
    throw new Error('response addressed to another destination');
  const assertion = new DOMParser().parseFromString(
    profile.getAssertionXml?.() ?? '',
    'text/xml',
  ).documentElement;
  if (!assertion) throw new Error('no assertion');
  const confirmations = Array.from(
    assertion.getElementsByTagNameNS(SAML_ASSERTION_NS, 'SubjectConfirmationData'),
  );
  if (!confirmations.some((c) => c.getAttribute('Recipient') === config.saml.acsUrl)) {
    throw new Error('assertion meant for another recipient');
  }
  const id = assertion.getAttribute('ID');
  if (!id) throw new Error('assertion without ID');
  const notOnOrAfter = Date.parse(confirmations[0]?.getAttribute('NotOnOrAfter') ?? '');
  const ttlSeconds = Math.max(
    60,
    Math.ceil(
      ((Number.isNaN(notOnOrAfter) ? Date.now() : notOnOrAfter) - Date.now() + config.saml.clockSkewMs) /
        1000,
    ) + 60,
  );
  const firstUse = await redis.set(`saml:assertion:${id}`, '1', { NX: true, EX: ttlSeconds });
  if (firstUse !== 'OK') throw new Error('assertion already used (replay)');
}

/** The node-saml settings for this broker: sign-in, and single logout when the IdP offers it. */
export function samlOptions(config: BrokerConfig, redis: RedisClientType): PassportSamlConfig {
  return {
    callbackUrl: config.saml.acsUrl,
    entryPoint: config.saml.idpSsoUrl,
    issuer: config.saml.spEntityId,
    audience: config.saml.spEntityId,
    idpIssuer: config.saml.idpEntityId,
    idpCert: config.saml.idpCert,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    acceptedClockSkewMs: config.saml.clockSkewMs,
    validateInResponseTo: ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: 10 * 60 * 1000,
    cacheProvider: redisCacheProvider(redis, 10 * 60),
    identifierFormat: PERSISTENT_NAME_ID,
    disableRequestedAuthnContext: true,
    ...(config.saml.idpSloUrl
      ? { logoutUrl: config.saml.idpSloUrl, logoutCallbackUrl: config.saml.sloUrl }
      : {}),
    ...(config.saml.spSigning
      ? {
          privateKey: config.saml.spSigning.key,
          publicCert: config.saml.spSigning.cert,
          signatureAlgorithm: 'sha256' as const,
        }
      : {}),
  };
}

export function createSamlStrategy(config: BrokerConfig, redis: RedisClientType): SamlStrategy {
  return new SamlStrategy(
    samlOptions(config, redis),
    (profile: Profile | null, done: VerifiedCallback) => {
      if (!profile) return done(new Error('no profile in assertion'));
      checkAddressingAndReplay(profile, config, redis)
        .then(async () => {
          const user = userFromProfile(profile, config);
          await redis.set(samlSubjectKey(user.samlSession!.nameId!), user.id, {
            EX: Math.ceil(config.session.maxHours * 3600),
          });
          done(null, user as unknown as Record<string, unknown>);
        })
        .catch((error: unknown) => done(error as Error));
    },
    (_profile: Profile | null, done: VerifiedCallback) => done(null, undefined),
  );
}

export interface SamlRoutesDeps {
  strategy: SamlStrategy;
  /** The broker's signing certificate, published in the metadata when configured. */
  signingCert: string | undefined;
  limits: SignInLimits;
  onSignedIn(req: Request, res: Response, user: SignedInUser): Promise<void>;
  onRefused(req: Request, res: Response, error: unknown): Promise<void>;
}

export function samlRoutes({ strategy, signingCert, limits, onSignedIn, onRefused }: SamlRoutesDeps): Router {
  // An authenticator of this router's own: passport's shared one would hand every broker app in a process
  // the strategy of the last one built. (passport-saml is typed against an older @types/passport; the
  // runtime contract is the same.)
  const authenticator = new Passport();
  authenticator.use('saml', strategy as unknown as passport.Strategy);
  const router = express.Router();

  router.get('/auth/login', authenticator.authenticate('saml', { session: false }));

  router.post(
    '/auth/saml/acs',
    express.urlencoded({ extended: false, limit: '256kb' }),
    async (req, res, next) => {
      // Counted before it is checked, so a burst of responses cannot all slip under the limit; given back
      // when the response proves good.
      const attempt = await limits.attempt('sign-in', { address: clientAddress(req) });
      if (!attempt.allowed) {
        res
          .status(429)
          .set('Retry-After', String(attempt.retryAfterSeconds))
          .type('html')
          .send(
            noticePage('しばらくお待ちください', {
              ja: `サインインの失敗が続いたため、この接続元からの受け付けを一時停止しています。約${Math.ceil(attempt.retryAfterSeconds / 60)}分後にお試しください。`,
              en: `Too many failed sign-ins from this address: please try again in about ${Math.ceil(attempt.retryAfterSeconds / 60)} minutes.`,
            }),
          );
        return;
      }
      authenticator.authenticate('saml', { session: false }, (error: unknown, user: unknown) => {
        if (error || !user) {
          // A signed assertion naming no usable identity is the IdP's set-up, not a guess: its attempt is given
          // back, so such refusals never block a hospital's shared address.
          const counted = error instanceof UnusableIdentity ? attempt.succeeded() : Promise.resolve();
          counted.then(() => onRefused(req, res, error ?? new Error('no user'))).catch(next);
          return;
        }
        attempt
          .succeeded()
          .then(() => onSignedIn(req, res, user as SignedInUser))
          .catch(next);
      })(req, res, next);
    },
  );

  router.get('/auth/saml/metadata', (_req, res) => {
    res
      .type('application/samlmetadata+xml')
      .send(strategy.generateServiceProviderMetadata(null, signingCert ?? null));
  });

  return router;
}
