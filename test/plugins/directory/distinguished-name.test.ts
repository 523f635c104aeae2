import { describe, expect, it } from 'vitest';
import { distinguishedNameKey } from '../../../plugins/directory/ldap/distinguished-name.js';

describe('distinguishedNameKey', () => {
  it('matches DNs spelt differently that name the same entry', () => {
    const key = distinguishedNameKey('uid=alice,ou=people,dc=example,dc=org');
    expect(distinguishedNameKey('UID=Alice, OU=People , dc=Example,dc=ORG')).toBe(key);
    expect(distinguishedNameKey('cn=Smith\\, John,ou=people')).toBe(distinguishedNameKey('CN=smith\\2c john, ou=People'));
    expect(distinguishedNameKey('cn=Smith\\, John,ou=people')).toBe(distinguishedNameKey('cn="Smith, John",ou=people'));
    expect(distinguishedNameKey('cn=Zoë Ødegaard,ou=people')).toBe(distinguishedNameKey('cn=zo\\c3\\ab \\c3\\98degaard,ou=people'));
    expect(distinguishedNameKey('uid=a+cn=B,dc=org')).toBe(distinguishedNameKey('cn=b + uid=A,dc=org'));
  });

  it('keeps apart DNs that name different entries', () => {
    const key = distinguishedNameKey('uid=alice,ou=people,dc=example,dc=org');
    expect(distinguishedNameKey('uid=alice,ou=alumni,dc=example,dc=org')).not.toBe(key);
    expect(distinguishedNameKey('cn=alice,ou=people,dc=example,dc=org')).not.toBe(key);
    expect(distinguishedNameKey('cn=a\\,b,dc=org')).not.toBe(distinguishedNameKey('cn=a,b=,dc=org'));
    expect(distinguishedNameKey('cn=a\\ ,dc=org')).not.toBe(distinguishedNameKey('cn=a,dc=org'));
  });
});
