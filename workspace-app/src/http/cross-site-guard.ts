import type { Request, RequestHandler } from 'express';
import { ForbiddenError } from '@hcw/common';

/** Methods that change nothing; every other method is a change and must come from the portal's own pages. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Why a request was taken for a cross-site one: what the auditor reads, never the request's data. */
export type CrossSiteVerdict =
  { isSameOrigin: true } | { isSameOrigin: false; origin: string | null; fetchSite: string | null };

export class CrossSiteRequestError extends ForbiddenError {
  constructor() {
    super(
      'この操作はポータル自身の画面からのみ行えます。ポータルの画面を開き直してから操作してください。',
      'This can only be done from the portal’s own pages. Please open the portal page again and retry.',
    );
  }
}

/**
 * Judges one request by the headers the browser sets and a page cannot forge. `Sec-Fetch-Site`, when
 * present, must say `same-origin`: `same-site` is refused too, because a vendor application on a sibling
 * host of the same site (or another port of the same host) is another origin. `Origin`, when it names an
 * origin, must be the portal's own. A request that carries neither signal, or only `Origin: null`, is refused:
 * the kiosk's Chromium always sends one of them on a change, and a client that sends none is not the kiosk.
 */
export function judgeRequestOrigin(
  headers: { origin?: string | undefined; fetchSite?: string | undefined },
  publicOrigin: string,
): CrossSiteVerdict {
  const origin = headers.origin ?? null;
  const fetchSite = headers.fetchSite ?? null;
  const isRefusedBySite = fetchSite !== null && fetchSite !== 'same-origin';
  const namesOrigin = origin !== null && origin !== 'null';
  const isRefusedByOrigin = namesOrigin && origin !== publicOrigin;
  const isConfirmed = fetchSite === 'same-origin' || (namesOrigin && origin === publicOrigin);
  if (!isRefusedBySite && !isRefusedByOrigin && isConfirmed) return { isSameOrigin: true };
  return { isSameOrigin: false, origin, fetchSite };
}

export interface CrossSiteGuardOptions {
  /** The portal's origin as the kiosk reaches it (scheme, host and port of PORTAL_PUBLIC_URL). */
  publicOrigin: string;
  /**
   * Paths whose callers prove themselves by a signature over the request, never by the session cookie
   * (the broker's hand-off registration, vendor webhooks): a cookie riding along gives them nothing.
   */
  isSignedPath(path: string): boolean;
  /** Told about each refusal before it is answered (the portal audits refusals of signed-in users). */
  onRefused?(req: Request, verdict: Extract<CrossSiteVerdict, { isSameOrigin: false }>): Promise<void>;
}

/**
 * The portal's one defence against cross-site request forgery (decision 0017): every request that is not
 * GET, HEAD or OPTIONS must come from a page of the portal's own origin, whatever route it is for. Mounted
 * once, before every router, so a new route is covered without anyone remembering to.
 */
export function refuseCrossSiteWrites(options: CrossSiteGuardOptions): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || options.isSignedPath(req.path)) {
      next();
      return;
    }
    const verdict = judgeRequestOrigin(
      { origin: req.get('origin'), fetchSite: req.get('sec-fetch-site') },
      options.publicOrigin,
    );
    if (verdict.isSameOrigin) {
      next();
      return;
    }
    void Promise.resolve(options.onRefused?.(req, verdict))
      .catch(() => undefined)
      .then(() => next(new CrossSiteRequestError()));
  };
}
