/**
 * What every driver's URI parser shares: a WHATWG URL with its query parameters checked against
 * the ones the driver knows, so a typo (`storagedir=`) is refused instead of silently ignored.
 */

/** A host's driver, URI or credential reference that cannot work; `field` names which. */
export class InvalidHostConnection extends Error {
  constructor(
    readonly field: 'driver' | 'uri' | 'credentialRef',
    message: string,
  ) {
    super(message);
    this.name = 'InvalidHostConnection';
  }
}

export interface ParsedUri {
  url: URL;
  /** Every query parameter, each given at most once. */
  params: Map<string, string>;
  username: string;
}

/** Parses `uri`, which must use one of `schemes` and only the query parameters in `known`. */
export function parseConnectionUri(uri: string, driver: string, schemes: string[], known: readonly string[], example: string): ParsedUri {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new InvalidHostConnection('uri', `"${uri.slice(0, 200)}" is not a URI; a ${driver} host looks like ${example}`);
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!schemes.includes(scheme)) {
    throw new InvalidHostConnection('uri', `A ${driver} host's URI starts with ${schemes.map((s) => `${s}://`).join(' or ')}, not ${scheme}://; for example ${example}`);
  }
  if (url.password) throw new InvalidHostConnection('uri', 'Put no password in the URI: give a credential reference instead');
  if (url.hash) throw new InvalidHostConnection('uri', 'The URI has a #fragment, which means nothing here');
  const params = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    if (!known.includes(key)) {
      throw new InvalidHostConnection('uri', `Unknown parameter "${key}" in the ${driver} URI; it takes ${known.length ? known.join(', ') : 'none'}`);
    }
    if (params.has(key)) throw new InvalidHostConnection('uri', `Parameter "${key}" is given twice in the URI`);
    params.set(key, value);
  }
  return { url, params, username: decodeURIComponent(url.username) };
}

/** The URI's port, or `fallback` when it names none. */
export const portOf = (url: URL, fallback: number) => (url.port ? Number(url.port) : fallback);

export function requireParam(parsed: ParsedUri, name: string, driver: string): string {
  const value = parsed.params.get(name);
  if (!value) throw new InvalidHostConnection('uri', `A ${driver} URI needs the "${name}" parameter`);
  return value;
}

export function booleanParam(parsed: ParsedUri, name: string): boolean | undefined {
  const value = parsed.params.get(name);
  if (value === undefined) return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new InvalidHostConnection('uri', `Parameter "${name}" must be true or false, not "${value.slice(0, 40)}"`);
}
