import type { Bilingual } from '@hcw/common';
import { requestVendor } from '../connectors/request-vendor.js';
import { vendorUrl } from '../connectors/vendor-url.js';
import { noAnswer, type OutgoingPost, THREAD_TOPIC, type ThreadWriter } from './thread-delivery.js';

/**
 * A FHIR server takes the thread's posts as `Communication`s carrying the post's identifier
 * (`urn:uuid:<post id>`), created with `If-None-Exist` on it: sent again after a lost answer, the server
 * answers with the one it stored (200) instead of storing a second.
 */
export interface FhirWriteTarget {
  /** The connector id the patient is linked under in timeline_patient_groups (`fhir`, `fhir-…`). */
  id: string;
  name: Bilingual;
  /** The FHIR base, e.g. https://fhir.example.jp/fhir. */
  baseUrl: string;
  bearerToken?: string;
}

/** The standard system for an identifier that is itself a URI. */
export const URI_SYSTEM = 'urn:ietf:rfc:3986';

export function postIdentifier(postId: string): string {
  return `urn:uuid:${postId}`;
}

/** The post as a FHIR R4 Communication about the vendor's patient. */
export function communicationOf(post: OutgoingPost): Record<string, unknown> {
  return {
    resourceType: 'Communication',
    identifier: [{ system: URI_SYSTEM, value: postIdentifier(post.post_id) }],
    status: 'completed',
    subject: { reference: post.vendor_patient_ref },
    topic: { text: THREAD_TOPIC },
    ...(post.reply_to
      ? { inResponseTo: [{ identifier: { system: URI_SYSTEM, value: postIdentifier(post.reply_to) } }] }
      : {}),
    sent: post.posted_at.toISOString(),
    sender: { display: `${post.author_name}（${post.author_profession}・${post.author_organisation}）` },
    payload: [{ contentString: post.body }],
  };
}

export function fhirThreadWriter(target: FhirWriteTarget): ThreadWriter {
  return {
    id: target.id,
    name: target.name,
    async send(post, timeoutMs) {
      const identifier = `${URI_SYSTEM}|${postIdentifier(post.post_id)}`;
      try {
        const response = await requestVendor(
          vendorUrl(target.baseUrl, 'Communication'),
          {
            method: 'POST',
            headers: {
              'content-type': 'application/fhir+json',
              accept: 'application/fhir+json',
              'if-none-exist': `identifier=${encodeURIComponent(identifier)}`,
              ...(target.bearerToken ? { authorization: `Bearer ${target.bearerToken}` } : {}),
            },
            body: JSON.stringify(communicationOf(post)),
          },
          // The server echoes the resource; a post is at most 2,000 characters.
          { vendor: target.id, timeoutMs, maxBytes: 1024 * 1024 },
        );
        const location = response.headers.get('location') ?? '';
        return {
          status: response.status,
          resourceId: /Communication\/([^/]+)/.exec(location)?.[1] ?? null,
        };
      } catch (error) {
        return noAnswer(error);
      }
    },
  };
}
