import { readFileSync } from 'node:fs';
import { BROKER_IDENTITY, desktopIdentity } from '@hcw/common';
import type { AgentTls } from '#broker/desktops/agent-client.js';
import { internalCa, type InternalCa, type IssuedCertificate } from '#scripts/stack/internal-ca.js';
import { processWide } from './process-wide.js';
import { scratchDir } from './scratch-dir.js';

export interface TestInternalCa {
  ca: InternalCa;
  /** The broker's client certificate from it, as files and as the agent client's PEM. */
  broker: IssuedCertificate;
  brokerTls: AgentTls;
  /** The broker's settings that name them (BROKER_INTERNAL_CA_FILE, BROKER_TLS_CERT_FILE, BROKER_TLS_KEY_FILE). */
  brokerEnv: Record<string, string>;
  /** A desktop agent's server certificate for loopback, naming that desktop, as PEM. */
  agentPem(desktopId: string): { cert: string; key: string };
}

/**
 * An internal CA for suites that work without the shared workspace (fake agents, configuration checks): one
 * per test process, in a folder removed when the process ends. The shared workspace has its own
 * (`stack.internalCa`), as every deployment has.
 */
export function testInternalCa(): TestInternalCa {
  return processWide('test-internal-ca', () => {
    const ca = internalCa(scratchDir('hcw-test-ca'), 'Test internal CA');
    const broker = ca.issue('broker', { commonName: 'broker', usage: 'client', uris: [BROKER_IDENTITY] });
    const pem = (file: string) => readFileSync(file, 'utf8');
    return {
      ca,
      broker,
      brokerTls: { ca: ca.pem, cert: pem(broker.certFile), key: pem(broker.keyFile) },
      brokerEnv: {
        BROKER_INTERNAL_CA_FILE: ca.certFile,
        BROKER_TLS_CERT_FILE: broker.certFile,
        BROKER_TLS_KEY_FILE: broker.keyFile,
      },
      agentPem(desktopId: string) {
        const issued = ca.issue(desktopId, {
          commonName: desktopId,
          usage: 'server',
          dns: ['localhost'],
          ips: ['127.0.0.1'],
          uris: [desktopIdentity(desktopId)],
        });
        return { cert: pem(issued.certFile), key: pem(issued.keyFile) };
      },
    };
  });
}
