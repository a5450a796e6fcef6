import type pg from 'pg';
import { DEMO_PATIENT_IDS, demoPatientNames, seedDemoPatients } from './seed-demo-patients.js';
import { seedDemoThread } from './seed-demo-thread.js';
import { seedDemoTimeline } from './seed-demo-timeline.js';
import { seedDemoTransfers } from './seed-demo-transfers.js';

/**
 * The demo's one door into the portal: invented patients, hospitals, a transfer request, the vendors'
 * groups and a few thread posts, written idempotently. The portal opens it only when `PORTAL_DEMO_DATA=1`
 * (never in production), by a path it does not import, so the product builds and runs with this folder deleted.
 */
export async function seedDemo(pool: pg.Pool): Promise<void> {
  await seedDemoPatients(pool);
  await seedDemoTransfers(pool, { patientId: DEMO_PATIENT_IDS.suzukiIchiro });
  await seedDemoTimeline(pool, { patients: demoPatientNames });
  // After the timeline's seed, which links the patients to the vendors the posts are delivered to.
  await seedDemoThread(pool);
}
