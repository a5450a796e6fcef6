import type { RequestHandler } from 'express';

/**
 * Nothing the broker sends may be kept by the device: no caching, and only our own scripts run. Forms go to
 * the broker only, and to `formTargets` (the IdP's logout service, where sign-out's redirect leads).
 */
export function securityHeaders({ formTargets }: { formTargets: string[] }): RequestHandler {
  const formAction = ["'self'", ...formTargets.map((url) => new URL(url).origin)].join(' ');
  return (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    res.setHeader(
      'Content-Security-Policy',
      [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        `form-action ${formAction}`,
        "frame-ancestors 'none'",
        "base-uri 'none'",
        // The alerts' service worker only (alerts-sw.js): its scope holds no page, it has no fetch handler.
        "worker-src 'self'",
        "manifest-src 'none'",
      ].join('; '),
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader(
      'Permissions-Policy',
      'camera=(), microphone=(), geolocation=(), usb=(), clipboard-read=(), clipboard-write=()',
    );
    next();
  };
}
