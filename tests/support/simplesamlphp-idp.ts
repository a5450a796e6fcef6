import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { freePort, startProcess, waitForHttp, type ManagedProcess } from '#scripts/stack/managed-process.js';
import { ensureSimpleSamlPhp } from './ensure-simplesamlphp.js';
import { HttpAgent, postForm } from './http-agent.js';
import { scratchDir } from './scratch-dir.js';

/** Where Debian's package puts SimpleSAMLphp's web root and its shipped configuration. */
const WEB_ROOT = '/usr/share/simplesamlphp/www';
const DEBIAN_CONFIG = '/etc/simplesamlphp/config.php';
const METADATA_NS = 'urn:oasis:names:tc:SAML:2.0:metadata';
const REDIRECT_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

/** A user of the IdP's static user list (exampleauth:UserPass): what they type, and what is asserted. */
export interface IdpUser {
  username: string;
  password: string;
  attributes: Record<string, string[]>;
}

export interface SimpleSamlPhpIdp {
  url: string;
  /** What its own metadata says, as an operator would copy it into the broker's configuration. */
  entityId: string;
  ssoUrl: string;
  sloUrl: string;
  /** Its signing certificate, as a PEM file written from its metadata. */
  certFile: string;
  /** Registers a service provider from its metadata XML, through the admin interface's converter. */
  registerServiceProvider(metadataXml: string): Promise<void>;
  /** Where it starts single logout itself (its "log out" link), sending the browser back to `returnTo`. */
  logoutUrl(returnTo?: string): string;
  stop(): Promise<void>;
}

/** A PHP string literal. */
function php(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

function phpStrings(values: string[]): string {
  return `[${values.map(php).join(', ')}]`;
}

/**
 * A throw-away SimpleSAMLphp 1.19 identity provider on a free loopback port, as Debian packages it: its own
 * configuration folder (Debian's shipped settings with this instance's folders, secrets and address on top),
 * its own signing key, the given users, served by PHP's built-in web server. Everything else is
 * SimpleSAMLphp's default, except what the broker requires of any IdP and says so in its documentation:
 * logout messages signed (and ours checked). `persistentNameIds` switches on what an operator adds for
 * persistent NameIDs (the saml:PersistentNameID filter over `uid`); without it, a service provider gets
 * SimpleSAMLphp's transient NameIDs.
 */
export async function startSimpleSamlPhpIdp(options: {
  users: IdpUser[];
  persistentNameIds?: boolean;
}): Promise<SimpleSamlPhpIdp> {
  ensureSimpleSamlPhp();
  const dir = scratchDir('hcw-simplesamlphp');
  const folder = (name: string) => {
    const at = path.join(dir, name);
    mkdirSync(at, { recursive: true });
    return at;
  };
  const [configDir, metadataDir, certDir, logDir] = ['config', 'metadata', 'cert', 'log'].map(folder);
  const [dataDir, tempDir, sessionDir] = ['data', 'tmp', 'sessions'].map(folder);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const adminPassword = randomBytes(18).toString('base64url');

  writeFileSync(
    path.join(configDir!, 'config.php'),
    `<?php
// Debian's shipped configuration, then what makes this a separate, throw-away instance.
require ${php(DEBIAN_CONFIG)};
$config['baseurlpath'] = ${php(`${url}/`)};
$config['certdir'] = ${php(`${certDir}/`)};
$config['loggingdir'] = ${php(`${logDir}/`)};
$config['datadir'] = ${php(`${dataDir}/`)};
$config['tempdir'] = ${php(tempDir!)};
$config['metadatadir'] = ${php(`${metadataDir}/`)};
$config['session.phpsession.savepath'] = ${php(sessionDir!)};
$config['secretsalt'] = ${php(randomBytes(24).toString('base64url'))};
$config['auth.adminpassword'] = ${php(adminPassword)};
$config['enable.saml20-idp'] = true;
$config['module.enable'] = ['exampleauth' => true];
// Plain HTTP on loopback, like the broker in the tests: a Secure session cookie would never come back.
$config['session.cookie.secure'] = false;
// No syslog here; the log stays in this instance's folder.
$config['logging.handler'] = 'file';
`,
  );
  const users = options.users
    .map(
      (u) =>
        `    ${php(`${u.username}:${u.password}`)} => [${Object.entries(u.attributes)
          .map(([name, values]) => `${php(name)} => ${phpStrings(values)}`)
          .join(', ')}],`,
    )
    .join('\n');
  writeFileSync(
    path.join(configDir!, 'authsources.php'),
    `<?php
$config = [
  'admin' => ['core:AdminPassword'],
  'users' => [
    'exampleauth:UserPass',
${users}
  ],
];
`,
  );
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '2',
      '-subj',
      '/CN=simplesamlphp',
    ].concat(['-keyout', path.join(certDir!, 'idp.key'), '-out', path.join(certDir!, 'idp.crt')]),
    { stdio: 'ignore' },
  );
  writeFileSync(
    path.join(metadataDir!, 'saml20-idp-hosted.php'),
    `<?php
$metadata['__DYNAMIC:1__'] = [
  'host' => '__DEFAULT__',
  'privatekey' => 'idp.key',
  'certificate' => 'idp.crt',
  'auth' => 'users',
  // Logout messages are signed (SimpleSAMLphp signs them only when told), and the service's are checked.
  'sign.logout' => true,
  'validate.logout' => true,
${options.persistentNameIds ? "  'authproc' => [60 => ['class' => 'saml:PersistentNameID', 'attribute' => 'uid']],\n" : ''}];
`,
  );
  writeFileSync(path.join(metadataDir!, 'saml20-sp-remote.php'), '<?php\n');

  const server: ManagedProcess = startProcess(
    'simplesamlphp',
    'php',
    ['-S', `127.0.0.1:${port}`, '-t', WEB_ROOT],
    {
      env: { SIMPLESAMLPHP_CONFIG_DIR: configDir },
      logFile: path.join(logDir!, 'web-server.log'),
    },
  );
  try {
    await waitForHttp(`${url}/saml2/idp/metadata.php`, { process: server });
  } catch (error) {
    await server.stop();
    throw error;
  }

  // What the broker is told about this IdP comes from the IdP's own metadata, as an operator would read it.
  const metadataXml = await (await fetch(`${url}/saml2/idp/metadata.php`)).text();
  const descriptor = new DOMParser().parseFromString(metadataXml, 'text/xml').documentElement!;
  const locationOf = (service: string): string => {
    const endpoint = Array.from(descriptor.getElementsByTagNameNS(METADATA_NS, service)).find(
      (e) => e.getAttribute('Binding') === REDIRECT_BINDING,
    );
    if (!endpoint) throw new Error(`no ${service} in the IdP's metadata`);
    return endpoint.getAttribute('Location')!;
  };
  const signingKey = Array.from(descriptor.getElementsByTagNameNS(METADATA_NS, 'KeyDescriptor')).find(
    (k) => k.getAttribute('use') !== 'encryption',
  );
  const certBody = signingKey?.textContent?.replace(/\s+/g, '') ?? '';
  const certFile = path.join(dir, 'idp-from-metadata.crt');
  writeFileSync(
    certFile,
    `-----BEGIN CERTIFICATE-----\n${certBody.replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`,
  );

  const admin = new HttpAgent();
  return {
    url,
    entityId: descriptor.getAttribute('entityID')!,
    ssoUrl: locationOf('SingleSignOnService'),
    sloUrl: locationOf('SingleLogoutService'),
    certFile,
    async registerServiceProvider(spMetadataXml: string) {
      // The operator's way: sign in to the admin interface, paste the XML into the metadata converter, and put
      // what it prints into metadata/saml20-sp-remote.php.
      const converter = `${url}/admin/metadata-converter.php`;
      const login = await admin.open(converter);
      if (login.url.includes('loginuserpass')) {
        const form = postForm(login.html, login.url);
        if (!form) throw new Error('no admin sign-in form');
        const signedIn = await admin.post(form.action, {
          ...form.fields,
          username: 'admin',
          password: adminPassword,
        });
        await admin.follow(signedIn, form.action);
      }
      const converted = await admin.post(converter, { xmldata: spMetadataXml });
      const page = await converted.text();
      const output = /<pre id="metadata1">([\s\S]*?)<\/pre>/.exec(page)?.[1];
      if (converted.status !== 200 || !output) {
        throw new Error(`the metadata converter gave nothing (status ${converted.status})`);
      }
      const entry = output
        .replaceAll('&#039;', "'")
        .replaceAll('&quot;', '"')
        .replaceAll('&gt;', '>')
        .replaceAll('&lt;', '<')
        .replaceAll('&amp;', '&');
      appendFileSync(path.join(metadataDir!, 'saml20-sp-remote.php'), `${entry}\n`);
    },
    logoutUrl(returnTo = `${url}/logout.php`) {
      return `${url}/saml2/idp/SingleLogoutService.php?ReturnTo=${encodeURIComponent(returnTo)}`;
    },
    stop: () => server.stop(),
  };
}
