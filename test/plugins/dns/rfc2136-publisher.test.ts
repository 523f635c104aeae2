import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDnsPublisher } from '../../../plugins/dns/create-dns-publisher.js';
import type { DnsPublisher } from '../../../plugins/dns/dns-publisher.js';
import type { DnsRecord } from '../../../plugins/dns/dns-record.js';
import type { RecordChange } from '../../../plugins/dns/record-change.js';
import { ptrRecord } from '../../../plugins/dns/reverse/ptr-name.js';
import { Fatal, Transient } from '../../../plugins/plugin-errors.js';
import { type BindServer, startBind, type TsigKeyFile } from '../../support/bind-server.js';
import { eventually } from '../../support/eventually.js';
import { freePort } from '../../support/free-port.js';

const ZONE = 'hosting.test';
const REVERSE_V4 = '2.0.192.in-addr.arpa';
const REVERSE_V6 = '8.b.d.0.1.0.0.2.ip6.arpa';
const FINGERPRINT = 'c80882f2015e91421399a9dbf5f24508fbd02f991b7817cd6b5c55da00b3af02';

let bind: BindServer;
beforeAll(async () => {
  bind = await startBind({ zones: [ZONE, REVERSE_V4, REVERSE_V6], brokenZones: ['broken.test'] });
});
afterAll(() => bind?.stop());

const publisherWith = (key: TsigKeyFile, overrides: { keyName?: string; keySecret?: string; zones?: string[] } = {}): DnsPublisher =>
  createDnsPublisher({
    kind: 'rfc2136',
    server: bind.host,
    port: bind.port,
    keyName: overrides.keyName ?? key.name,
    keySecret: overrides.keySecret ?? key.secret,
    algorithm: key.algorithm,
    zones: overrides.zones ?? bind.zones,
  });

/** What dig finds at the primary for NAME TYPE: the records' data, and the types its RRSIGs cover. */
async function published(name: string, type: string) {
  const lines = (await bind.dig('+dnssec', '+noall', '+answer', name, type))
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(/\s+/));
  return {
    data: lines.filter((fields) => fields[3] === type).map((fields) => fields.slice(4).join(' ')),
    signed: lines.some((fields) => fields[3] === 'RRSIG' && fields[4] === type),
  };
}

let markers = 0;

/**
 * Waits until the signed zone has caught up with every update sent so far: inline signing applies
 * an update to the signed copy a moment after answering it. A marker record is updated last and
 * awaited; updates are applied in order, so what dig shows next includes everything before it.
 */
async function caughtUp() {
  const marker = `marker-${++markers}`;
  await publisherWith(bind.keys.sha256).apply([
    { action: 'replaceRRset', name: `marker.${ZONE}`, type: 'TXT', records: [{ name: `marker.${ZONE}`, type: 'TXT', ttl: 60, value: [marker] }] },
  ]);
  await eventually(async () => expect(await published(`marker.${ZONE}`, 'TXT')).toEqual({ data: [`"${marker}"`], signed: true }), {
    timeoutMs: 30_000,
    intervalMs: 100,
  });
}

function hostRecords(host: string, v4: string, v6: string): DnsRecord[] {
  const name = `${host}.${ZONE}`;
  return [
    { name, type: 'A', ttl: 300, value: v4 },
    { name, type: 'AAAA', ttl: 300, value: v6 },
    { name, type: 'TXT', ttl: 300, value: ['site=blog', 'say "hi"'] },
    { name, type: 'SSHFP', ttl: 300, value: { algorithm: 4, fingerprintType: 2, fingerprint: FINGERPRINT } },
    { name: `www.${name}`, type: 'CNAME', ttl: 300, value: name },
    ptrRecord(v4, name, 300),
    ptrRecord(v6, name, 300),
  ];
}

const adds = (records: DnsRecord[]): RecordChange[] => records.map((record) => ({ action: 'add', record }));

describe('RFC 2136 publisher against BIND 9 with inline signing', () => {
  it('publishes A, AAAA, CNAME, TXT, SSHFP and PTR records, which the server signs', async () => {
    const publisher = publisherWith(bind.keys.sha256);
    await publisher.apply(adds(hostRecords('blog', '192.0.2.10', '2001:db8::10')));

    await caughtUp();
    expect(await published('blog.hosting.test', 'A')).toEqual({ data: ['192.0.2.10'], signed: true });
    expect(await published('blog.hosting.test', 'AAAA')).toEqual({ data: ['2001:db8::10'], signed: true });
    expect(await published('blog.hosting.test', 'TXT')).toEqual({ data: ['"site=blog" "say \\"hi\\""'], signed: true });
    expect(await published('blog.hosting.test', 'SSHFP')).toEqual({ data: [expect.stringMatching(/^4 2 C80882F2/)], signed: true });
    expect(await published('www.blog.hosting.test', 'CNAME')).toEqual({ data: ['blog.hosting.test.'], signed: true });
    expect(await published('10.2.0.192.in-addr.arpa', 'PTR')).toEqual({ data: ['blog.hosting.test.'], signed: true });
    // dig's own reverse lookup finds the PTR records under the names ptrRecord chose.
    expect(await bind.dig('+short', '-x', '192.0.2.10')).toBe('blog.hosting.test.\n');
    expect(await bind.dig('+short', '-x', '2001:db8::10')).toBe('blog.hosting.test.\n');

    expect(await publisher.lookup('blog.hosting.test', 'SSHFP')).toEqual([
      { name: 'blog.hosting.test', type: 'SSHFP', ttl: 300, value: { algorithm: 4, fingerprintType: 2, fingerprint: FINGERPRINT } },
    ]);
    expect(await publisher.lookup('blog.hosting.test', 'TXT')).toEqual([{ name: 'blog.hosting.test', type: 'TXT', ttl: 300, value: ['site=blog', 'say "hi"'] }]);
  });

  it('applies the same changes twice and keeps one copy of each record', async () => {
    const publisher = publisherWith(bind.keys.sha256);
    const records = hostRecords('twice', '192.0.2.20', '2001:db8::20');
    await publisher.apply(adds(records));
    await publisher.apply(adds(records));
    await publisher.apply([{ action: 'delete', record: { name: 'absent.hosting.test', type: 'A', value: '192.0.2.99' } }]);
    await caughtUp();

    for (const record of records) expect(await publisher.lookup(record.name, record.type)).toHaveLength(1);
    expect((await published('twice.hosting.test', 'A')).data).toEqual(['192.0.2.20']);
  });

  it('deletes single records and whole RRsets, and dig shows them gone', async () => {
    const publisher = publisherWith(bind.keys.sha256);
    const records = hostRecords('gone', '192.0.2.30', '2001:db8::30');
    await publisher.apply([...adds(records), { action: 'add', record: { name: 'gone.hosting.test', type: 'A', ttl: 300, value: '192.0.2.31' } }]);
    await caughtUp();
    expect((await published('gone.hosting.test', 'A')).data.sort()).toEqual(['192.0.2.30', '192.0.2.31']);

    await publisher.apply([
      { action: 'delete', record: { name: 'gone.hosting.test', type: 'A', value: '192.0.2.31' } },
      ...records.map((record): RecordChange => ({ action: 'deleteRRset', name: record.name, type: record.type })),
    ]);
    await caughtUp();

    for (const record of records) expect(await published(record.name, record.type)).toEqual({ data: [], signed: false });
    expect(await bind.dig('+short', '-x', '192.0.2.30')).toBe('');
  });

  it('replaces an RRset in one update', async () => {
    const publisher = publisherWith(bind.keys.sha256);
    const name = 'moved.hosting.test';
    await publisher.apply([
      { action: 'add', record: { name, type: 'A', ttl: 300, value: '192.0.2.40' } },
      { action: 'add', record: { name, type: 'A', ttl: 300, value: '192.0.2.41' } },
    ]);
    await publisher.apply([{ action: 'replaceRRset', name, type: 'A', records: [{ name, type: 'A', ttl: 600, value: '192.0.2.42' }] }]);
    await caughtUp();
    expect(await publisher.lookup(name, 'A')).toEqual([{ name, type: 'A', ttl: 600, value: '192.0.2.42' }]);
  });

  it('signs with hmac-sha512 too', async () => {
    const publisher = publisherWith(bind.keys.sha512);
    await publisher.apply([{ action: 'add', record: { name: 'sha512.hosting.test', type: 'A', ttl: 300, value: '192.0.2.50' } }]);
    await caughtUp();
    expect((await published('sha512.hosting.test', 'A')).data).toEqual(['192.0.2.50']);
  });

  it('reports a wrong TSIG secret as Fatal, naming the key and the server, and changes nothing', async () => {
    const wrongSecret = publisherWith(bind.keys.sha256, { keySecret: Buffer.alloc(32, 7).toString('base64') });
    const change: RecordChange = { action: 'add', record: { name: 'forged.hosting.test', type: 'A', ttl: 300, value: '192.0.2.60' } };
    const failure = await wrongSecret.apply([change]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Fatal);
    expect((failure as Error).message).toBe(`the TSIG key hostgraph-sha256 was refused by 127.0.0.1:${bind.port} (NOTAUTH, BADSIG)`);
    await caughtUp();
    expect(await published('forged.hosting.test', 'A')).toEqual({ data: [], signed: false });
  });

  it('reports a key the server does not know as Fatal (BADKEY)', async () => {
    const unknown = publisherWith(bind.keys.sha256, { keyName: 'nobody' });
    await expect(unknown.apply([{ action: 'add', record: { name: 'x.hosting.test', type: 'A', ttl: 300, value: '192.0.2.61' } }])).rejects.toThrow(
      new Fatal(`the TSIG key nobody was refused by 127.0.0.1:${bind.port} (NOTAUTH, BADKEY)`),
    );
  });

  it('reports a key the update-policy does not grant as Fatal (REFUSED)', async () => {
    const outsider = publisherWith(bind.keys.outsider);
    const failure = await outsider.apply([{ action: 'add', record: { name: 'x.hosting.test', type: 'A', ttl: 300, value: '192.0.2.62' } }]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Fatal);
    expect((failure as Error).message).toMatch(/refused the update of zone hosting\.test \(REFUSED\)/);
    await caughtUp();
    expect(await published('x.hosting.test', 'A')).toEqual({ data: [], signed: false });
  });

  it('reports a zone the server does not serve as Fatal (NOTAUTH)', async () => {
    const elsewhere = publisherWith(bind.keys.sha256, { zones: ['elsewhere.test'] });
    const failure = await elsewhere.apply([{ action: 'add', record: { name: 'x.elsewhere.test', type: 'A', ttl: 300, value: '192.0.2.63' } }]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Fatal);
    expect((failure as Error).message).toMatch(/refused the update of zone elsewhere\.test \(NOTAUTH\)/);
  });

  it('reports SERVFAIL, here from a zone that failed to load, as Transient', async () => {
    const publisher = publisherWith(bind.keys.sha256, { zones: ['broken.test'] });
    await expect(publisher.apply([{ action: 'add', record: { name: 'x.broken.test', type: 'A', ttl: 300, value: '192.0.2.65' } }])).rejects.toThrow(
      new Transient(`127.0.0.1:${bind.port} failed the update of zone broken.test (SERVFAIL); it may succeed later`),
    );
  });

  it('refuses invalid records and names outside its zones before sending anything', async () => {
    const publisher = publisherWith(bind.keys.sha256);
    const valid: RecordChange = { action: 'add', record: { name: 'valid.hosting.test', type: 'A', ttl: 300, value: '192.0.2.64' } };
    await expect(publisher.apply([valid, { action: 'add', record: { name: 'bad.hosting.test', type: 'A', ttl: 300, value: '2001:db8::1' } }])).rejects.toThrow(
      new Fatal('"2001:db8::1" is not an IPv4 address'),
    );
    await expect(publisher.apply([valid, { action: 'add', record: { name: 'www.example.org', type: 'A', ttl: 300, value: '192.0.2.1' } }])).rejects.toThrow(
      /www\.example\.org is in none of the managed zones/,
    );
    await expect(publisher.apply([{ action: 'add', record: { name: 'bad name;.hosting.test', type: 'A', ttl: 300, value: '192.0.2.1' } }])).rejects.toThrow(Fatal);
    await caughtUp();
    expect(await published('valid.hosting.test', 'A')).toEqual({ data: [], signed: false });
  });
});

describe('RFC 2136 publisher when the server is away', () => {
  it('reports a stopped server as Transient', async () => {
    const stopped = await startBind({ zones: ['stopped.test'] });
    await stopped.stop();
    const publisher = createDnsPublisher({
      kind: 'rfc2136',
      server: stopped.host,
      port: stopped.port,
      keyName: stopped.keys.sha256.name,
      keySecret: stopped.keys.sha256.secret,
      zones: ['stopped.test'],
    });
    const failure = await publisher.apply([{ action: 'add', record: { name: 'a.stopped.test', type: 'A', ttl: 300, value: '192.0.2.1' } }]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Transient);
    expect((failure as Error).message).toMatch(/cannot be reached: .*ECONNREFUSED/);
  });

  it('reports a server that accepts the connection but never answers as Transient', async () => {
    const port = await freePort();
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    try {
      const publisher = createDnsPublisher({ kind: 'rfc2136', server: '127.0.0.1', port, keyName: 'k', keySecret: 'c2VjcmV0', zones: ['hosting.test'], timeoutMs: 200 });
      await expect(publisher.apply([{ action: 'deleteRRset', name: 'a.hosting.test', type: 'A' }])).rejects.toThrow(
        new Transient(`the DNS server 127.0.0.1:${port} did not answer within 200 ms`),
      );
    } finally {
      silent.close();
    }
  });
});
