import type { RequestHandler } from 'express';

/** Nothing the portal serves is cached; pages load only their own scripts and styles. */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  );
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // Nothing of a portal address (patient ids) leaves for a vendor's page; the portal's own forms still send
  // their Origin, which the cross-site guard reads (with no-referrer, browsers send `Origin: null` instead).
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('X-Frame-Options', 'DENY');
  next();
};
