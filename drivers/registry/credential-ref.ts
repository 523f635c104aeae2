import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { Fatal } from '../driver.js';
import { InvalidHostConnection } from './connection-uri.js';

/**
 * Where a host's secret (an SSH private key, a password) is, never the secret itself: the API and
 * the database hold only this reference, and the worker reads the secret when it connects.
 * `secret:NAME` is `secrets.NAME` in hostgraph.yaml or HOSTGRAPH_SECRET_NAME in the environment;
 * `file:/absolute/path` is a file on the worker's machine (a mounted Kubernetes or Vault secret).
 */
export type CredentialRef = { kind: 'secret'; name: string } | { kind: 'file'; path: string };

export function parseCredentialRef(ref: string): CredentialRef {
  const secret = /^secret:([A-Za-z0-9_]{1,100})$/.exec(ref);
  if (secret) return { kind: 'secret', name: secret[1]! };
  if (ref.startsWith('file:')) {
    const path = ref.slice('file:'.length);
    if (isAbsolute(path) && !/[\0\n]/.test(path)) return { kind: 'file', path };
  }
  throw new InvalidHostConnection(
    'credentialRef',
    'A credential reference is secret:NAME (hostgraph.yaml secrets, or HOSTGRAPH_SECRET_NAME) or file:/absolute/path — never the secret itself',
  );
}

/** The secret a reference points at; Fatal when it is not there, since retrying will not bring it. */
export function resolveCredential(ref: string, secrets: Record<string, string>): string {
  const parsed = parseCredentialRef(ref);
  if (parsed.kind === 'secret') {
    const value = secrets[parsed.name];
    if (value === undefined) throw new Fatal(`credential ${ref} is not configured: set secrets.${parsed.name} or HOSTGRAPH_SECRET_${parsed.name} for the worker`);
    return value;
  }
  try {
    return readFileSync(parsed.path, 'utf8');
  } catch (error) {
    throw new Fatal(`credential ${ref} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
