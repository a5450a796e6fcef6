import type { AuditTrail } from '@hcw/common';
import type { Request, Response } from 'express';
import { recordFirst } from '../audit/record-first.js';
import { noticePage } from '../http/pages.js';
import { UnusableIdentity, unusableIdentityPage } from './saml.js';
import { clientAddress } from '../http/client-address.js';

/**
 * A sign-in the IdP's answer did not allow, recorded before the browser is told: an IdP set up in a way the
 * broker cannot use gets a page saying what to change (403); anything else, a page asking to try again (401).
 */
export function signInRefused(deps: { audit: AuditTrail; log(message: string): void }) {
  return async (req: Request, res: Response, error: unknown): Promise<void> => {
    const reason = error instanceof Error ? error.message : 'no user';
    deps.log(`sign-in refused: ${reason}`);
    if (error instanceof UnusableIdentity) {
      // A signed assertion from an IdP set up in a way the broker cannot use: not a guess, so not counted.
      await recordFirst(deps.audit, [
        {
          type: 'sign-in',
          outcome: 'failure',
          clientAddress: clientAddress(req),
          details: { reason: error.code, nameIdFormat: error.nameIdFormat.slice(0, 200) },
        },
      ]);
      res.status(403).type('html').send(unusableIdentityPage(error));
      return;
    }
    await recordFirst(deps.audit, [
      {
        type: 'sign-in',
        outcome: 'failure',
        clientAddress: clientAddress(req),
        details: { reason: reason.slice(0, 300) },
      },
    ]);
    res
      .status(401)
      .type('html')
      .send(
        noticePage(
          'サインインできませんでした',
          'サインインの応答を確認できませんでした。もう一度お試しください。',
          { href: '/auth/login', text: 'もう一度サインイン' },
        ),
      );
  };
}
