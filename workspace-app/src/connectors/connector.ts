import type { CanonicalEvent } from './canonical-event.js';

/**
 * What every vendor connector offers the timeline. A new vendor is a new folder that implements this and
 * one line in the registry; the timeline only ever sees `CanonicalEvent`s.
 *
 * Errors a caller can act on are typed: `VendorPayloadError` (the vendor sent something refused as a
 * whole), `VendorUnavailableError` (try again later), `VendorAuthError` (fix the credentials).
 */

/** How the vendor hands over its data. */
export type IntegrationStyle =
  | 'webhook' // the vendor pushes signed notifications to the portal
  | 'rest-polling' // the portal pages through a REST API
  | 'batch-export' // the vendor publishes numbered export files the portal downloads
  | 'fhir-rest'; // the portal searches a FHIR R4 server

export interface LocalisedName {
  ja: string;
  en: string;
}

export interface ConnectorHealth {
  connectorId: string;
  status: 'up' | 'down';
  checkedAt: string;
  latencyMs?: number;
  /** Why the vendor counts as down, in words an administrator can act on. */
  detail?: string;
}

interface ConnectorBase {
  readonly id: string;
  readonly displayName: LocalisedName;
  readonly style: IntegrationStyle;
  /**
   * Turns one vendor payload (a parsed JSON document, or the raw bytes of an export file) into events.
   * All or nothing: a payload with one bad record throws `VendorPayloadError` and yields no event.
   */
  map(vendorPayload: unknown): CanonicalEvent[];
  /** Never throws; a vendor that does not answer within a short timeout is reported `down`. */
  health(): Promise<ConnectorHealth>;
}

export interface PullResult {
  events: CanonicalEvent[];
  /** Pass to the next `fetch` once the events are stored; opaque, owned by the connector. */
  cursor: string | undefined;
  /** More is waiting than one `fetch` takes; call again soon instead of waiting for the next round. */
  hasMore: boolean;
}

export interface PullConnector extends ConnectorBase {
  readonly mode: 'pull';
  /** Everything new since `since` (everything the vendor keeps when undefined), bounded in pages and time. */
  fetch(since: string | undefined, options?: { signal?: AbortSignal }): Promise<PullResult>;
}

/** A request as the vendor sent it; the body unparsed, because signatures cover the exact bytes. */
export interface PushRequest {
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  body: Uint8Array;
}

export interface PushConnector extends ConnectorBase {
  readonly mode: 'push';
  /** Bodies above this are refused before they are read to the end. */
  readonly maxPayloadBytes: number;
  /** Verifies and maps one delivery; throws `VendorPayloadError` for anything not to be trusted. */
  receive(request: PushRequest): Promise<CanonicalEvent[]>;
}

export type Connector = PullConnector | PushConnector;
