import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSite } from '../inventory/inventory-fixture.js';
import { eventually } from '../support/eventually.js';
import { query } from '../support/graphql-client.js';
import { startInstance, TOKENS, type Instance } from '../support/hostgraph-instance.js';
import { createPostgresDatabase } from '../support/postgres-database.js';

const READY = '{ readyNames { fqdn purpose state publishedAt addresses { address } } }';

/** On both databases: on SQLite every subgraph's ORM writes to one file while the job runs. */
describe.each(['sqlite', 'postgresql'] as const)('preallocated names on %s', (database) => {
  let instance: Instance;
  let drop: (() => Promise<void>) | undefined;
  // Background work that failed (a rollup that met a locked database, …) is only logged.
  const errorsLogged: string[] = [];
  const readyNames = async () => (await query(instance.url, READY, {}, TOKENS.admin)).readyNames as any[];
  const zoneFile = () => readFileSync(join(instance.config.dataDir, 'zones', 'hosting.example.org.zone'), 'utf8');

  beforeAll(async () => {
    const postgres = database === 'postgresql' ? await createPostgresDatabase(inject('postgresUrl')) : undefined;
    drop = postgres?.drop;
    // Every second, so a taken name is replaced while the test waits.
    instance = await startInstance({
      database: postgres?.url ?? 'sqlite',
      settings: { ipreg: { preallocate: { count: 2, schedule: '* * * * * *' } } },
      log: { level: 'error', destination: { write: (line) => void errorsLogged.push(line) } },
    });
  });
  afterAll(async () => {
    await instance?.close();
    await drop?.();
  });

  it('keeps two published names per purpose ready, which a new site takes, and refills them', async () => {
    const ready = await eventually(async () => {
      const names = await readyNames();
      expect(names.map((name) => name.purpose).sort()).toEqual(['HOST', 'HOST', 'SERVICE', 'SERVICE', 'TEST', 'TEST']);
      expect(names.every((name) => name.publishedAt)).toBe(true);
      return names;
    });
    for (const name of ready) {
      expect(name.addresses).toHaveLength(2);
      expect(zoneFile()).toContain(`${name.fqdn}. 300 IN A ${name.addresses[0].address}`);
    }

    const site = await createSite(instance.url, 'quick');
    expect((await site.finished()).state).toBe('SUCCEEDED');
    const { site: seen } = await query(instance.url, 'query ($id: ID!) { site(id: $id) { serviceName vm { hostName } } }', { id: site.siteId }, TOKENS.alice);
    // The oldest ready names were taken: the site resolved before its task published anything.
    expect(ready.filter((name) => name.purpose === 'SERVICE').map((name) => name.fqdn)).toContain(seen.serviceName);
    expect(ready.filter((name) => name.purpose === 'HOST').map((name) => name.fqdn)).toContain(seen.vm.hostName);

    await eventually(async () => {
      const names = await readyNames();
      expect(names.map((name) => name.purpose).sort()).toEqual(['HOST', 'HOST', 'SERVICE', 'SERVICE', 'TEST', 'TEST']);
      expect(names.map((name) => name.fqdn)).not.toContain(seen.serviceName);
      expect(names.every((name) => name.publishedAt)).toBe(true);
    });
    expect(errorsLogged).toEqual([]);
  });
});
