import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException, type MikroORM } from '@mikro-orm/core';
import { conflict, notFound } from '../../../core/errors.js';
import type { InventoryConfig, SeedHost } from '../../../core/config.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import type { Logger } from '../../../core/logger.js';
import { VmPlacementEntity } from '../placement/placement-entity.js';
import { HypervisorHostEntity, type HostState, type HypervisorHost } from './host-entity.js';
import { validateNewHost, type NewHost } from './host-input.js';

/** The states a host may be moved to, and from which. */
const TRANSITIONS: Record<HostState, { from: HostState[]; verb: string }> = {
  ENABLED: { from: ['DRAINING', 'DISABLED'], verb: 'enable' },
  DRAINING: { from: ['ENABLED', 'DISABLED'], verb: 'drain' },
  DISABLED: { from: ['ENABLED', 'DRAINING'], verb: 'disable' },
};

/** Platform admins' hosts: added after checking, moved between states, removed once empty. */
export class HostService {
  constructor(
    private readonly orm: MikroORM,
    readonly overcommit: InventoryConfig['overcommit'],
  ) {}

  list(): Promise<HypervisorHost[]> {
    return this.orm.em.fork().find(HypervisorHostEntity, {}, { orderBy: { name: 'asc' } });
  }

  async get(id: string): Promise<HypervisorHost> {
    const host = await this.orm.em.fork().findOne(HypervisorHostEntity, { id: validateId(id) });
    if (!host) throw notFound('Hypervisor host', id);
    return host;
  }

  findByIds(ids: string[]): Promise<HypervisorHost[]> {
    return this.orm.em.fork().find(HypervisorHostEntity, { id: { $in: ids } });
  }

  async add(input: NewHost): Promise<HypervisorHost> {
    const host = validateNewHost(input);
    const taken = () => conflict(`A host named ${host.name} already exists; choose another name`);
    const em = this.orm.em.fork();
    if (await em.count(HypervisorHostEntity, { name: host.name })) throw taken();
    try {
      const row = em.create(HypervisorHostEntity, {
        id: randomUUID(),
        name: host.name,
        driver: host.driver,
        uri: host.uri,
        credentialRef: host.credentialRef,
        location: host.location,
        capacityVcpus: host.capacity.vcpus,
        capacityMemoryMiB: host.capacity.memoryMiB,
        capacityDiskGiB: host.capacity.diskGiB,
        allocatedVcpus: 0,
        allocatedMemoryMiB: 0,
        allocatedDiskGiB: 0,
        state: 'ENABLED',
        reachable: null,
        lastReconciledAt: null,
        lastReconcileError: null,
      });
      await em.flush();
      return row;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw taken();
      throw error;
    }
  }

  /** ENABLED, DRAINING or DISABLED; asking for the state a host is already in is a CONFLICT, not a no-op. */
  async setState(id: string, state: HostState): Promise<HypervisorHost> {
    const host = await this.get(id);
    const { from, verb } = TRANSITIONS[state];
    if (host.state === state) throw conflict(`Host ${host.name} is already ${state}`);
    const moved = await this.orm.em.fork().nativeUpdate(HypervisorHostEntity, { id: host.id, state: { $in: from } }, { state, updatedAt: new Date() });
    if (moved !== 1) throw conflict(`Host ${host.name} changed while you asked to ${verb} it; look at it again`);
    return this.get(host.id);
  }

  /**
   * Removes a host that holds no VM. The delete is conditional on an empty allocation, which a
   * placement in flight holds the row lock on, so a VM placed at the same moment keeps its host.
   */
  async remove(id: string): Promise<HypervisorHost> {
    const host = await this.get(id);
    const em = this.orm.em.fork();
    const placed = await em.find(VmPlacementEntity, { hostId: host.id }, { orderBy: { vmName: 'asc' }, limit: 6 });
    const refuse = (names: string[]) =>
      conflict(
        `Host ${host.name} still has VMs (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}); drain it and move or delete its sites before removing it`,
      );
    if (placed.length > 0) throw refuse(placed.map((placement) => placement.vmName));
    const removed = await em.nativeDelete(HypervisorHostEntity, { id: host.id, allocatedVcpus: 0, allocatedMemoryMiB: 0, allocatedDiskGiB: 0 });
    if (removed !== 1) throw refuse((await em.find(VmPlacementEntity, { hostId: host.id }, { limit: 6 })).map((placement) => placement.vmName));
    return host;
  }

  /** Registers the configured hosts when the inventory has none: the embedded default's sim host. */
  async seed(hosts: SeedHost[], logger: Logger): Promise<void> {
    if (hosts.length === 0 || (await this.orm.em.fork().count(HypervisorHostEntity, {})) > 0) return;
    for (const host of hosts) {
      try {
        await this.add(host);
        logger.info({ host: host.name, driver: host.driver }, 'hypervisor host registered from configuration');
      } catch (error) {
        // Two processes seeding at once: the other one registered it.
        if (!(error instanceof Error && /already exists/.test(error.message))) throw error;
      }
    }
  }
}
