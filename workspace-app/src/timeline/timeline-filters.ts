import { z } from 'zod';
import { authorRoles } from '../connectors/canonical-event.js';

const optionalText = (max: number) =>
  z
    .string()
    .max(max)
    .transform((value) => value.trim())
    .optional()
    .transform((value) => (value ? value : undefined));

/** A position in the newest-first order: the last item shown, as `<ISO instant>~<event id>`. */
const pageCursor = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z~\d{1,18}$/)
  .transform((value) => {
    const [at = '', id = ''] = value.split('~');
    return { occurredAt: new Date(at), eventId: id };
  })
  .refine((cursor) => !Number.isNaN(cursor.occurredAt.getTime()), 'a valid instant');

/**
 * What the practitioner narrows the timeline to, from the page's query string. Empty fields mean "all";
 * anything malformed is refused rather than ignored, so a filter never silently shows more than asked.
 */
export const timelineFilters = z.object({
  patient: optionalText(200),
  vendor: z
    .string()
    .regex(/^([a-z][a-z0-9-]{1,31})?$/)
    .optional()
    .transform((value) => (value ? value : undefined)),
  role: z
    .union([z.enum(authorRoles), z.literal('')])
    .optional()
    .transform((value) => (value ? value : undefined)),
  q: optionalText(100),
  unread: z
    .enum(['1', ''])
    .optional()
    .transform((value) => value === '1'),
  before: z
    .union([pageCursor, z.literal('')])
    .optional()
    .transform((value) => (value ? value : undefined)),
});
export type TimelineFilters = z.output<typeof timelineFilters>;

export function cursorOf(item: { occurredAt: Date; id: number }): string {
  return `${item.occurredAt.toISOString()}~${item.id}`;
}

/** The filters as query-string pairs, for links that keep them (next page, language switch). */
export function filtersQuery(filters: TimelineFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  if (filters.patient) params.set('patient', filters.patient);
  if (filters.vendor) params.set('vendor', filters.vendor);
  if (filters.role) params.set('role', filters.role);
  if (filters.q) params.set('q', filters.q);
  if (filters.unread) params.set('unread', '1');
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return params.toString();
}
