import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The managed policy template; `{{allowed-urls}}` and `{{portal-url}}` are filled in per host or session. */
export const KIOSK_POLICY_TEMPLATE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../session/policies/kiosk.json',
);

const ALLOWED_URLS = '{{allowed-urls}}';
const PORTAL_URL = '{{portal-url}}';

const PolicyTemplate = z.record(z.unknown());

export class KioskPolicyError extends Error {}

/**
 * An allow-list entry in Chromium's URL filter format, restricted to what the kiosk needs: an http(s)
 * origin, optionally with a path prefix. Wildcards, other schemes and credentials are refused, so a typo
 * in an inventory cannot open the kiosk to the whole web or to local files.
 */
export function allowListEntry(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new KioskPolicyError(`not a URL: ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new KioskPolicyError(`only http and https URLs may be allowed: ${url}`);
  }
  if (url.includes('*') || parsed.username || parsed.password || parsed.search || parsed.hash) {
    throw new KioskPolicyError(`an allowed URL is an origin with an optional path, nothing more: ${url}`);
  }
  const pathPrefix = parsed.pathname === '/' ? '' : parsed.pathname;
  return `${parsed.protocol}//${parsed.host}${pathPrefix}`;
}

export interface KioskPolicyValues {
  /** The portal's address: always allowed, and the page "home" and a new tab lead to. */
  portalUrl: string;
  /** Further URLs the kiosk may open (vendor systems the portal links to). */
  allowedUrls: string[];
}

/** The managed policy with the allow-list filled in. */
export function renderKioskPolicy(template: string, values: KioskPolicyValues): Record<string, unknown> {
  const parsed = PolicyTemplate.safeParse(JSON.parse(template));
  if (!parsed.success) throw new KioskPolicyError('the policy template is not a JSON object');
  const portal = allowListEntry(values.portalUrl);
  const allowed = [...new Set([portal, ...values.allowedUrls.map(allowListEntry)])];
  let hasAllowList = false;
  const fill = (value: unknown): unknown => {
    if (value === PORTAL_URL) return new URL(values.portalUrl).href;
    if (Array.isArray(value)) {
      return value.flatMap((item) => {
        if (item !== ALLOWED_URLS) return [fill(item)];
        hasAllowList = true;
        return allowed;
      });
    }
    return value;
  };
  const policy = Object.fromEntries(Object.entries(parsed.data).map(([key, value]) => [key, fill(value)]));
  if (!hasAllowList) throw new KioskPolicyError(`the policy template has no ${ALLOWED_URLS} entry`);
  return policy;
}

export function readKioskPolicyTemplate(file: string = KIOSK_POLICY_TEMPLATE): string {
  return readFileSync(file, 'utf8');
}
