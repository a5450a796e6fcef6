import { generate } from 'otplib';
import { processWide } from './process-wide.js';

/**
 * The test's own authenticator app, one enrolment per user of each broker (stacks started side by side
 * have their own users). A code is accepted once per 30-second step, so consecutive sign-ins of the same
 * user take the next step's code (the broker accepts one step of clock drift) or wait for it.
 */
const { secrets, lastStep } = processWide('authenticator', () => ({
  secrets: new Map<string, string>(),
  lastStep: new Map<string, number>(),
}));

const enrolment = (brokerUrl: string, userId: string): string => `${brokerUrl} ${userId}`;

export function rememberTotpSecret(brokerUrl: string, userId: string, secret: string): void {
  secrets.set(enrolment(brokerUrl, userId), secret);
  lastStep.delete(enrolment(brokerUrl, userId));
}

export async function nextTotpCode(brokerUrl: string, userId: string): Promise<string> {
  const key = enrolment(brokerUrl, userId);
  const secret = secrets.get(key);
  if (!secret) throw new Error(`no authenticator enrolled for ${userId} at ${brokerUrl} in this test run`);
  let step = Math.floor(Date.now() / 30000);
  const last = lastStep.get(key);
  if (last !== undefined && step <= last) {
    step = last + 1;
    const waitMs = (step - 1) * 30000 - Date.now() + 50;
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  lastStep.set(key, step);
  return generate({ secret, epoch: step * 30 });
}
