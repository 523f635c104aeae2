import { describe, expect, it } from 'vitest';
import { createDirectory, type DirectoryConfig } from '../../../plugins/directory/create-directory.js';

/** Configurations come from a hand-written hostgraph.yaml: mistakes must be named at start-up. */
describe('createDirectory', () => {
  it('makes the kind configured', () => {
    expect(createDirectory({ kind: 'static', file: 'plugins/directory/static/example-directory.yaml' }).kind).toBe('static');
    expect(createDirectory({ kind: 'ldap', url: 'ldap://127.0.0.1:389', users: { baseDn: 'ou=people,dc=example,dc=org' } }).kind).toBe('ldap');
  });

  it('names every setting that cannot work', () => {
    const config = { kind: 'ldap', url: 'http://ldap.example.org', bindDn: 'cn=reader', users: { attributes: { displayName: 'cn', mail: 7 } }, groups: { posixGroup: { baseDns: 'ou=groups' } }, pageSize: 0 };
    expect(() => createDirectory(config as unknown as DirectoryConfig)).toThrow(
      [
        'The LDAP directory configuration cannot work:',
        '  url must be ldap://host[:port] or ldaps://host[:port]',
        '  bindDn is set but bindPassword is missing (set it, or LDAP_BIND_PASSWORD)',
        '  users.baseDn is missing: the DN people are under, e.g. ou=people,dc=example,dc=org',
        '  users.attributes.displayName must be a list of attribute names, e.g. [displayName, cn]',
        '  users.attributes.mail must be an attribute name',
        '  groups.posixGroup.baseDns must be a list of DNs, e.g. [ou=groups,dc=example,dc=org]',
        '  pageSize must be a whole number above 0',
      ].join('\n'),
    );
    expect(() => createDirectory({ kind: 'static' } as unknown as DirectoryConfig)).toThrow('The static directory needs file: the path of its YAML file');
    expect(() => createDirectory({ kind: 'ad' } as unknown as DirectoryConfig)).toThrow('unknown directory kind "ad": use "static" or "ldap"');
  });
});
