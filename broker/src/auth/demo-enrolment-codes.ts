import type { AuditTrail } from '@hcw/common';
import { DEMO_USERS, type DemoUser } from './demo-users.js';
import type { EnrolmentCodes } from './second-factor/enrolment-codes.js';
import type { SecondFactorStore } from './second-factor/second-factor-store.js';

/** Who the audit trail names as issuing the demo users' enrolment codes. */
export const DEMO_CODE_ISSUER = 'dev-idp';

/**
 * The development IdP's stand-in for an organisation administrator (demo and tests only, like the IdP
 * itself): every demo user who needs an enrolment code to enrol (the IdP does not assert multi-factor for
 * them, and they have no factor of ours) gets one, issued like any other (hashed, expiring, audited) and
 * remembered here in memory so the IdP's sign-in page can list it. A code an administrator issued in the
 * console meanwhile is left alone (and not listed: it is the administrator's to hand over).
 */
export class DemoEnrolmentCodes {
  private readonly issued = new Map<string, { id: string; code: string }>();
  private readonly inFlight = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly deps: { factors: SecondFactorStore; codes: EnrolmentCodes; audit: AuditTrail },
  ) {}

  /** The demo users who need an enrolment code now, each with a pending one. */
  async pendingCodes(): Promise<{ username: string; code: string }[]> {
    const found: { username: string; code: string }[] = [];
    for (const user of DEMO_USERS) {
      const code = await this.codeFor(user);
      if (code) found.push({ username: user.username, code });
    }
    return found;
  }

  private codeFor(user: DemoUser): Promise<string | undefined> {
    // One at a time per user: two pages loading together must not issue two codes, one replacing the other.
    const running = this.inFlight.get(user.username);
    if (running) return running;
    const work = this.findOrIssue(user).finally(() => this.inFlight.delete(user.username));
    this.inFlight.set(user.username, work);
    return work;
  }

  private async findOrIssue(user: DemoUser): Promise<string | undefined> {
    if (user.assertsMfa) return undefined;
    if ((await this.deps.factors.accountFacts(user.username)).hasFactor) return undefined;
    const pendingNow = await this.deps.codes.pendingFor(user.username);
    const known = this.issued.get(user.username);
    if (pendingNow && known?.id === pendingNow.id) return known.code;
    // A code an administrator issued in the console is the one the user types; it is not replaced here.
    if (pendingNow) return undefined;
    const { code, pending, replaced } = await this.deps.codes.issue(user.username, DEMO_CODE_ISSUER);
    await this.deps.audit.record({
      type: 'admin-action',
      outcome: 'success',
      actorId: DEMO_CODE_ISSUER,
      details: {
        action: 'issue-enrolment-code',
        subject: user.username,
        codeId: pending.id,
        expiresAt: pending.expiresAt.toISOString(),
        replaced,
      },
    });
    this.issued.set(user.username, { id: pending.id, code });
    return code;
  }
}
