import { connectorSettings, type ConnectorSettings } from '../connectors/create-connectors.js';
import { fhirThreadWriter } from './fhir-thread-writer.js';
import { kanamicThreadWriter } from './kanamic-thread-writer.js';
import type { ThreadWriter } from './thread-delivery.js';

/**
 * The vendors the thread's posts go to, from the connector settings: every connected FHIR server, and
 * Kanamic when it is connected (its partner API takes messages with the credentials the connector reads
 * with). MCS (metadata-only notifications), ひかりワン (a batch export) and バイタルリンク (a read API) have no
 * writing API here; the thread page names them among the vendors whose users will not see the posts. app.ts
 * names these vendors on the thread page; main.ts's worker sends with them.
 */
export function threadWriters(settings: ConnectorSettings): ThreadWriter[] {
  const parsed = connectorSettings.parse(settings);
  return [
    ...(parsed.kanamic ? [kanamicThreadWriter(parsed.kanamic)] : []),
    ...parsed.fhir.map((server) =>
      fhirThreadWriter({
        id: server.id,
        name: { ja: server.nameJa, en: server.nameEn },
        baseUrl: server.baseUrl,
        ...(server.bearerToken ? { bearerToken: server.bearerToken } : {}),
      }),
    ),
  ];
}
