import { generate } from 'otplib';

/**
 * The test's own authenticator app. A code is accepted once per 30-second step, so consecutive sign-ins of
 * the same user take the next step's code (the broker accepts one step of clock drift) or wait for it.
 */
const secrets = new Map<string, string>();
const lastStep = new Map<string, number>();

export function rememberTotpSecret(userId: string, secret: string): void {
  secrets.set(userId, secret);
  lastStep.delete(userId);
}

export function knowsTotpSecret(userId: string): boolean {
  return secrets.has(userId);
}

export async function nextTotpCode(userId: string): Promise<string> {
  const secret = secrets.get(userId);
  if (!secret) throw new Error(`no authenticator enrolled for ${userId} in this test run`);
  let step = Math.floor(Date.now() / 30000);
  const last = lastStep.get(userId);
  if (last !== undefined && step <= last) {
    step = last + 1;
    const waitMs = (step - 1) * 30000 - Date.now() + 50;
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  lastStep.set(userId, step);
  return generate({ secret, epoch: step * 30 });
}
