import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The stack's internal certificate authority: the one every internal link of the local stack is verified
 * against (Redis, PostgreSQL, guacd, the desktop agents), as a deployment's internal CA is. Made with the
 * openssl command line, ECDSA P-256, kept in the stack's data directory; the CA key never leaves it.
 */
export interface InternalCa {
  certFile: string;
  /** The CA certificate, PEM. */
  pem: string;
  /**
   * Issues (or, when its files are already there, reuses) a certificate and key for one party, as
   * `<name>.crt` and `<name>.key` in the CA's folder or in `into`.
   */
  issue(name: string, identity: Identity, into?: string): IssuedCertificate;
}

export interface Identity {
  commonName: string;
  /** serverAuth, clientAuth, or both: a certificate is accepted only for what it was issued for. */
  usage: 'server' | 'client';
  dns?: string[];
  ips?: string[];
  /** URI names: the desktop or service this certificate speaks for (see common/src/contracts/internal-identity.ts). */
  uris?: string[];
  /** The system user that must own the key (PostgreSQL refuses a key another user can read). */
  owner?: { uid: number; gid: number };
}

export interface IssuedCertificate {
  certFile: string;
  keyFile: string;
}

const run = (args: string[], cwd: string): void => {
  try {
    execFileSync('openssl', args, { cwd, stdio: 'pipe' });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString('utf8').trim();
    throw new Error(`openssl ${args[0]} failed: ${stderr || (error as Error).message}`);
  }
};

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function internalCa(dir: string, name = 'Home-care workspace internal CA'): InternalCa {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const certFile = path.join(dir, 'ca.crt');
  const keyFile = path.join(dir, 'ca.key');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    const config = path.join(dir, 'ca.cnf');
    writeFileSync(
      config,
      [
        '[req]',
        'distinguished_name = dn',
        'prompt = no',
        '[dn]',
        `CN = ${name}`,
        '[ca]',
        'basicConstraints = critical, CA:TRUE, pathlen:0',
        'keyUsage = critical, keyCertSign, cRLSign',
        'subjectKeyIdentifier = hash',
        '',
      ].join('\n'),
    );
    run(
      ['req', '-x509', '-config', config, '-extensions', 'ca', ...EC_KEY, '-days', '3650'].concat([
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ]),
      dir,
    );
    rmSync(config);
  }
  const pem = readFileSync(certFile, 'utf8');

  const issue = (leaf: string, identity: Identity, into = dir): IssuedCertificate => {
    if (!/^[a-z0-9][a-z0-9._-]*$/i.test(leaf)) throw new Error(`not a certificate name: ${leaf}`);
    mkdirSync(into, { recursive: true, mode: 0o700 });
    const leafCert = path.join(into, `${leaf}.crt`);
    const leafKey = path.join(into, `${leaf}.key`);
    if (!existsSync(leafCert) || !existsSync(leafKey)) {
      const names = [
        ...(identity.dns ?? []).map((n) => `DNS:${n}`),
        ...(identity.ips ?? []).map((n) => `IP:${n}`),
        ...(identity.uris ?? []).map((n) => `URI:${n}`),
      ];
      const extensions = path.join(into, `${leaf}.ext`);
      writeFileSync(
        extensions,
        [
          '[leaf]',
          'basicConstraints = critical, CA:FALSE',
          'keyUsage = critical, digitalSignature',
          `extendedKeyUsage = ${identity.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
          ...(names.length > 0 ? [`subjectAltName = ${names.join(', ')}`] : []),
          'subjectKeyIdentifier = hash',
          'authorityKeyIdentifier = keyid',
          '',
        ].join('\n'),
      );
      const request = path.join(into, `${leaf}.csr`);
      run(
        [
          'req',
          '-new',
          ...EC_KEY,
          '-subj',
          `/CN=${identity.commonName}`,
          '-keyout',
          leafKey,
          '-out',
          request,
        ],
        dir,
      );
      run(
        ['x509', '-req', '-in', request, '-CA', certFile, '-CAkey', keyFile].concat([
          '-set_serial',
          `0x${randomBytes(16).toString('hex')}`,
          '-days',
          '825',
          '-extfile',
          extensions,
          '-extensions',
          'leaf',
          '-out',
          leafCert,
        ]),
        dir,
      );
      rmSync(request);
      rmSync(extensions);
    }
    if (identity.owner) chownSync(leafKey, identity.owner.uid, identity.owner.gid);
    return { certFile: leafCert, keyFile: leafKey };
  };

  return { certFile, pem, issue };
}
