import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, startRoles, type Running } from '../../bin/start-roles.js';
import type { Config } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { MemorySimVmStore } from '../../drivers/sim/memory-sim-vm-store.js';
import { SimDriver } from '../../drivers/sim/sim-driver.js';
import { errorCodes, graphql, query, sse } from '../support/graphql-client.js';
import { prepareInstance, TOKENS } from '../support/hostgraph-instance.js';
import { createSite, hostNamed } from './inventory-fixture.js';

const RECONCILE = `mutation { reconcile { completed error hosts { hostName reachable error discrepancies { kind vmName vmRef expected observed corrected message vm { id } site { id } firstSeenAt } } } }`;
const SITE = 'query ($id: ID!) { site(id: $id) { state vm { id name ref placement { powerState observedAt } } } }';

type Found = { kind: string; vmName: string; observed: string | null; expected: string | null; corrected: boolean; message: string; firstSeenAt: string };
const byKind = (found: Found[]) => Object.fromEntries(found.map((discrepancy) => [discrepancy.kind, discrepancy]));

/**
 * Reconciliation against the sim, whose VMs the test changes behind Hostgraph's back through the
 * same hypervisor (the driver instance every sim host uses here), as an operator would with virsh.
 */
describe('reconciliation with the sim hypervisor', () => {
  const hypervisor = new SimDriver({ store: new MemorySimVmStore() });
  let config: Config;
  let dir: string;
  let running: Running;
  let url: string;
  const start = async () => {
    running = await startRoles(config, ROLES, createLogger(config.logLevel), { driver: hypervisor, queueOptions: { maxAttempts: 3, backoffMs: 100 } });
    url = running.gatewayUrl!;
  };
  const sites: Record<string, { siteId: string; vmRef: string; vmName: string }> = {};

  beforeAll(async () => {
    // No scheduled run during the test: only the start and `reconcile` reconcile.
    ({ config, dir } = await prepareInstance({ settings: { inventory: { reconcileSchedule: '0 0 0 1 1 *' } } }));
    await start();
    for (const name of ['drifty', 'vanishing', 'steady']) {
      const site = await createSite(url, name);
      expect((await site.finished()).state).toBe('SUCCEEDED');
      const { site: made } = await query(url, SITE, { id: site.siteId }, TOKENS.alice);
      sites[name] = { siteId: site.siteId, vmRef: made.vm.ref, vmName: made.vm.name };
    }
  });
  afterAll(async () => {
    await running?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is for platform admins', async () => {
    expect(errorCodes((await graphql(url, RECONCILE, {}, TOKENS.alice)).body)).toEqual(['FORBIDDEN']);
    expect(errorCodes((await graphql(url, '{ inventoryDiscrepancies { id } }', {}, TOKENS.bob)).body)).toEqual(['FORBIDDEN']);
  });

  it('finds nothing to report while the hypervisor agrees, and records what it saw', async () => {
    const { reconcile } = await query(url, RECONCILE, {}, TOKENS.admin);
    expect(reconcile).toMatchObject({ completed: true, error: null, hosts: [{ hostName: 'sim-1', reachable: true, error: null, discrepancies: [] }] });
    const { site } = await query(url, SITE, { id: sites.steady!.siteId }, TOKENS.alice);
    expect(site.vm.placement.powerState).toBe('running');
  });

  it('reports a VM made, one destroyed and one powered off behind its back; corrects the drift and destroys nothing', async () => {
    const rogue = await hypervisor.create({ name: 'rogue-vm', vcpus: 1, memoryMiB: 512, diskGiB: 5 });
    await hypervisor.powerOff(sites.drifty!.vmRef);
    await hypervisor.destroy(sites.vanishing!.vmRef);

    const events = sse(url, 'subscription { hostReconciled { hostName reachable discrepancies { kind vmName } } }', {}, TOKENS.admin);
    const firstEvent = events.next();
    const { reconcile } = await query(url, RECONCILE, {}, TOKENS.admin);
    expect(reconcile.completed).toBe(true);
    const found = byKind(reconcile.hosts[0].discrepancies);
    expect(Object.keys(found).sort()).toEqual(['MISSING_VM', 'POWER_STATE_DRIFT', 'UNKNOWN_VM']);
    expect(found.UNKNOWN_VM).toMatchObject({ vmName: 'rogue-vm', vmRef: rogue.ref, observed: 'stopped', vm: null, message: expect.stringContaining('did not place it here') });
    expect(found.MISSING_VM).toMatchObject({ vmName: sites.vanishing!.vmName, vmRef: sites.vanishing!.vmRef, site: { id: sites.vanishing!.siteId }, corrected: false });
    expect(found.POWER_STATE_DRIFT).toMatchObject({ vmName: sites.drifty!.vmName, expected: 'running', observed: 'stopped', corrected: true, message: expect.stringContaining('site state set to STOPPED') });

    // The event stream said the same.
    const event = (await firstEvent).value!.data.hostReconciled;
    await events.return(undefined);
    expect(event).toMatchObject({ hostName: 'sim-1', reachable: true });
    expect(event.discrepancies.map((d: { kind: string }) => d.kind).sort()).toEqual(['MISSING_VM', 'POWER_STATE_DRIFT', 'UNKNOWN_VM']);

    // The drift was corrected in the database; the others were only reported.
    const drifty = (await query(url, SITE, { id: sites.drifty!.siteId }, TOKENS.alice)).site;
    expect(drifty).toMatchObject({ state: 'STOPPED', vm: { placement: { powerState: 'stopped' } } });
    expect((await query(url, SITE, { id: sites.vanishing!.siteId }, TOKENS.alice)).site.state).toBe('RUNNING');
    expect(await hypervisor.get(rogue.ref)).not.toBeNull();

    const { inventoryDiscrepancies } = await query(url, '{ inventoryDiscrepancies { kind vmName hostName } }', {}, TOKENS.admin);
    expect(inventoryDiscrepancies).toHaveLength(3);
    expect((await query(url, '{ inventoryDiscrepancies(kind: UNKNOWN_VM) { vmName } }', {}, TOKENS.admin)).inventoryDiscrepancies).toEqual([{ vmName: 'rogue-vm' }]);
  });

  it('keeps reporting what is still different, since when, and drops what is settled', async () => {
    const before = byKind((await query(url, RECONCILE, {}, TOKENS.admin)).reconcile.hosts[0].discrepancies);
    expect(Object.keys(before).sort()).toEqual(['MISSING_VM', 'UNKNOWN_VM']);
    const again = byKind((await query(url, RECONCILE, {}, TOKENS.admin)).reconcile.hosts[0].discrepancies);
    expect(again.UNKNOWN_VM!.firstSeenAt).toBe(before.UNKNOWN_VM!.firstSeenAt);
  });

  it('reports a host it cannot reach as unreachable, keeping its findings, not as every VM missing', async () => {
    hypervisor.setUnreachable(true);
    try {
      const { reconcile } = await query(url, RECONCILE, {}, TOKENS.admin);
      expect(reconcile.hosts[0]).toMatchObject({ hostName: 'sim-1', reachable: false, error: 'host unreachable' });
      expect(reconcile.hosts[0].discrepancies.map((d: Found) => d.kind).sort()).toEqual(['MISSING_VM', 'UNKNOWN_VM']);
      expect(await hostNamed(url, 'sim-1')).toMatchObject({ reachable: false, lastReconcileError: 'host unreachable' });
    } finally {
      hypervisor.setUnreachable(false);
    }
  });

  it('learns the truth at start, before the worker takes a task', async () => {
    await running.close();
    // While Hostgraph is down, an operator powers a VM off.
    await hypervisor.powerOff(sites.steady!.vmRef);
    await start();
    // No reconcile asked for: the worker's start did it.
    const { site } = await query(url, SITE, { id: sites.steady!.siteId }, TOKENS.alice);
    expect(site.state).toBe('STOPPED');
    const { inventoryDiscrepancies } = await query(url, '{ inventoryDiscrepancies(kind: POWER_STATE_DRIFT) { vmName corrected } }', {}, TOKENS.admin);
    expect(inventoryDiscrepancies).toEqual([{ vmName: sites.steady!.vmName, corrected: true }]);
    expect((await hostNamed(url, 'sim-1')).reachable).toBe(true);
  });
});
