import express, { type Router, type Request, type Response } from 'express';
import passport from 'passport';
import {
  Strategy as SamlStrategy,
  ValidateInResponseTo,
  type Profile,
  type VerifiedCallback,
} from '@node-saml/passport-saml';
import type { RedisClientType } from 'redis';
import { DOMParser } from '@xmldom/xmldom';
import { z } from 'zod';
import type { BrokerConfig } from '../config.js';
import type { SignedInUser } from './signed-in-user.js';

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

const asserted = z.object({
  nameID: z.string().min(1).max(200),
  displayName: z.string().min(1).max(200),
  displayNameKana: z.string().max(200).optional(),
  organisation: z.string().max(200).default(''),
  profession: z.string().max(100).default(''),
  roles: z.union([z.string(), z.array(z.string())]).transform((r) => (Array.isArray(r) ? r : [r])),
});

export function userFromProfile(profile: Profile): SignedInUser {
  const attributes = (profile.attributes ?? {}) as Record<string, unknown>;
  const parsed = asserted.parse({ ...attributes, nameID: profile.nameID });
  return {
    id: parsed.nameID,
    displayName: parsed.displayName,
    displayNameKana: parsed.displayNameKana,
    organisation: parsed.organisation,
    profession: parsed.profession,
    roles: parsed.roles,
  };
}

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

const SAML_ASSERTION_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';

export function createSamlStrategy(config: BrokerConfig, redis: RedisClientType): SamlStrategy {
  return new SamlStrategy(
    {
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
      identifierFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      disableRequestedAuthnContext: true,
    },
    (profile: Profile | null, done: VerifiedCallback) => {
      if (!profile) return done(new Error('no profile in assertion'));
      checkAddressingAndReplay(profile, config, redis)
        .then(() => done(null, userFromProfile(profile) as unknown as Record<string, unknown>))
        .catch((error: unknown) => done(error as Error));
    },
    (_profile: Profile | null, done: VerifiedCallback) => done(null, undefined),
  );
}

export interface SamlRoutesDeps {
  config: BrokerConfig;
  strategy: SamlStrategy;
  onSignedIn(req: Request, res: Response, user: SignedInUser): Promise<void>;
  onRefused(req: Request, res: Response, reason: string): Promise<void>;
}

export function samlRoutes({ config, strategy, onSignedIn, onRefused }: SamlRoutesDeps): Router {
  // passport-saml is typed against an older @types/passport; the runtime contract is the same.
  passport.use('saml', strategy as unknown as passport.Strategy);
  const router = express.Router();

  router.get('/auth/login', passport.authenticate('saml', { session: false }));

  router.post('/auth/saml/acs', express.urlencoded({ extended: false, limit: '256kb' }), (req, res, next) => {
    passport.authenticate('saml', { session: false }, (error: unknown, user: unknown) => {
      if (error || !user) {
        const reason = error instanceof Error ? error.message : 'no user';
        onRefused(req, res, reason).catch(next);
        return;
      }
      onSignedIn(req, res, user as SignedInUser).catch(next);
    })(req, res, next);
  });

  router.get('/auth/saml/metadata', (_req, res) => {
    res.type('application/samlmetadata+xml').send(strategy.generateServiceProviderMetadata(null, null));
  });

  void config;
  return router;
}
