import { posix } from 'node:path';
import { InvalidHostConnection, parseConnectionUri, portOf, requireParam } from '../registry/connection-uri.js';
import type { KvmDriverOptions, KvmNetwork } from './kvm-driver-options.js';

const EXAMPLE = 'qemu+ssh://root@kvm1.example.org/system?storageDir=/var/lib/hostgraph&baseImage=/var/lib/hostgraph/debian-12.qcow2';
const PARAMS = ['storageDir', 'baseImage', 'network', 'bridge', 'domainType', 'cpuMode', 'hostKey', 'shutdownTimeoutMs'] as const;

/** Everything a kvm driver needs but the SSH key, which comes from the host's credential reference. */
export type KvmConnection = Omit<KvmDriverOptions, 'ssh'> & { ssh: Omit<KvmDriverOptions['ssh'], 'privateKey'> };

/**
 * libvirt's own URI form for a remote host, `qemu+ssh://USER@HOST[:PORT]/system`, plus what
 * Hostgraph needs there as parameters: where disks go (`storageDir`), the image they start from
 * (`baseImage`), the network (`network` or `bridge`; QEMU user networking otherwise), `domainType`,
 * `cpuMode`, and the host key's fingerprint (`hostKey=SHA256:…`) to verify the host by.
 */
export function parseKvmUri(uri: string): KvmConnection {
  const parsed = parseConnectionUri(uri, 'kvm', ['qemu+ssh'], PARAMS, EXAMPLE);
  const { url, params } = parsed;
  if (!url.hostname) throw new InvalidHostConnection('uri', `A kvm URI names its host: ${EXAMPLE}`);
  if (!parsed.username) throw new InvalidHostConnection('uri', `A kvm URI names the SSH user: ${EXAMPLE}`);
  if (url.pathname !== '/system' && url.pathname !== '/session') {
    throw new InvalidHostConnection('uri', `A kvm URI ends in /system or /session (the libvirt daemon to use), not ${url.pathname.slice(0, 80)}`);
  }
  const storageDir = requireParam(parsed, 'storageDir', 'kvm');
  const baseImage = requireParam(parsed, 'baseImage', 'kvm');
  for (const [name, path] of [['storageDir', storageDir], ['baseImage', baseImage]]) {
    if (!posix.isAbsolute(path)) throw new InvalidHostConnection('uri', `${name} must be an absolute path on the host, not "${path.slice(0, 80)}"`);
  }
  if (params.has('network') && params.has('bridge')) throw new InvalidHostConnection('uri', 'Give network or bridge, not both');
  const network: KvmNetwork = params.has('network')
    ? { type: 'network', name: params.get('network')! }
    : params.has('bridge')
      ? { type: 'bridge', name: params.get('bridge')! }
      : { type: 'user' };
  const domainType = params.get('domainType') ?? 'auto';
  if (!['kvm', 'qemu', 'auto'].includes(domainType)) throw new InvalidHostConnection('uri', `domainType must be kvm, qemu or auto, not "${domainType.slice(0, 40)}"`);
  const cpuMode = params.get('cpuMode');
  if (cpuMode !== undefined && !['host-model', 'host-passthrough'].includes(cpuMode)) {
    throw new InvalidHostConnection('uri', `cpuMode must be host-model or host-passthrough, not "${cpuMode.slice(0, 40)}"`);
  }
  // A query string reads an unescaped + as a space; base64 has no spaces, so put it back.
  const hostKey = params.get('hostKey')?.replaceAll(' ', '+');
  if (hostKey !== undefined && !/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(hostKey)) {
    throw new InvalidHostConnection('uri', 'hostKey is the host key fingerprint as ssh-keygen -l prints it: SHA256:… (43 base64 characters)');
  }
  const shutdownTimeoutMs = params.has('shutdownTimeoutMs') ? Number(params.get('shutdownTimeoutMs')) : undefined;
  if (shutdownTimeoutMs !== undefined && !(Number.isInteger(shutdownTimeoutMs) && shutdownTimeoutMs > 0)) {
    throw new InvalidHostConnection('uri', 'shutdownTimeoutMs must be a positive whole number of milliseconds');
  }
  return {
    ssh: { host: url.hostname.replace(/^\[|\]$/g, ''), port: portOf(url, 22), username: parsed.username, ...(hostKey ? { hostKeyFingerprint: hostKey } : {}) },
    libvirtUri: `qemu://${url.pathname}`,
    storageDir,
    baseImage,
    network,
    domainType: domainType as KvmConnection['domainType'],
    ...(cpuMode ? { cpuMode: cpuMode as KvmConnection['cpuMode'] } : {}),
    ...(shutdownTimeoutMs ? { shutdownTimeoutMs } : {}),
  };
}
