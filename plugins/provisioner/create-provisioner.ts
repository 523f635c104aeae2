import { Fatal } from '../plugin-errors.js';
import type { Provisioner } from './provisioner.js';
import { BUNDLED_ROLES, RoleLibrary } from './role/role-library.js';
import { SimProvisioner } from './sim/sim-provisioner.js';
import { DEBIAN_TOOLS, SshProvisioner } from './ssh/ssh-provisioner.js';

export type ProvisionerConfig =
  | {
      kind: 'sim';
      /** The bundled roles (plugins/provisioner/roles) when absent. */
      rolesDirectory?: string;
    }
  | {
      kind: 'ssh';
      rolesDirectory?: string;
      /** `root` when absent: roles install packages and write to /etc. */
      username?: string;
      /** Hostgraph's provisioning key (OpenSSH or PEM), the one cloud-init authorizes on every VM. */
      privateKey: string;
      /** `/` when absent; a folder only where a test host stands in for a VM. */
      root?: string;
      /** What roles call as hostgraph-system; Debian's (plugins/provisioner/tools/debian) when absent. */
      toolsDirectory?: string;
      /** How long a booting VM may refuse connections; 300000 (5 minutes) when absent. */
      connectTimeoutMs?: number;
    };

export function createProvisioner(config: ProvisionerConfig): Provisioner {
  const roles = new RoleLibrary(config.rolesDirectory ?? BUNDLED_ROLES);
  switch (config.kind) {
    case 'sim':
      return new SimProvisioner(roles);
    case 'ssh': {
      if (typeof config.privateKey !== 'string' || !config.privateKey.includes('PRIVATE KEY')) {
        throw new Fatal('the ssh provisioner needs privateKey: the provisioning private key, in OpenSSH or PEM form');
      }
      const root = config.root ?? '/';
      if (!root.startsWith('/')) throw new Fatal(`the ssh provisioner's root ${root} is not an absolute path`);
      return new SshProvisioner({
        roles,
        username: config.username ?? 'root',
        privateKey: config.privateKey,
        root: root === '/' ? root : root.replace(/\/+$/, ''),
        toolsDirectory: config.toolsDirectory ?? DEBIAN_TOOLS,
        connectTimeoutMs: config.connectTimeoutMs ?? 300_000,
      });
    }
    default:
      throw new Fatal(`unknown provisioner kind ${(config as { kind: string }).kind} (ssh, sim)`);
  }
}
