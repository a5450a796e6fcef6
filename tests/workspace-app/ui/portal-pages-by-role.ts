import { DEMO_PATIENT_IDS } from '#demo/seed-demo-patients.js';
import { demoInquiryId, demoTransferRequestId } from '#demo/seed-demo-transfers.js';

/**
 * The portal's main pages per role, on the demo's data: the responsive checks look at each on every device,
 * and the portal-pages benchmark times each with and without its audit records.
 */
export type Role = 'practitioner' | 'msw' | 'bedManager';

export interface PortalPage {
  role: Role;
  name: string;
  path: string;
  /** What to tap open before measuring, so what is folded is measured too. */
  open?: string;
}

const patient = DEMO_PATIENT_IDS.yamaguchiMasao;
const request = demoTransferRequestId;

/** The main pages of each role: what a practitioner, an MSW and a bed manager use between two visits. */
export const PORTAL_PAGES: readonly PortalPage[] = [
  { role: 'practitioner', name: 'start page', path: '/' },
  { role: 'practitioner', name: 'timeline', path: '/timeline', open: '.tl-filter-box > summary' },
  { role: 'practitioner', name: 'patient list', path: '/patients' },
  { role: 'practitioner', name: 'a record', path: `/patients/${patient}` },
  {
    role: 'practitioner',
    name: 'an item’s history',
    path: `/patients/${patient}/items/{first-item}/history`,
  },
  { role: 'practitioner', name: 'a visit record', path: `/patients/${patient}/visit` },
  { role: 'practitioner', name: 'the patient’s calendar', path: `/patients/${patient}/calendar` },
  { role: 'practitioner', name: 'my calendar', path: '/patients/calendar' },
  { role: 'practitioner', name: 'whereabouts and consent', path: `/patients/${patient}/care` },
  { role: 'practitioner', name: 'conferences', path: `/patients/${patient}/conferences` },
  {
    role: 'practitioner',
    name: 'the team thread',
    path: `/patients/${DEMO_PATIENT_IDS.suzukiIchiro}/thread`,
  },
  { role: 'practitioner', name: 'care team', path: `/patients/${patient}/team` },
  { role: 'practitioner', name: 'hand-off documents', path: `/patients/${patient}/documents` },
  { role: 'practitioner', name: 'account links', path: '/timeline/accounts' },
  { role: 'msw', name: 'transfer requests', path: '/transfers' },
  { role: 'msw', name: 'a request and its inquiries', path: `/transfers/requests/${request}` },
  {
    role: 'msw',
    name: 'search results',
    path: `/transfers/requests/${request}/search`,
    open: '.map-list > summary',
  },
  { role: 'msw', name: 'a new request', path: '/transfers/requests/new' },
  { role: 'bedManager', name: 'inquiries to the hospital', path: '/transfers' },
  { role: 'bedManager', name: 'beds', path: '/transfers/beds' },
  { role: 'bedManager', name: 'an inquiry to answer', path: `/transfers/inquiries/${demoInquiryId}` },
];
