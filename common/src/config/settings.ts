import type { z } from 'zod';

/** One environment variable a service reads. */
export interface Setting {
  name: string;
  /** It has no default and may not be left out, whatever the environment. */
  isRequired: boolean;
}

/**
 * The settings a service's environment schema knows, read from the schema itself: what a deployment may give
 * that service, and what it must. Requirements that depend on other settings (production's stricter rules)
 * are checked by loading the configuration, not here.
 */
export function settingsOf(schema: z.AnyZodObject): Setting[] {
  return Object.entries(schema.shape as Record<string, z.ZodTypeAny>).map(([name, type]) => ({
    name,
    isRequired: !type.isOptional(),
  }));
}
