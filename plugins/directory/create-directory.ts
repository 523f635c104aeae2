import type { Logger } from '../../core/logger.js';
import type { Directory } from './directory.js';
import { LdapDirectory } from './ldap/ldap-directory.js';
import { checkLdapDirectoryConfig, type LdapDirectoryConfig } from './ldap/ldap-directory-config.js';
import { StaticDirectory } from './static/static-directory.js';

export type DirectoryConfig = { kind: 'static'; file: string } | ({ kind: 'ldap' } & LdapDirectoryConfig);

/**
 * The directory the configuration names; a configuration that cannot work throws here, at start-up.
 * `logger` hears of members left out of LDAP snapshots.
 */
export function createDirectory(config: DirectoryConfig, options: { logger?: Logger } = {}): Directory {
  switch (config.kind) {
    case 'static':
      if (typeof config.file !== 'string' || config.file === '') throw new Error('The static directory needs file: the path of its YAML file');
      return new StaticDirectory(config.file);
    case 'ldap':
      checkLdapDirectoryConfig(config);
      return new LdapDirectory(config, options.logger);
    default:
      throw new Error(`unknown directory kind "${(config as { kind: unknown }).kind}": use "static" or "ldap"`);
  }
}
