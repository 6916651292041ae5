import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, RedisServer } from '../../helpers/redis-server.js';

/** A CA and a server certificate for 127.0.0.1 signed by it, plus an unrelated CA. */
export interface TestCertificates {
  dir: string;
  caFile: string;
  otherCaFile: string;
  certFile: string;
  keyFile: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'jobs-tls-'));
  const ca = (name: string): void =>
    openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '1', '-subj', `/CN=${name}`]);
  ca('test-ca');
  ca('other-ca');
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'test-ca.pem', '-CAkey', 'test-ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'san.ext']);
  return {
    dir,
    caFile: join(dir, 'test-ca.pem'),
    otherCaFile: join(dir, 'other-ca.pem'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
  };
}

export interface AclUser {
  name: string;
  password: string;
  /** Key patterns the user may touch, e.g. `jobs:{q}:*`. */
  keyPatterns: string[];
}

/**
 * The commands a queue needs, for an ACL user: data commands, scripts, MULTI, blocking pops,
 * connection commands, TIME (the scripts read the clock) and INFO (ioredis's ready check);
 * nothing else of @dangerous (no CONFIG, KEYS, FLUSHALL, SCRIPT FLUSH...).
 */
export const QUEUE_COMMANDS = ['+@read', '+@write', '+@scripting', '+@transaction', '+@connection', '+@blocking', '-@dangerous', '+time', '+info'];

/**
 * redis-server with TLS only (plain TCP off), clients not asked for certificates, the default
 * user behind `adminPassword` and one ACL user limited to its key patterns.
 */
export async function startTlsRedis(certs: TestCertificates, user: AclUser, adminPassword: string): Promise<RedisServer> {
  const port = await freePort();
  const acl = [user.name, 'on', `>${user.password}`, 'resetkeys', ...user.keyPatterns.map((p) => `~${p}`), 'resetchannels', '-@all', ...QUEUE_COMMANDS];
  const server = new RedisServer({
    args: [
      '--port', '0',
      '--tls-port', String(port),
      '--tls-cert-file', certs.certFile,
      '--tls-key-file', certs.keyFile,
      '--tls-ca-cert-file', certs.caFile,
      '--tls-auth-clients', 'no',
      '--requirepass', adminPassword,
      '--user', ...acl,
    ],
  });
  // the harness waits for a TCP connect on its port: make that the TLS port
  server.port = port;
  return server.start();
}
