import { type Bilingual, tokyoIsoString } from '@hcw/common';
import { z } from 'zod';
import { createKanamicTokenClient } from '../connectors/kanamic/kanamic-token-client.js';
import { requestVendor, type VendorResponse } from '../connectors/request-vendor.js';
import { vendorUrl } from '../connectors/vendor-url.js';
import { professionLabels } from './standard-codes.js';
import {
  defaultDeliveryPolicy,
  noAnswer,
  type OutgoingPost,
  THREAD_TOPIC,
  type ThreadWriter,
  type VendorAnswer,
} from './thread-delivery.js';

/**
 * Kanamic takes the thread's posts on the patient's group board (`POST /api/v2/groups/{group}/messages`,
 * the group being what the patient is linked under), with the same client-credentials token as its read API
 * and the post's id as `Idempotency-Key`: sent again after a lost answer, Kanamic answers with the message
 * it stored (200) instead of storing a second. The posted message is then in Kanamic's message list, so the
 * portal's Kanamic connector reads it back into the timeline like any other.
 */
export interface KanamicWriterOptions {
  /** The connector id the patient is linked under in timeline_patient_groups. */
  id?: string;
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  now?: () => Date;
}

export const kanamicName: Bilingual = { ja: 'カナミック', en: 'Kanamic' };

const created = z.object({ message_id: z.string().min(1).max(100) });
const refused = z.object({ error: z.string().max(100) });

/** The post as a message on the group's board, in the field names of Kanamic's message API. */
export function kanamicMessageOf(post: OutgoingPost): Record<string, unknown> {
  // Kanamic's board has no replies: a reply says in its subject that it is one.
  return {
    subject: post.reply_to ? `${THREAD_TOPIC}（返信）` : THREAD_TOPIC,
    text: post.body,
    sender: {
      staff_name: post.author_name,
      // Kanamic's members read 看護師, not the portal's code `nurse` some sign-ins carry.
      occupation:
        (professionLabels as Record<string, Bilingual | undefined>)[post.author_profession]?.ja ??
        post.author_profession,
      office_name: post.author_organisation,
    },
    posted_at: tokyoIsoString(post.posted_at),
  };
}

/** The message id of a 2xx, the error code of a refusal; neither is needed to judge the answer. */
function readAnswer(response: VendorResponse): VendorAnswer {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(response.body).toString('utf8'));
  } catch {
    json = undefined;
  }
  if (response.status >= 200 && response.status < 300) {
    const parsed = created.safeParse(json);
    return { status: response.status, resourceId: parsed.success ? parsed.data.message_id : null };
  }
  const parsed = refused.safeParse(json);
  return { status: response.status, ...(parsed.success ? { code: parsed.data.error } : {}) };
}

export function kanamicThreadWriter(options: KanamicWriterOptions): ThreadWriter {
  const id = options.id ?? 'kanamic';
  // A token of its own, apart from the connector's: the worker and the timeline's poll run independently.
  const tokens = createKanamicTokenClient({
    vendor: id,
    tokenUrl: vendorUrl(options.baseUrl, 'oauth/token'),
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    timeoutMs: defaultDeliveryPolicy.timeoutMs,
    now: options.now ?? (() => new Date()),
  });
  return {
    id,
    name: kanamicName,
    async send(post, timeoutMs) {
      // One budget for the token and the post, and the one resend below.
      const deadline = AbortSignal.timeout(timeoutMs);
      const url = vendorUrl(
        options.baseUrl,
        `api/v2/groups/${encodeURIComponent(post.vendor_patient_ref)}/messages`,
      );
      const body = JSON.stringify(kanamicMessageOf(post));
      const attempt = async () =>
        requestVendor(
          url,
          {
            method: 'POST',
            headers: {
              authorization: `Bearer ${await tokens.token(deadline)}`,
              'content-type': 'application/json',
              accept: 'application/json',
              'idempotency-key': post.post_id,
            },
            body,
          },
          { vendor: id, timeoutMs, maxBytes: 64 * 1024, signal: deadline },
        );
      try {
        let response = await attempt();
        if (response.status === 401) {
          // Tokens can die before their announced lifetime; the key makes sending again harmless.
          tokens.invalidate();
          response = await attempt();
        }
        return readAnswer(response);
      } catch (error) {
        return noAnswer(error);
      }
    },
  };
}
