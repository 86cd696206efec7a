// Throw-away certificates for a test control plane, made with the openssl CLI: one CA, the API
// server's serving certificate, client certificates (CN = user, O = groups) and the service-account
// signing key pair.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileAsync } from '../tools/exec.ts';

export interface CertificatePaths {
  cert: string;
  key: string;
}

export class Pki {
  readonly dir: string;
  readonly ca: CertificatePaths;

  constructor(dir: string) {
    this.dir = dir;
    this.ca = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  }

  /** Creates the CA unless one exists (a restarted local cluster keeps its kubeconfig valid). */
  async ensureCa(): Promise<void> {
    if (existsSync(this.ca.cert)) return;
    await openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '3650',
      '-keyout',
      this.ca.key,
      '-out',
      this.ca.cert,
      '-subj',
      '/CN=cloudpos-test-ca',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  }

  async serving(name: string, sans: string[]): Promise<CertificatePaths> {
    return this.issue(name, `/CN=${name}`, [
      `subjectAltName=${sans.join(',')}`,
      'extendedKeyUsage=serverAuth',
      'keyUsage=critical,digitalSignature,keyEncipherment',
    ]);
  }

  /** A client certificate: the API server reads the user from CN and the groups from O. */
  async client(name: string, user: string, groups: string[] = []): Promise<CertificatePaths> {
    const subject = `${groups.map((group) => `/O=${group}`).join('')}/CN=${user}`;
    return this.issue(name, subject, [
      'extendedKeyUsage=clientAuth',
      'keyUsage=critical,digitalSignature,keyEncipherment',
    ]);
  }

  /** The key pair that signs and verifies service-account tokens. */
  async serviceAccountKeys(): Promise<{ privateKey: string; publicKey: string }> {
    const paths = { privateKey: join(this.dir, 'sa.key'), publicKey: join(this.dir, 'sa.pub') };
    if (existsSync(paths.privateKey)) return paths;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(paths.privateKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await writeFile(paths.publicKey, publicKey.export({ type: 'spki', format: 'pem' }));
    return paths;
  }

  private async issue(name: string, subject: string, extensions: string[]): Promise<CertificatePaths> {
    const paths = { cert: join(this.dir, `${name}.crt`), key: join(this.dir, `${name}.key`) };
    if (existsSync(paths.cert)) return paths;
    const csr = join(this.dir, `${name}.csr`);
    const ext = join(this.dir, `${name}.ext`);
    await writeFile(ext, `${extensions.join('\n')}\n`);
    await openssl([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      paths.key,
      '-out',
      csr,
      '-subj',
      subject,
    ]);
    await openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      this.ca.cert,
      '-CAkey',
      this.ca.key,
      '-CAcreateserial',
      '-days',
      '3650',
      '-out',
      paths.cert,
      '-extfile',
      ext,
    ]);
    return paths;
  }
}

async function openssl(args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args);
  } catch (error) {
    throw new Error(`openssl ${args[0]} failed: ${(error as { stderr?: string }).stderr ?? String(error)}`, {
      cause: error,
    });
  }
}
