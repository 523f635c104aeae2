/**
 * A small university directory as LDIF, built to exercise every path of the LDAP directory:
 * people (inetOrgPerson + posixAccount), a groupOfNames with a nested group, a posixGroup, a
 * membership cycle, members that name nobody, and enough people to pass a server size limit.
 */

export const SUFFIX = 'dc=example,dc=org';
export const PEOPLE = `ou=people,${SUFFIX}`;
export const GROUPS = `ou=groups,${SUFFIX}`;
/** Former staff, kept outside the user base: a member DN pointing here names nobody. */
export const ALUMNI = `ou=alumni,${SUFFIX}`;
export const SERVICE_DN = `cn=hostgraph,ou=services,${SUFFIX}`;
export const SERVICE_PASSWORD = 'directory-reader-secret';

export interface Person {
  uid: string;
  cn: string;
  displayName?: string;
  mail?: string;
  uidNumber: number;
  gidNumber: number;
}

export const namedPeople: Person[] = [
  { uid: 'alice', cn: 'Alice Martin', displayName: 'Dr. Alice Martin', mail: 'alice@example.org', uidNumber: 20001, gidNumber: 5000 },
  { uid: 'bob', cn: 'Bob Nguyen', mail: 'bob@example.org', uidNumber: 20002, gidNumber: 5000 },
  { uid: 'carol', cn: 'Carol Ödegaard', mail: 'carol@example.org', uidNumber: 20003, gidNumber: 5001 },
  { uid: 'dave', cn: 'Dave Li', uidNumber: 20004, gidNumber: 5001 },
  { uid: 'erin', cn: 'Erin Walsh', mail: 'erin@example.org', uidNumber: 20005, gidNumber: 5001 },
];

/** How Hostgraph reads this directory: people as posixAccounts, both kinds of group. */
export const universityDirectoryConfig = (url: string) => ({
  kind: 'ldap' as const,
  url,
  bindDn: SERVICE_DN,
  bindPassword: SERVICE_PASSWORD,
  users: { baseDn: PEOPLE, filter: '(objectClass=posixAccount)' },
  groups: { groupOfNames: { baseDns: [GROUPS] }, posixGroup: { baseDns: [GROUPS] } },
});

export const personDn = (uid: string) => `uid=${uid},${PEOPLE}`;
export const groupDn = (cn: string) => `cn=${cn},${GROUPS}`;

/** The LDIF; `staffCount` more people (staff001…) make the user search pass a size limit. */
export function universityLdif({ staffCount = 0 } = {}): string {
  const staff = Array.from({ length: staffCount }, (_, i): Person => {
    const uid = `staff${String(i + 1).padStart(3, '0')}`;
    return { uid, cn: `Staff Member ${i + 1}`, uidNumber: 30000 + i, gidNumber: 5000 };
  });
  const entries: Record<string, string[]>[] = [
    { dn: [SUFFIX], objectClass: ['dcObject', 'organization'], dc: ['example'], o: ['Example University'] },
    ...['people', 'groups', 'alumni', 'services'].map((ou) => ({ dn: [`ou=${ou},${SUFFIX}`], objectClass: ['organizationalUnit'], ou: [ou] })),
    {
      dn: [SERVICE_DN],
      objectClass: ['organizationalRole', 'simpleSecurityObject'],
      cn: ['hostgraph'],
      userPassword: [SERVICE_PASSWORD],
    },
    ...[...namedPeople, ...staff].map((person) => personEntry(person, PEOPLE)),
    personEntry({ uid: 'frank', cn: 'Frank Former', uidNumber: 20099, gidNumber: 5000 }, ALUMNI),
    // Mixed case and spaces after commas: the same person as alice's DN, spelt as people type it.
    groupOfNames('webmasters', 'Manage departmental sites', [
      'uid=Alice, ou=People, dc=example, dc=org',
      personDn('bob'),
      groupDn('editors'),
      `uid=frank,${ALUMNI}`,
      personDn('ghost'),
    ]),
    groupOfNames('editors', 'Edit content', [personDn('carol')]),
    groupOfNames('cycle-a', 'Contains cycle-b, which contains it', [personDn('alice'), groupDn('cycle-b')]),
    groupOfNames('cycle-b', 'Contains cycle-a, which contains it', [personDn('dave'), groupDn('cycle-a')]),
    {
      dn: [groupDn('developers')],
      objectClass: ['posixGroup'],
      cn: ['developers'],
      gidNumber: ['5001'],
      memberUid: ['dave', 'erin', 'nobody-here'],
    },
  ];
  return entries.map(ldifEntry).join('\n');
}

function personEntry(person: Person, base: string): Record<string, string[]> {
  return {
    dn: [`uid=${person.uid},${base}`],
    objectClass: ['inetOrgPerson', 'posixAccount'],
    uid: [person.uid],
    cn: [person.cn],
    sn: [person.cn.split(' ').at(-1)!],
    ...(person.displayName ? { displayName: [person.displayName] } : {}),
    ...(person.mail ? { mail: [person.mail] } : {}),
    uidNumber: [String(person.uidNumber)],
    gidNumber: [String(person.gidNumber)],
    homeDirectory: [`/home/${person.uid}`],
  };
}

function groupOfNames(cn: string, description: string, members: string[]): Record<string, string[]> {
  return { dn: [groupDn(cn)], objectClass: ['groupOfNames'], cn: [cn], description: [description], member: members };
}

/** RFC 2849: values that are not plain ASCII travel base64-encoded (`attr:: …`). */
function ldifEntry(entry: Record<string, string[]>): string {
  const lines = Object.entries(entry).flatMap(([attribute, values]) =>
    values.map((value) => (/^[\x20-\x7e]*$/.test(value) && !/^[ :<]/.test(value) ? `${attribute}: ${value}` : `${attribute}:: ${Buffer.from(value).toString('base64')}`)),
  );
  return `${lines.join('\n')}\n`;
}
