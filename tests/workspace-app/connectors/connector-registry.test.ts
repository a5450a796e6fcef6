import assert from 'node:assert/strict';
import type { Connector, ConnectorHealth } from '#workspace-app/connectors/connector.js';
import { ConnectorRegistry } from '#workspace-app/connectors/connector-registry.js';
import { createConnectors } from '#workspace-app/connectors/create-connectors.js';

function aConnector(id: string, mode: 'pull' | 'push', health: Partial<ConnectorHealth> = {}): Connector {
  const base = {
    id,
    displayName: { ja: id, en: id },
    map: () => [],
    health: async () => ({
      connectorId: id,
      status: 'up' as const,
      checkedAt: '2024-05-01T00:00:00.000Z',
      ...health,
    }),
  };
  return mode === 'pull'
    ? {
        ...base,
        mode,
        style: 'rest-polling',
        fetch: async () => ({ events: [], cursor: undefined, hasMore: false }),
      }
    : { ...base, mode, style: 'webhook', maxPayloadBytes: 1_024, receive: async () => [] };
}

describe('connector registry', () => {
  it('lists its connectors and tells pull from push', () => {
    const registry = new ConnectorRegistry([aConnector('mcs', 'push'), aConnector('kanamic', 'pull')]);

    assert.deepEqual(
      registry.list().map((connector) => connector.id),
      ['mcs', 'kanamic'],
    );
    assert.deepEqual(
      registry.pullConnectors().map((connector) => connector.id),
      ['kanamic'],
    );
    assert.equal(registry.pushConnector('mcs')?.id, 'mcs');
    assert.equal(registry.pushConnector('kanamic'), undefined);
  });

  it('refuses two connectors with one id, whose events would share keys', () => {
    assert.throws(() => new ConnectorRegistry([aConnector('fhir', 'pull'), aConnector('fhir', 'pull')]));
  });

  it('reports the health of every vendor', async () => {
    const registry = new ConnectorRegistry([
      aConnector('mcs', 'push'),
      aConnector('kanamic', 'pull', { status: 'down', detail: 'HTTP 503' }),
    ]);

    assert.deepEqual(
      (await registry.health()).map((health) => [health.connectorId, health.status]),
      [
        ['mcs', 'up'],
        ['kanamic', 'down'],
      ],
    );
  });

  it('creates the connectors its settings name and no others', () => {
    const registry = createConnectors({
      mcs: { baseUrl: 'https://mcs.example.jp', secret: 'x'.repeat(32) },
      hikariOne: { baseUrl: 'https://hikari.example.jp', apiKey: 'k'.repeat(32), account: 'facility-1' },
      fhir: [
        {
          id: 'fhir-tokyo-east',
          nameJa: '東部地域連携',
          nameEn: 'Tokyo East',
          baseUrl: 'https://fhir.example.jp/fhir',
          account: 'portal',
        },
      ],
    });

    assert.deepEqual(
      registry.list().map((connector) => [connector.id, connector.style]),
      [
        ['mcs', 'webhook'],
        ['hikari-one', 'batch-export'],
        ['fhir-tokyo-east', 'fhir-rest'],
      ],
    );
    assert.equal(registry.get('fhir-tokyo-east')?.displayName.ja, '東部地域連携');
  });

  it('refuses settings with a secret too short to be one, or an address that is not http', () => {
    assert.throws(() => createConnectors({ mcs: { baseUrl: 'https://mcs.example.jp', secret: 'short' } }));
    assert.throws(() => createConnectors({ mcs: { baseUrl: 'mcs.example.jp', secret: 'x'.repeat(32) } }));
    assert.throws(() =>
      createConnectors({ mcs: { baseUrl: 'ftp://mcs.example.jp', secret: 'x'.repeat(32) } }),
    );
  });
});
