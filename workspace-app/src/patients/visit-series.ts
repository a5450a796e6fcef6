import { addDays, bilingualMessage, tokyoToday } from '@hcw/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { field } from '../validation/bilingual-fields.js';
import { InvalidItemError, parseItemInput } from './invalid-item-error.js';
import { requirePatientAccess } from './patient-access.js';
import type { PatientActor } from './patient-actor.js';
import { auditedOperation, type PatientDeps } from './patient-audit.js';
import { conflictingVisits, visitingPractitioner } from './visit-calendar.js';
import { VisitConflictError, type ConflictingVisit } from './visit-conflict-error.js';

/**
 * A weekly pattern of visits (定期訪問: every Monday and Thursday at 10:00 for eight weeks), with the dates
 * it skips (holidays, a planned admission). The pattern is put in the calendar as one visit per date, all
 * or none: a date on which the practitioner is already elsewhere refuses the whole series, naming every
 * such date, so the scheduler can move the time or skip those dates. Each visit can then be cancelled on its
 * own like any other.
 */
export const weekdays = [1, 2, 3, 4, 5, 6, 7] as const;

const say = (ja: string, en: string) => bilingualMessage({ ja, en });

export const visitSeriesSchema = field
  .object({
    practitionerId: field.text(200),
    firstDate: field.date(),
    time: field.pattern(/^([01]\d|2[0-3]):[0-5]\d$/, {
      ja: '時刻はHH:MMで入力してください',
      en: 'a time is HH:MM',
    }),
    /** ISO weekdays: 1 Monday … 7 Sunday. */
    weekdays: z
      .array(z.coerce.number().int().min(1).max(7), {
        errorMap: () => ({ message: say('曜日を選んでください', 'choose the weekdays') }),
      })
      .min(1, say('曜日を一つ以上選んでください', 'choose at least one weekday')),
    weeks: field.integer({ min: 1, max: 26 }),
    durationMinutes: field.integer({ min: 10, max: 480 }),
    purpose: field.text(200).optional(),
    /** Dates the pattern skips. */
    exceptDates: z.array(field.date()).max(60).default([]),
  })
  .superRefine((series, ctx) => {
    if (series.firstDate < tokyoToday()) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['firstDate'],
        message: say('定期訪問は今日以降の日付から始めてください', 'a series starts today or later'),
      });
    }
  });
export type VisitSeriesInput = z.input<typeof visitSeriesSchema>;

/** The ISO weekday (1 Monday … 7 Sunday) of a calendar date. */
function isoWeekday(date: string): number {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

/** The dates a pattern falls on, in order: its weekdays over its weeks from the first date, skipped dates left out. */
export function seriesDates(series: {
  firstDate: string;
  weekdays: readonly number[];
  weeks: number;
  exceptDates: readonly string[];
}): string[] {
  const skipped = new Set(series.exceptDates);
  const dates: string[] = [];
  for (let offset = 0; offset < series.weeks * 7; offset += 1) {
    const date = addDays(series.firstDate, offset);
    if (series.weekdays.includes(isoWeekday(date)) && !skipped.has(date)) dates.push(date);
  }
  return dates;
}

export interface ScheduledSeries {
  seriesId: string;
  visitIds: string[];
  dates: string[];
}

export async function scheduleVisitSeries(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
  input: unknown,
): Promise<ScheduledSeries> {
  return auditedOperation(
    deps,
    actor,
    { type: 'patient.visit.schedule-series', patientId },
    async (client, context) => {
      await requirePatientAccess(client, actor, patientId, 'write');
      const series = parseItemInput(visitSeriesSchema, input);
      const dates = seriesDates(series);
      if (dates.length === 0) {
        throw new InvalidItemError([
          {
            path: 'weekdays',
            message: say('この条件では訪問日がありません', 'this pattern falls on no date'),
          },
        ]);
      }
      const person = await visitingPractitioner(client, actor, patientId, series.practitionerId);
      const seriesId = randomUUID();
      context.details.seriesId = seriesId;
      context.details.practitionerId = person.id;
      context.details.visits = dates.length;
      const visitIds: string[] = [];
      const clashes: { date: string; conflicts: ConflictingVisit[] }[] = [];
      for (const date of dates) {
        const startsAt = new Date(`${date}T${series.time}:00+09:00`).toISOString();
        const endsAt = new Date(Date.parse(startsAt) + series.durationMinutes * 60_000).toISOString();
        await client.query('SAVEPOINT series_visit');
        try {
          const { rows } = await client.query<{ id: string }>(
            `INSERT INTO scheduled_visits (patient_id, practitioner_id, practitioner_name, practitioner_organisation,
               profession, starts_at, ends_at, purpose, created_by, changed_by, series_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING id`,
            [
              patientId,
              person.id,
              person.name,
              person.organisation,
              person.profession,
              startsAt,
              endsAt,
              series.purpose ?? null,
              actor.id,
              seriesId,
            ],
          );
          visitIds.push(rows[0]!.id);
        } catch (error) {
          if ((error as { code?: string }).code !== '23P01') throw error;
          await client.query('ROLLBACK TO SAVEPOINT series_visit');
          clashes.push({
            date,
            conflicts: await conflictingVisits(client, actor, person.id, startsAt, endsAt),
          });
        }
      }
      if (clashes.length > 0) {
        context.details.conflict = true;
        context.details.clashingDates = clashes.length;
        // All or none: the refusal rolls back the visits of the series already inserted.
        throw new VisitConflictError(
          person.name,
          clashes.flatMap((clash) => clash.conflicts),
          clashes.map((clash) => clash.date),
        );
      }
      return { seriesId, visitIds, dates };
    },
  );
}
