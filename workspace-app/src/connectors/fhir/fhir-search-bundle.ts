import { z } from 'zod';

// FHIR's own id syntax; anything else in an id is refused before it reaches a URL or a key.
const fhirId = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/);
const reference = z.object({
  reference: z.string().max(500).optional(),
  display: z.string().max(200).optional(),
});

export const fhirCommunication = z.object({
  resourceType: z.literal('Communication'),
  id: fhirId,
  meta: z.object({ lastUpdated: z.string().datetime({ offset: true }) }),
  status: z.enum([
    'preparation',
    'in-progress',
    'not-done',
    'on-hold',
    'stopped',
    'completed',
    'entered-in-error',
    'unknown',
  ]),
  subject: reference.extend({ reference: z.string().regex(/^Patient\/[A-Za-z0-9\-.]{1,64}$/) }),
  sent: z.string().datetime({ offset: true }).optional(),
  sender: reference.optional(),
  topic: z.object({ text: z.string().max(300).optional() }).optional(),
  // Attachments and references are not shown in the timeline; the deep link opens them.
  payload: z
    .array(z.object({ contentString: z.string().max(20_000).optional() }))
    .max(50)
    .optional(),
});
export type FhirCommunication = z.infer<typeof fhirCommunication>;

export const fhirPractitionerRole = z.object({
  resourceType: z.literal('PractitionerRole'),
  id: fhirId,
  practitioner: reference.optional(),
  code: z
    .array(
      z.object({
        text: z.string().max(100).optional(),
        coding: z.array(z.object({ display: z.string().max(100).optional() })).optional(),
      }),
    )
    .optional(),
});
export type FhirPractitionerRole = z.infer<typeof fhirPractitionerRole>;

// Servers may add other resources (an OperationOutcome with warnings); those are passed over, but a
// Communication or PractitionerRole that does not validate must not slip through as "other".
const otherResource = z.object({
  resourceType: z.string().refine((type) => type !== 'Communication' && type !== 'PractitionerRole'),
});

export const fhirSearchBundle = z.object({
  resourceType: z.literal('Bundle'),
  type: z.literal('searchset'),
  link: z.array(z.object({ relation: z.string(), url: z.string().url().max(4_000) })).optional(),
  entry: z
    .array(
      z.object({
        // Tagged, so that code reading a bundle narrows on `kind` instead of guessing from fields.
        resource: z.union([
          fhirCommunication.transform((resource) => ({ kind: 'communication' as const, resource })),
          fhirPractitionerRole.transform((resource) => ({ kind: 'practitioner-role' as const, resource })),
          otherResource.transform(() => ({ kind: 'other' as const })),
        ]),
        search: z.object({ mode: z.enum(['match', 'include', 'outcome']) }).optional(),
      }),
    )
    .max(1_000)
    .optional(),
});
export type FhirSearchBundle = z.infer<typeof fhirSearchBundle>;
