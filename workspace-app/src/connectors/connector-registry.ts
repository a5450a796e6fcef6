import type { Connector, ConnectorHealth, PullConnector, PushConnector } from './connector.js';

/**
 * The connectors the portal runs, by id. The poller walks `pullConnectors()`, the webhook route looks up
 * `pushConnector(id)`, the admin screen shows `health()`; none of them knows a vendor by name.
 */
export class ConnectorRegistry {
  readonly #connectors = new Map<string, Connector>();

  constructor(connectors: Iterable<Connector>) {
    for (const connector of connectors) {
      // The id is half of every stored event's key; two connectors sharing one would merge their events.
      if (this.#connectors.has(connector.id)) throw new Error(`two connectors share the id ${connector.id}`);
      this.#connectors.set(connector.id, connector);
    }
  }

  list(): Connector[] {
    return [...this.#connectors.values()];
  }

  get(id: string): Connector | undefined {
    return this.#connectors.get(id);
  }

  pullConnectors(): PullConnector[] {
    return this.list().filter((connector): connector is PullConnector => connector.mode === 'pull');
  }

  pushConnector(id: string): PushConnector | undefined {
    const connector = this.#connectors.get(id);
    return connector?.mode === 'push' ? connector : undefined;
  }

  /** All vendors checked at once, so the slowest vendor's timeout is the whole wait. */
  health(): Promise<ConnectorHealth[]> {
    return Promise.all(this.list().map((connector) => connector.health()));
  }
}
