import { parse, stringify } from 'yaml';
import { Fatal, type GuestSeed } from '../../driver.js';

/** The two files of a cloud-init NoCloud seed (cloud-init's "NoCloud" datasource docs). */
export interface SeedDocuments {
  userData: string;
  metaData: string;
}

const CLOUD_CONFIG_HEADER = '#cloud-config\n';
const HOST_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/**
 * user-data creates the users with their SSH keys and installs the pre-generated host keys;
 * meta-data names the instance, so cloud-init runs once per VM (a clone gets a new instance-id
 * and so runs again).
 */
export function seedDocuments(instanceId: string, seed: GuestSeed): SeedDocuments {
  validateSeed(seed);
  const [shortName] = seed.hostname.split('.');
  const config: Record<string, unknown> = { hostname: shortName };
  if (seed.hostname.includes('.')) config.fqdn = seed.hostname;
  // No users: leave the image's default user alone rather than creating none at all.
  if (seed.users.length) config.users = seed.users.map((user) => ({
    name: user.name,
    ...(user.uid === undefined ? {} : { uid: user.uid }),
    lock_passwd: true,
    shell: '/bin/bash',
    ssh_authorized_keys: user.sshKeys,
  }));
  if (seed.hostKeys?.length) {
    // Replace whatever keys the image came with by the ones whose SSHFP records are published.
    config.ssh_deletekeys = true;
    config.ssh_keys = Object.fromEntries(
      seed.hostKeys.flatMap((key) => [
        [`${key.type}_private`, key.privateKey.endsWith('\n') ? key.privateKey : `${key.privateKey}\n`],
        [`${key.type}_public`, key.publicKey.trim()],
      ]),
    );
  }
  return {
    userData: CLOUD_CONFIG_HEADER + stringify(config),
    metaData: stringify({ 'instance-id': instanceId, 'local-hostname': shortName }),
  };
}

/**
 * The clone's seed from its source's user-data: the same users, its own host name, and no host
 * keys, so the clone generates its own instead of impersonating its source.
 */
export function cloneSeedDocuments(instanceId: string, sourceUserData: string, hostname: string): SeedDocuments {
  let config: unknown;
  try {
    config = parse(sourceUserData);
  } catch (error) {
    throw new Fatal(`kvm: the source VM's cloud-init user-data is not YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { fqdn: _fqdn, ssh_keys: _keys, ssh_deletekeys: _delete, ...kept } = (config ?? {}) as Record<string, unknown>;
  return {
    userData: CLOUD_CONFIG_HEADER + stringify({ ...kept, hostname }),
    metaData: stringify({ 'instance-id': instanceId, 'local-hostname': hostname }),
  };
}

function validateSeed(seed: GuestSeed): void {
  const problems: string[] = [];
  if (typeof seed.hostname !== 'string' || seed.hostname.length > 253 || !seed.hostname.split('.').every((label) => HOST_LABEL.test(label))) {
    problems.push(`hostname ${JSON.stringify(seed.hostname)} is not a host name`);
  }
  if (!Array.isArray(seed.users)) problems.push('users must be a list');
  for (const user of Array.isArray(seed.users) ? seed.users : []) {
    if (!USER_NAME.test(user.name)) problems.push(`user name ${JSON.stringify(user.name)} is not a valid Linux user name`);
    if (user.uid !== undefined && !(Number.isInteger(user.uid) && user.uid >= 0)) problems.push(`uid of ${user.name} must be a non-negative integer`);
    if (user.sshKeys.some((key) => /[\r\n]/.test(key))) problems.push(`an SSH key of ${user.name} spans several lines`);
  }
  for (const key of seed.hostKeys ?? []) {
    if (!['rsa', 'ecdsa', 'ed25519'].includes(key.type)) problems.push(`host key type ${JSON.stringify(key.type)} is not rsa, ecdsa or ed25519`);
  }
  if (problems.length) throw new Fatal(`kvm: invalid cloud-init seed: ${problems.join('; ')}`);
}
