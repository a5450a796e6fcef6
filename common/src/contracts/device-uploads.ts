import { z } from 'zod';
import { Practitioner } from './portal-handoff.js';

/**
 * Broker → portal: a photo or document the practitioner sent from their own device (「写真を送る」). The broker
 * has checked its size and kind, taken out what the picture says about where it was taken, and had it scanned
 * for viruses; the portal keeps it among what the practitioner has received until they file it with a
 * patient. Data flows into the workspace only: nothing here ever goes back to the device.
 */
export const DEVICE_UPLOAD_PATH = '/internal/uploads';

/** What may be sent: photos from a phone's camera, and documents as PDF. */
export const UPLOAD_MEDIA_TYPES = ['image/jpeg', 'image/png', 'application/pdf'] as const;
export type UploadMediaType = (typeof UPLOAD_MEDIA_TYPES)[number];

export const DeviceUpload = z
  .object({
    /** Chosen by the device for each file it sends, so that sending again after a lost answer stores it once. */
    id: z.string().uuid(),
    practitioner: Practitioner,
    mediaType: z.enum(UPLOAD_MEDIA_TYPES),
    /** The file as it is to be kept, base64. */
    content: z.string().min(1).max(30_000_000),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** The scanner and signature version that found nothing. */
    scannedBy: z.string().min(1).max(200),
    /** Whether location and other metadata were taken out of the picture (photos; PDFs are kept as sent). */
    metadataRemoved: z.boolean(),
  })
  .strict();
export type DeviceUpload = z.infer<typeof DeviceUpload>;

export const DeviceUploadReceipt = z.object({ id: z.string().uuid(), duplicate: z.boolean() });
export type DeviceUploadReceipt = z.infer<typeof DeviceUploadReceipt>;
