import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDnsPublisher } from '../../../plugins/dns/create-dns-publisher.js';
import type { DnsPublisher } from '../../../plugins/dns/dns-publisher.js';
import type { DnsRecord } from '../../../plugins/dns/dns-record.js';
import type { RecordChange } from '../../../plugins/dns/record-change.js';
import { ptrRecord } from '../../../plugins/dns/reverse/ptr-name.js';
import { Fatal } from '../../../plugins/plugin-errors.js';
import { ensureInstalled, STATE } from '../../support/servers.js';

const run = promisify(execFile);
const ZONE = 'hosting.test';
const REVERSE_V4 = '2.0.192.in-addr.arpa';
const REVERSE_V6 = '8.b.d.0.1.0.0.2.ip6.arpa';
const FINGERPRINT = 'c80882f2015e91421399a9dbf5f24508fbd02f991b7817cd6b5c55da00b3af02';

let directory: string;
let publisher: DnsPublisher;

beforeAll(() => ensureInstalled('/usr/bin/named-checkzone', 'bind9-utils'));
beforeEach(() => {
  directory = mkdtempSync(join(STATE, 'zonefiles-'));
  publisher = createDnsPublisher({ kind: 'zonefile', directory, zones: [ZONE, REVERSE_V4, REVERSE_V6], nameServers: ['ns1.example.org', 'ns2.example.org.'] });
});
afterEach(async () => {
  await publisher.close();
  rmSync(directory, { recursive: true, force: true });
});

const fileOf = (zone: string) => join(directory, `${zone}.zone`);

/**
 * BIND's own reading of a zone file: named-checkzone must accept it, and its canonical dump
 * (-D) gives the records as BIND understood them, one "name ttl class type data" per line.
 */
async function loadedByBind(zone: string): Promise<string[]> {
  const { stdout } = await run('named-checkzone', ['-D', '-o', '-', zone, fileOf(zone)]);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/\s+/g, ' ').trim());
}

const serialOf = (lines: string[]) => Number(lines.find((line) => line.includes(' IN SOA '))!.split(' ')[6]);

const adds = (records: DnsRecord[]): RecordChange[] => records.map((record) => ({ action: 'add', record }));

const blog: DnsRecord[] = [
  { name: 'blog.hosting.test', type: 'A', ttl: 300, value: '192.0.2.10' },
  { name: 'blog.hosting.test', type: 'AAAA', ttl: 300, value: '2001:DB8:0:0::10' },
  { name: 'blog.hosting.test', type: 'TXT', ttl: 300, value: ['say "hi" \\ to café', 'two;strings'] },
  { name: 'blog.hosting.test', type: 'SSHFP', ttl: 300, value: { algorithm: 4, fingerprintType: 2, fingerprint: FINGERPRINT.toUpperCase() } },
  { name: 'www.blog.hosting.test', type: 'CNAME', ttl: 300, value: 'blog.hosting.test.' },
  { name: '*.sites.hosting.test', type: 'A', ttl: 60, value: '192.0.2.11' },
  ptrRecord('192.0.2.10', 'blog.hosting.test', 300),
  ptrRecord('2001:db8::10', 'blog.hosting.test', 300),
];

describe('zone-file publisher, checked by named-checkzone', () => {
  it('writes zone files BIND loads, with every record it was given', async () => {
    await publisher.apply(adds(blog));

    const sshfp = `4 2 ${FINGERPRINT.toUpperCase().slice(0, 56)} ${FINGERPRINT.toUpperCase().slice(56)}`; // as BIND prints it
    expect((await loadedByBind(ZONE)).sort()).toEqual(
      [
        'hosting.test. 3600 IN SOA ns1.example.org. hostmaster.hosting.test. 1 3600 600 1209600 300',
        'hosting.test. 3600 IN NS ns1.example.org.',
        'hosting.test. 3600 IN NS ns2.example.org.',
        'blog.hosting.test. 300 IN A 192.0.2.10',
        'blog.hosting.test. 300 IN AAAA 2001:db8::10',
        `blog.hosting.test. 300 IN SSHFP ${sshfp}`,
        'blog.hosting.test. 300 IN TXT "say \\"hi\\" \\\\ to caf\\195\\169" "two;strings"',
        'www.blog.hosting.test. 300 IN CNAME blog.hosting.test.',
        '*.sites.hosting.test. 60 IN A 192.0.2.11',
      ].sort(),
    );
    // The file lists records in DNSSEC canonical order (RFC 4034 §6.1), then by type.
    const owners = readFileSync(fileOf(ZONE), 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith(';'))
      .map((line) => line.split(' ').slice(0, 4).join(' '));
    expect(owners).toEqual([
      'hosting.test. 3600 IN SOA',
      'hosting.test. 3600 IN NS',
      'hosting.test. 3600 IN NS',
      'blog.hosting.test. 300 IN A',
      'blog.hosting.test. 300 IN AAAA',
      'blog.hosting.test. 300 IN SSHFP',
      'blog.hosting.test. 300 IN TXT',
      'www.blog.hosting.test. 300 IN CNAME',
      '*.sites.hosting.test. 60 IN A',
    ]);
    expect(await loadedByBind(REVERSE_V4)).toContain('10.2.0.192.in-addr.arpa. 300 IN PTR blog.hosting.test.');
    expect(await loadedByBind(REVERSE_V6)).toContain(`${'0.1.0.0.'.concat('0.0.0.0.'.repeat(5))}8.b.d.0.1.0.0.2.ip6.arpa. 300 IN PTR blog.hosting.test.`);
    expect(await publisher.lookup('blog.hosting.test', 'TXT')).toEqual([blog[2]]);
  });

  it('changes nothing, serial included, when the same changes come again', async () => {
    await publisher.apply(adds(blog));
    const first = readFileSync(fileOf(ZONE), 'utf8');
    await publisher.apply(adds(blog));
    await publisher.apply([{ action: 'delete', record: { name: 'absent.hosting.test', type: 'A', value: '192.0.2.99' } }]);

    expect(readFileSync(fileOf(ZONE), 'utf8')).toBe(first);
    expect(serialOf(await loadedByBind(ZONE))).toBe(1);
    expect(await publisher.lookup('blog.hosting.test', 'A')).toHaveLength(1);
  });

  it('bumps the serial once per change and deletes records and RRsets', async () => {
    await publisher.apply(adds(blog));
    await publisher.apply([
      { action: 'delete', record: { name: 'blog.hosting.test', type: 'AAAA', value: '2001:db8::10' } },
      { action: 'deleteRRset', name: 'blog.hosting.test', type: 'TXT' },
      { action: 'replaceRRset', name: 'blog.hosting.test', type: 'A', records: [{ name: 'blog.hosting.test', type: 'A', ttl: 900, value: '192.0.2.20' }] },
    ]);

    const forward = await loadedByBind(ZONE);
    expect(serialOf(forward)).toBe(2);
    expect(forward.filter((line) => line.startsWith('blog.hosting.test.')).sort()).toEqual([
      `blog.hosting.test. 300 IN SSHFP 4 2 ${FINGERPRINT.toUpperCase().slice(0, 56)} ${FINGERPRINT.toUpperCase().slice(56)}`,
      'blog.hosting.test. 900 IN A 192.0.2.20',
    ]);
    expect(serialOf(await loadedByBind(REVERSE_V4))).toBe(1);
  });

  it('serializes concurrent changes to one zone', async () => {
    await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        publisher.apply([{ action: 'add', record: { name: `host${index}.hosting.test`, type: 'A', ttl: 300, value: `192.0.2.${index + 100}` } }]),
      ),
    );
    const forward = await loadedByBind(ZONE);
    expect(forward.filter((line) => / IN A /.test(line))).toHaveLength(10);
    expect(serialOf(forward)).toBe(10);
    expect(readdirSync(directory).filter((file) => file.endsWith('.tmp'))).toEqual([]);
  });

  it('gives an RRset the TTL of the record added last, as RFC 2136 servers do', async () => {
    await publisher.apply([
      { action: 'add', record: { name: 'ttl.hosting.test', type: 'A', ttl: 300, value: '192.0.2.1' } },
      { action: 'add', record: { name: 'ttl.hosting.test', type: 'A', ttl: 60, value: '192.0.2.2' } },
    ]);
    expect((await loadedByBind(ZONE)).filter((line) => line.startsWith('ttl.'))).toEqual(['ttl.hosting.test. 60 IN A 192.0.2.1', 'ttl.hosting.test. 60 IN A 192.0.2.2']);
  });

  it('refuses a CNAME next to other records, and leaves the file as it was', async () => {
    await publisher.apply(adds(blog));
    const before = readFileSync(fileOf(ZONE), 'utf8');
    await expect(publisher.apply([{ action: 'add', record: { name: 'blog.hosting.test', type: 'CNAME', ttl: 300, value: 'elsewhere.example.org' } }])).rejects.toThrow(
      new Fatal('blog.hosting.test cannot have a CNAME and A records at once (RFC 1034 §3.6.2)'),
    );
    await expect(publisher.apply([{ action: 'add', record: { name: 'hosting.test', type: 'CNAME', ttl: 300, value: 'elsewhere.example.org' } }])).rejects.toThrow(
      /hosting\.test cannot have a CNAME/,
    );
    expect(readFileSync(fileOf(ZONE), 'utf8')).toBe(before);
  });

  it('refuses names outside its zones and invalid data before writing anything', async () => {
    const refused: RecordChange[][] = [
      [{ action: 'add', record: { name: 'www.example.org', type: 'A', ttl: 300, value: '192.0.2.1' } }],
      [{ action: 'add', record: { name: 'x.hosting.test', type: 'A', ttl: 300, value: '192.0.2.300' } }],
      [{ action: 'add', record: { name: 'x.hosting.test', type: 'TXT', ttl: 300, value: ['a'.repeat(256)] } }],
      [{ action: 'add', record: { name: 'x.hosting.test', type: 'SSHFP', ttl: 300, value: { algorithm: 4, fingerprintType: 2, fingerprint: 'abc' } } }],
      [{ action: 'add', record: { name: 'x\n.hosting.test', type: 'A', ttl: 300, value: '192.0.2.1' } }],
      [{ action: 'add', record: { name: 'x.hosting.test', type: 'A', ttl: -1, value: '192.0.2.1' } }],
      [{ action: 'add', record: { name: 'x.hosting.test', type: 'MX', ttl: 300, value: 'mail' } as unknown as DnsRecord }],
    ];
    for (const changes of refused) await expect(publisher.apply(changes)).rejects.toThrow(Fatal);
    expect(readdirSync(directory)).toEqual([]);
  });

  it('refuses to read a zone file edited into a shape it does not write', async () => {
    await publisher.apply(adds(blog));
    writeFileSync(fileOf(ZONE), `${readFileSync(fileOf(ZONE), 'utf8')}mail.hosting.test. 300 IN MX 10 mx.example.org.\n`);
    await expect(publisher.lookup('blog.hosting.test', 'A')).rejects.toThrow(/hosting\.test\.zone line 11 is not in the form Hostgraph writes: record type MX/);
  });
});
