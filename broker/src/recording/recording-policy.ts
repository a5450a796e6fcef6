import { z } from 'zod';

/**
 * Long enough for the questions that come after an incident or a quarterly access review, short enough that
 * screens full of patient data are not kept for good (decision 0023).
 */
export const DEFAULT_RETENTION_DAYS = 90;

/**
 * Whether a pool's sessions are recorded: not at all, for users holding one of the chosen roles, or for
 * everyone. Part of the pool's live policies, so an administrator changes it from the console (audited) and
 * it applies from each user's next connection.
 */
export const RecordingPolicy = z
  .object({
    mode: z.enum(['off', 'roles', 'everyone']),
    /** With `roles`: the roles whose sessions are recorded. Checked against the broker's roles in config.ts. */
    roles: z.array(z.string().min(1).max(50)).max(20).default([]),
    /**
     * Days a recording is kept, then deleted (and the deletion audited); fractions allowed. Fixed for each
     * recording when it starts: a change applies to recordings made after it. Production keeps at least a day.
     */
    retentionDays: z
      .number()
      .min(1 / 86400)
      .max(3650)
      .default(DEFAULT_RETENTION_DAYS),
  })
  .strict()
  .refine((policy) => policy.mode !== 'roles' || policy.roles.length > 0, {
    message: 'recording for chosen roles needs at least one role',
    path: ['roles'],
  });
export type RecordingPolicy = z.infer<typeof RecordingPolicy>;

export const RECORDING_OFF: RecordingPolicy = {
  mode: 'off',
  roles: [],
  retentionDays: DEFAULT_RETENTION_DAYS,
};

/** The shortest retention a production broker accepts. */
export const MIN_PRODUCTION_RETENTION_DAYS = 1;

/** Whether a user with these roles is recorded under this policy. */
export function isRecorded(policy: RecordingPolicy, roles: readonly string[]): boolean {
  if (policy.mode === 'everyone') return true;
  if (policy.mode === 'roles') return policy.roles.some((role) => roles.includes(role));
  return false;
}

/** The policy as one line for the audit trail: `off`, `everyone;days:90`, `roles:msw,practitioner;days:30`. */
export function recordingPolicyText(policy: RecordingPolicy): string {
  const who = policy.mode === 'roles' ? `roles:${[...policy.roles].sort().join(',')}` : policy.mode;
  return policy.mode === 'off' ? who : `${who};days:${policy.retentionDays}`;
}
