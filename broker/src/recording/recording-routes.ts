import { HttpError } from '@hcw/common';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { z } from 'zod';
import type { AuditTrail } from '@hcw/common';
import { AuditQuery } from '../admin/audit-search.js';
import { consoleLanguage } from '../admin/console-messages.js';
import type { SignedInUser } from '../auth/signed-in-user.js';
import { PortalAuditReader, recordingsForPatient, type PatientAccess } from './patient-accesses.js';
import { RecordingIntegrityError, readRecording, type RecordingSummary } from './recording-file.js';
import { recordingMessages } from './recording-messages.js';
import { playerPage, recordingsPage } from './recording-pages.js';
import type { RecordingRow, RecordingStore } from './recording-store.js';
import { auditActor } from '../audit/audit-actor.js';

export interface RecordingConsoleDeps {
  store: RecordingStore;
  /** The current recording key first, then earlier ones still able to open older recordings. */
  keys: Buffer[];
  audit: AuditTrail;
  /** The portal's audit trail, read-only; without it recordings are found by user and time only. */
  portalAudit: PortalAuditReader | undefined;
  /** Lets auditors through and refuses (and audits) anyone else. */
  auditorsOnly: RequestHandler;
  /** Lets through only requests our own page's script made (a header a link or a form cannot send). */
  clientOnly: RequestHandler;
  /** Whether this broker has recording settings at all; the pages say so when it has not. */
  isConfigured: boolean;
}

/** Recordings an auditor sees on one page. */
export const RECORDINGS_PAGE_ROWS = 100;

const RecordingSearch = AuditQuery.omit({ type: true });
const RecordingId = z.string().uuid();

/**
 * The auditor's recordings: finding them (by user, by patient through the portal's audit trail, or by
 * time), looking at one with the patient data handled during it, and playing it. Only auditors; every
 * search, view and playback is recorded in the audit trail, with the patient when one was asked about.
 * Recordings are decrypted only here, for an auditor's browser, never for a desktop user's device.
 */
export function recordingRoutes(deps: RecordingConsoleDeps): Router {
  const router = express.Router();
  const auditors = deps.auditorsOnly;

  router.get('/admin/recordings', auditors, async (req, res) => {
    const auditor = signedIn(req);
    const language = consoleLanguage(req);
    const raw = stringParams(req);
    const parsed = RecordingSearch.safeParse(raw);
    if (!parsed.success) throw new HttpError(400, '検索条件が正しくありません。', 'The search is not valid.');
    const query = parsed.data;
    const view = {
      query: raw,
      isPatientSearchAvailable: deps.portalAudit !== undefined,
      isConfigured: deps.isConfigured,
      limit: RECORDINGS_PAGE_ROWS,
    };
    let page: string;
    let found: number;
    if (query.patient) {
      if (!deps.portalAudit) {
        throw new HttpError(
          409,
          'ポータルの監査ログに接続していないため、患者IDでは探せません。',
          'The portal’s audit trail is not connected, so recordings cannot be found by patient.',
        );
      }
      const byPatient = await recordingsForPatient(deps.portalAudit, deps.store, query.patient, query);
      const matches = query.user
        ? byPatient.matches.filter((match) => match.recording.userId === query.user)
        : byPatient.matches;
      found = matches.length;
      page = recordingsPage(language, recordingMessages(language), auditor, {
        ...view,
        byPatient: { ...byPatient, matches },
      });
    } else {
      const rows = await deps.store.search(query, RECORDINGS_PAGE_ROWS);
      found = rows.length;
      page = recordingsPage(language, recordingMessages(language), auditor, { ...view, rows });
    }
    await deps.audit.record({
      type: 'recording-search',
      outcome: 'success',
      ...auditActor(auditor, req),
      patientId: query.patient,
      details: {
        user: query.user ?? null,
        from: query.from?.toISOString() ?? null,
        to: query.to?.toISOString() ?? null,
        recordings: found,
      },
    });
    res.type('html').send(page);
  });

  router.get('/admin/recordings/:id', auditors, async (req, res) => {
    const auditor = signedIn(req);
    const language = consoleLanguage(req);
    const recording = await playable(deps, req.params.id);
    let accesses: PatientAccess[] | undefined;
    if (deps.portalAudit) {
      accesses = await deps.portalAudit.byUserBetween(
        recording.userId,
        recording.startedAt,
        recording.endedAt ?? new Date(),
      );
    }
    await deps.audit.record({
      type: 'recording-view',
      outcome: 'success',
      ...auditActor(auditor, req),
      details: { ...about(recording), patientRecordsShown: accesses?.length ?? null },
    });
    res.type('html').send(playerPage(language, recordingMessages(language), auditor, recording, accesses));
  });

  // The recording itself, decrypted for the player, and only for its script: a link followed from another
  // site would otherwise save the decrypted recording among the auditor's downloads. The file is read twice:
  // once to authenticate every chunk (so a changed file is refused before anything is played, not halfway),
  // then to send it.
  router.get('/admin/api/recordings/:id/stream', auditors, deps.clientOnly, async (req, res) => {
    const auditor = signedIn(req);
    const recording = await playable(deps, req.params.id);
    const file = deps.store.fileOf(recording.id);
    const record = (outcome: 'success' | 'failure', extra: Record<string, string | number | null>) =>
      deps.audit.record({
        type: 'recording-playback',
        outcome,
        ...auditActor(auditor, req),
        details: { ...about(recording), ...extra },
      });
    let summary: RecordingSummary;
    try {
      summary = await readRecording(file, recording.id, deps.keys);
      if (recording.state === 'complete' && !summary.isComplete) {
        throw new RecordingIntegrityError('the recording ends before its final chunk (it was cut off)');
      }
    } catch (error) {
      const problem =
        error instanceof RecordingIntegrityError
          ? error.message
          : ((error as NodeJS.ErrnoException).code ?? 'unreadable');
      await record('failure', { problem });
      throw new HttpError(
        422,
        '録画ファイルを検証できませんでした（変更されたか、開く鍵がありません）。監査ログに記録しました。',
        'The recording file failed its check (it was changed, or no key opens it). This was recorded in the audit trail.',
        'recording-unverifiable',
      );
    }
    await record('success', { bytes: summary.plainBytes, isComplete: summary.isComplete ? 1 : 0 });
    res.status(200).type('application/octet-stream');
    res.setHeader('Content-Length', String(summary.plainBytes));
    try {
      await readRecording(file, recording.id, deps.keys, (plain) => send(res, plain));
      res.end();
    } catch {
      // The auditor closed the page, or the file changed between the two readings: stop sending.
      res.destroy();
    }
  });

  return router;
}

async function playable(deps: RecordingConsoleDeps, id: unknown): Promise<RecordingRow> {
  const parsed = RecordingId.safeParse(id);
  const recording = parsed.success ? await deps.store.get(parsed.data) : undefined;
  if (!recording || recording.state === 'deleted') {
    throw new HttpError(404, 'その録画はありません。', 'No such recording.');
  }
  return recording;
}

function about(recording: RecordingRow): Record<string, string> {
  return {
    recordingId: recording.id,
    subject: recording.userId,
    desktopId: recording.desktopId,
    startedAt: recording.startedAt.toISOString(),
  };
}

class ClientGone extends Error {}

/** Writes a chunk, waiting while the auditor's connection is full; throws once it has closed. */
async function send(res: Response, chunk: Buffer): Promise<void> {
  if (res.destroyed) throw new ClientGone();
  if (res.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
  if (res.destroyed) throw new ClientGone();
}

function signedIn(req: Request): SignedInUser {
  return req.session.user as SignedInUser;
}

function stringParams(req: Request): Record<string, string> {
  return Object.fromEntries(
    Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}
