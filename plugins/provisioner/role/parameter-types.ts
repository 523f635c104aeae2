import ipaddr from 'ipaddr.js';
import sshpk from 'sshpk';
import { normalizeName } from '../../dns/dns-record.js';

/**
 * The types a role's parameters can have. Values arrive from users (a vhost's name, a package
 * list) and end up in config files, paths and command lines on the VM, so each type admits only
 * what it must: no type lets a newline or a shell metacharacter through except `secret` and
 * `pem`, which only ever travel on a command's standard input or as a file's content.
 */
export const PARAMETER_TYPES = ['string', 'name', 'dnsName', 'dnsNames', 'boolean', 'integer', 'secret', 'pem', 'packageNames', 'users', 'ipAddresses'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

/** An account on the VM: a person with site access, their directory uidNumber and SSH keys. */
export interface SiteUser {
  name: string;
  uid: number;
  /** One OpenSSH public key line each (`ssh-ed25519 AAAA… comment`). */
  sshKeys: string[];
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
/** Debian policy §5.6.1: lower case letters, digits, `+ - .`, starting alphanumerically. */
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
/** What useradd accepts without --badname, shortened to 32 characters. */
const POSIX_USERNAME = /^[a-z_][a-z0-9_-]{0,31}$/;
const PEM = /^(?:-----BEGIN [A-Z0-9 ]+-----\r?\n[A-Za-z0-9+/=\r\n]+-----END [A-Z0-9 ]+-----\s*)+$/;
/** Site users are people: never a system account's uid, never root. */
const FIRST_PERSON_UID = 1000;

const described = (value: unknown) => (typeof value === 'string' ? `"${value.length > 60 ? `${value.slice(0, 60)}…` : value}"` : JSON.stringify(value));

/** Checks `value` against `type`; returns the value to use (DNS names lower-cased) or throws a message. */
export function checkParameterValue(type: ParameterType, value: unknown): unknown {
  switch (type) {
    case 'string':
      if (typeof value !== 'string' || /[\0-\x1f\x7f]/.test(value)) throw new Error(`${described(value)} is not a single line of text`);
      return value;
    case 'name':
      if (typeof value !== 'string' || !NAME.test(value)) throw new Error(`${described(value)} is not a name (a lower case letter, then letters, digits and "-")`);
      return value;
    case 'dnsName':
      return checkDnsName(value);
    case 'dnsNames':
      if (!Array.isArray(value)) throw new Error(`${described(value)} is not a list of DNS names`);
      return value.map(checkDnsName);
    case 'boolean':
      if (typeof value !== 'boolean') throw new Error(`${described(value)} is not true or false`);
      return value;
    case 'integer':
      if (!Number.isSafeInteger(value)) throw new Error(`${described(value)} is not a whole number`);
      return value;
    case 'secret':
      // Never quoted back: the message must not leak it.
      if (typeof value !== 'string' || value.length < 8 || /[\0-\x1f\x7f]/.test(value)) throw new Error('the secret is not a single line of at least 8 characters');
      return value;
    case 'pem':
      if (typeof value !== 'string' || !PEM.test(value)) throw new Error('the value is not PEM (-----BEGIN …----- blocks)');
      return value.endsWith('\n') ? value : `${value}\n`;
    case 'packageNames':
      if (!Array.isArray(value) || value.some((name) => typeof name !== 'string' || !PACKAGE_NAME.test(name))) {
        throw new Error(`${described(value)} is not a list of Debian package names`);
      }
      return value;
    case 'users':
      if (!Array.isArray(value)) throw new Error(`${described(value)} is not a list of users`);
      return checkUsers(value);
    case 'ipAddresses':
      if (!Array.isArray(value)) throw new Error(`${described(value)} is not a list of IP addresses`);
      return value.map(checkIpAddress);
  }
}

/** One IPv4 (four decimal parts) or IPv6 address, without prefix or zone, in its canonical form (RFC 5952 for IPv6). */
function checkIpAddress(value: unknown): string {
  if (typeof value === 'string' && (ipaddr.IPv4.isValidFourPartDecimal(value) || (ipaddr.IPv6.isValid(value) && !value.includes('%')))) {
    return ipaddr.parse(value).toString();
  }
  throw new Error(`${described(value)} is not an IPv4 or IPv6 address`);
}

function checkDnsName(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`${described(value)} is not a DNS name`);
  try {
    return normalizeName(value, { wildcard: true });
  } catch (error) {
    throw new Error((error as Error).message);
  }
}

function checkUsers(users: unknown[]): SiteUser[] {
  const checked = users.map((user): SiteUser => {
    const { name, uid, sshKeys } = (user ?? {}) as Partial<SiteUser>;
    if (typeof name !== 'string' || !POSIX_USERNAME.test(name)) throw new Error(`${described(name)} is not a user name useradd accepts`);
    if (!Number.isSafeInteger(uid) || (uid as number) < FIRST_PERSON_UID) throw new Error(`user ${name}: uid ${described(uid)} is not a person's uid (${FIRST_PERSON_UID} or more)`);
    if (!Array.isArray(sshKeys)) throw new Error(`user ${name}: sshKeys is not a list`);
    return { name, uid: uid as number, sshKeys: sshKeys.map((key) => checkSshKey(name, key)) };
  });
  for (const field of ['name', 'uid'] as const) {
    const seen = new Set<unknown>();
    for (const user of checked) {
      if (seen.has(user[field])) throw new Error(`two users have the ${field} ${user[field]}`);
      seen.add(user[field]);
    }
  }
  return checked;
}

function checkSshKey(user: string, key: unknown): string {
  if (typeof key !== 'string' || /[\r\n]/.test(key.trim())) throw new Error(`user ${user}: an SSH key is not one line`);
  try {
    sshpk.parseKey(key, 'ssh');
  } catch {
    throw new Error(`user ${user}: ${described(key)} is not an OpenSSH public key`);
  }
  return key.trim();
}
