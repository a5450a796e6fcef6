import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The groups of site.yml; the one throw-away host belongs to all of them. */
export const HOST_GROUPS = ['postgresql', 'redis', 'workspace_app', 'broker', 'desktop_host'] as const;

/** The zones' address ranges in the test inventory, distinct so that a rule's sources can be told apart. */
export const TEST_NETWORKS = {
  admin: ['10.0.0.0/24'],
  clients: ['0.0.0.0/0', '::/0'],
  broker: ['10.1.0.0/24'],
  portal: ['10.2.0.0/24'],
  desktop: ['10.4.0.0/24'],
};

/** Where the test puts a stand-in for the image's provisioning script, inside the root. */
export const PROVISION_STUB = '/usr/local/lib/hcw-test/provision-desktop.sh';
/** Where that stand-in records each call's HCW_* environment, inside the root. */
export const PROVISION_CALLS = '/var/lib/hcw-test/provision-calls';
/** The CA bundle npm inside the root trusts: this machine's own, for a registry reached through a proxy. */
export const NPM_CA_BUNDLE = '/usr/local/share/hcw-test/ca-bundle.crt';

/** The agent unit the stand-in installs, as the real script does (its step 6), from the release's template. */
export const IMAGE_AGENT_UNIT = '/etc/systemd/system/hcw-desktop-agent.service';

export const PROVISION_STUB_SCRIPT = `#!/bin/bash
# Stands in for vdi-images/provision/provision-desktop.sh: records what it was told, makes the kiosk's and the
# agent's users and installs the agent's unit the way the real script does, without the desktop packages,
# Node.js or the agent's own npm install.
set -euo pipefail
mkdir -p "$(dirname ${PROVISION_CALLS})"
{ env | grep '^HCW_' | sort; echo '---'; } >> ${PROVISION_CALLS}
for user in hcw-kiosk "$HCW_AGENT_USER"; do
  id -u "$user" >/dev/null 2>&1 || useradd --system --user-group --no-create-home --home-dir /nonexistent \\
    --shell /usr/sbin/nologin "$user"
done
sed -e 's|@INSTALL_DIR@|/opt/hcw-workspace|g' -e 's|@NODE@|/usr/local/bin/node|g' -e 's|@KIOSK_USER@|hcw-kiosk|g' \\
  -e "s|@AGENT_USER@|$HCW_AGENT_USER|g" "$HCW_REPO_DIR/vdi-images/provision/hcw-desktop-agent.service" > ${IMAGE_AGENT_UNIT}
install -d -o root -g root -m 0750 /etc/hcw
`;

export interface TestDeployment {
  inventory: object;
  vars: Record<string, unknown>;
  secrets: TestSecrets;
  /** Two desktops, so that the host runs the desktop_host role's own agent instances. */
  desktops: { id: string; display: number; vnc_port: number; agent_port: number }[];
}

/** A throw-away self-signed certificate and key (P-256), for nginx's sites and as the IdP's certificate. */
export function aCertificate(commonName: string): { certificate: string; key: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hcw-ansible-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
      ].concat(['-subj', `/CN=${commonName}`, '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`]),
      { stdio: 'ignore' },
    );
    return {
      certificate: readFileSync(`${dir}/cert.pem`, 'utf8'),
      key: readFileSync(`${dir}/key.pem`, 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Fresh vault values: hex secrets and passwords, base64 32-byte keys, as vault.yml.example asks. */
export function someSecrets() {
  const hex = () => randomBytes(32).toString('hex');
  const key = () => randomBytes(32).toString('base64');
  return {
    vault_broker_session_secret: hex(),
    vault_broker_tunnel_key: key(),
    vault_broker_secrets_key: key(),
    vault_broker_recording_key: key(),
    vault_internal_ca_passphrase: hex(),
    vault_portal_handoff_secret: hex(),
    vault_portal_session_secret: hex(),
    vault_postgresql_broker_password: hex(),
    vault_postgresql_portal_password: hex(),
    vault_postgresql_audit_reader_password: hex(),
    vault_postgresql_broker_audit_reader_password: hex(),
    vault_redis_broker_password: hex(),
    vault_redis_portal_password: hex(),
  };
}

export type TestSecrets = ReturnType<typeof someSecrets>;

export interface TestDeploymentOptions {
  rootDir: string;
  nodeArchive: string;
  release: { archive: string; version: string };
  npmRegistry?: string;
  npmCaBundle?: boolean;
}

/**
 * The inventory and extra variables of a run into one throw-away root through Ansible's chroot connection:
 * every group on one host, no systemd (hcw_manage_services false), Node.js and the release from tarballs.
 */
export function aTestDeployment(options: TestDeploymentOptions): TestDeployment {
  const secrets = someSecrets();
  const broker = aCertificate('broker.test');
  const portal = aCertificate('portal.test');
  const idp = aCertificate('idp.test');
  const desktops = [1, 2].map((n) => ({
    id: `desk-test-${n}`,
    display: n,
    vnc_port: 5900 + n,
    agent_port: 8700 + n,
  }));
  const inventory = {
    all: {
      hosts: {
        'throwaway-root': {
          ansible_connection: 'community.general.chroot',
          ansible_host: options.rootDir,
          ansible_python_interpreter: '/usr/bin/python3',
          // Already root inside the chroot; su (util-linux, in every base) becomes postgres where a task asks.
          ansible_become_method: 'su',
          hcw_address: '127.0.0.1',
          hcw_desktops: desktops,
        },
      },
      children: Object.fromEntries(
        HOST_GROUPS.map((group) => [group, { hosts: { 'throwaway-root': null } }]),
      ),
    },
  };
  const vars: Record<string, unknown> = {
    ...secrets,
    hcw_manage_services: false,
    hcw_networks: TEST_NETWORKS,
    hcw_nodejs_source: 'archive',
    hcw_nodejs_archive: options.nodeArchive,
    hcw_release_source: 'archive',
    hcw_release_archive: options.release.archive,
    hcw_release_version: options.release.version,
    hcw_broker_server_name: 'broker.test',
    hcw_portal_server_name: 'portal.test',
    hcw_broker_tls_certificate: broker.certificate,
    hcw_broker_tls_key: broker.key,
    hcw_portal_tls_certificate: portal.certificate,
    hcw_portal_tls_key: portal.key,
    hcw_broker_saml_idp_certificate: idp.certificate,
    hcw_desktop_provision_script: PROVISION_STUB,
  };
  if (options.npmRegistry) vars.hcw_release_npm_registry = options.npmRegistry;
  if (options.npmCaBundle) vars.hcw_release_npm_cafile = NPM_CA_BUNDLE;
  return { inventory, vars, secrets, desktops };
}
