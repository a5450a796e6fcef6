import type { Request, Response } from 'express';
import { type Language, UnauthorisedError } from '@hcw/common';
import '../http/session-types.js';
export { param } from '../http/route-param.js';
import type { RawForm } from './form-fields.js';
import { activeMemberships, decidePatientAccess, type TeamRole } from './patient-access.js';
import type { PatientActor } from './patient-actor.js';
import type { PatientDeps } from './patient-audit.js';
import { href } from './patient-page-parts.js';
import { patientDisplayName, readPatientRecord } from './patient-record.js';

/** The signed-in practitioner, as the patient functions know them; 401 without one. */
export function actorOf(req: Request): PatientActor {
  const practitioner = req.session.practitioner;
  if (!practitioner) throw new UnauthorisedError();
  return { ...practitioner, ...(req.ip ? { clientAddress: req.ip } : {}) };
}

export function bodyOf(req: Request): RawForm {
  const body: unknown = req.body;
  return body && typeof body === 'object' ? (body as RawForm) : {};
}

export function text(form: RawForm, name: string): string {
  const value = form[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}

export function versionOf(form: RawForm): number {
  const version = Number(text(form, 'version'));
  return Number.isInteger(version) && version >= 0 ? version : -1;
}

export function send(res: Response, status: number, html: string): void {
  res.status(status).type('html').send(html);
}

export function redirect(res: Response, path: string, lang: Language): void {
  res.redirect(303, href(path, lang));
}

/** The reader's role, for what the page offers; the store decides again on every change. */
export async function roleOf(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
): Promise<TeamRole | undefined> {
  const decision = decidePatientAccess(actor, await activeMemberships(deps.pool, patientId), 'read');
  return decision.isAllowed ? decision.role : undefined;
}

export async function patientName(
  deps: PatientDeps,
  actor: PatientActor,
  patientId: string,
): Promise<string> {
  return patientDisplayName((await readPatientRecord(deps, actor, patientId)).basics.data.name);
}
