import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type RequestHandler } from 'express';
import type { SignedInUser } from '../auth/signed-in-user.js';
import { requireClientHeader } from './guards.js';

const clientDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../client');
// The ES module build: it loads in the browser as a module, where the CommonJS file would throw.
const guacamoleCommon = fileURLToPath(import.meta.resolve('guacamole-common-js'));
const simpleWebAuthnBrowser = path.dirname(fileURLToPath(import.meta.resolve('@simplewebauthn/browser')));

/** The client page's files and the libraries it loads, served as they are (no caching of our own files). */
export function clientFiles(): Router {
  const router = Router();
  router.get('/client/vendor/guacamole-common.js', (_req, res) =>
    res.type('application/javascript').sendFile(guacamoleCommon),
  );
  router.use(
    '/client/vendor/simplewebauthn',
    express.static(simpleWebAuthnBrowser, { index: false, maxAge: 0 }),
  );
  router.use(
    '/client',
    express.static(clientDir, { index: false, maxAge: 0, etag: false, lastModified: false }),
  );
  return router;
}

/** The client page itself, who is signed in, and the client's word that its user is active. */
export function clientRoutes(requireUser: RequestHandler): Router {
  const router = Router();
  router.get('/', (req, res) => {
    if (!req.session.user) {
      res.redirect(303, '/auth/login');
      return;
    }
    res.sendFile(path.join(clientDir, 'index.html'));
  });

  router.get('/api/me', requireUser, (req, res) => {
    const user = req.session.user as SignedInUser;
    res.json({ id: user.id, displayName: user.displayName });
  });

  // The client reports that its user is active in the desktop; the session's idle timer restarts (AUTH-4).
  router.post('/api/session/activity', requireUser, requireClientHeader, (req, res) => {
    req.session.touch();
    res.status(204).end();
  });
  return router;
}
