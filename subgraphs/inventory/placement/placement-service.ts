import { UniqueConstraintViolationException, type EntityManager, type MikroORM } from '@mikro-orm/core';
import { badInput, noCapacity, notFound } from '../../../core/errors.js';
import { validateId } from '../../../core/graphql/validate-id.js';
import { isDriverKind } from '../../../drivers/registry/driver-kinds.js';
import { HypervisorHostEntity, type HypervisorHost } from '../hosts/host-entity.js';
import { freeOf, limitsOf, rankHosts, type HostLoad, type Overcommit, type PlacementNeed } from './choose-host.js';
import { VmPlacementEntity, type VmPlacement } from './placement-entity.js';

export interface PlacementRequest extends PlacementNeed {
  vmId: string;
  siteId: string;
  vmName: string;
  /** Only the host this VM is placed on. */
  nextToVmId?: string | null;
}

export interface Placed {
  placement: VmPlacement;
  host: HypervisorHost;
}

/** Candidates tried per decision before reading the hosts again; each loss is another placement's win. */
const CANDIDATES_PER_READ = 8;
const READS = 5;

const affected = (result: unknown) => {
  const counts = result as { affectedRows?: number; rowCount?: number; changes?: number };
  return counts.affectedRows ?? counts.rowCount ?? counts.changes ?? 0;
};

/**
 * Puts VMs on hosts. The decision is made on a read of the hosts; the allocation is a conditional
 * UPDATE that adds the VM only if it still fits (the row lock on PostgreSQL, the write lock on
 * SQLite, make a concurrent placement wait and re-check), in one transaction with the placement
 * row — so two placements cannot both take the last room, and a refused one leaves nothing behind.
 */
export class PlacementService {
  constructor(
    private readonly orm: MikroORM,
    private readonly overcommit: Overcommit,
  ) {}

  get(vmId: string): Promise<VmPlacement | null> {
    return this.orm.em.fork().findOne(VmPlacementEntity, { vmId: validateId(vmId, 'vmId') });
  }

  ofSites(siteIds: string[]): Promise<VmPlacement[]> {
    return this.orm.em.fork().find(VmPlacementEntity, { siteId: { $in: siteIds } }, { orderBy: { vmName: 'asc' } });
  }

  ofHost(hostId: string): Promise<VmPlacement[]> {
    return this.orm.em.fork().find(VmPlacementEntity, { hostId }, { orderBy: { vmName: 'asc' } });
  }

  /** Places the VM, or returns where it already is (a retried step asks again). */
  async place(request: PlacementRequest): Promise<Placed> {
    const need = validateRequest(request);
    const existing = await this.existing(request.vmId);
    if (existing) return existing;
    const pinnedHost = request.nextToVmId ? await this.hostOf(request.nextToVmId) : null;
    for (let read = 0; read < READS; read++) {
      const hosts = (await this.enabledHosts(need.driver ?? null)).filter((host) => !pinnedHost || host.id === pinnedHost);
      const ranked = rankHosts(hosts, need, this.overcommit);
      if (ranked.length === 0) throw this.noRoom(need, hosts);
      for (const host of ranked.slice(0, CANDIDATES_PER_READ)) {
        try {
          const placement = await this.orm.em.fork().transactional((tx) => this.allocate(tx, host, request));
          if (placement) return { placement, host: (await this.orm.em.fork().findOneOrFail(HypervisorHostEntity, { id: host.id })) };
        } catch (error) {
          // The same VM placed at the same moment by another attempt: that one stands.
          if (error instanceof UniqueConstraintViolationException) {
            const placed = await this.existing(request.vmId);
            if (placed) return placed;
          }
          throw error;
        }
      }
    }
    throw this.noRoom(need, await this.enabledHosts(need.driver ?? null));
  }

  /** The enabled hosts' load as plain rows: placement reads every one for every decision, so no entity is built. */
  private async enabledHosts(driver: string | null): Promise<HostLoad[]> {
    const rows = await this.orm.em.getConnection().execute(
      `select id, name, driver, state, capacity_vcpus, capacity_memory_mib, capacity_disk_gib, allocated_vcpus, allocated_memory_mib, allocated_disk_gib
       from inventory_hosts where state = 'ENABLED'${driver ? ' and driver = ?' : ''}`,
      driver ? [driver] : [],
      'all',
    );
    return (rows as Record<string, unknown>[]).map((row) => ({
      id: String(row.id),
      name: String(row.name),
      driver: String(row.driver),
      state: 'ENABLED',
      capacityVcpus: Number(row.capacity_vcpus),
      capacityMemoryMiB: Number(row.capacity_memory_mib),
      capacityDiskGiB: Number(row.capacity_disk_gib),
      allocatedVcpus: Number(row.allocated_vcpus),
      allocatedMemoryMiB: Number(row.allocated_memory_mib),
      allocatedDiskGiB: Number(row.allocated_disk_gib),
    }));
  }

  /** Gives the VM's resources back to its host; false when it was not placed. */
  async release(vmId: string): Promise<boolean> {
    const id = validateId(vmId, 'vmId');
    return this.orm.em.fork().transactional(async (em) => {
      const placement = await em.findOne(VmPlacementEntity, { vmId: id });
      if (!placement) return false;
      const deleted = await em.nativeDelete(VmPlacementEntity, { vmId: id });
      if (deleted !== 1) return false;
      await em.getConnection().execute(
        `update inventory_hosts set
           allocated_vcpus = case when allocated_vcpus > ? then allocated_vcpus - ? else 0 end,
           allocated_memory_mib = case when allocated_memory_mib > ? then allocated_memory_mib - ? else 0 end,
           allocated_disk_gib = case when allocated_disk_gib > ? then allocated_disk_gib - ? else 0 end
         where id = ?`,
        [placement.vcpus, placement.vcpus, placement.memoryMiB, placement.memoryMiB, placement.diskGiB, placement.diskGiB, placement.hostId],
        'run',
        em.getTransactionContext(),
      );
      return true;
    });
  }

  /**
   * Holds the VM's new size on the host it is on (a resize never moves a VM): growth only if the
   * host still has room, else NO_CAPACITY and nothing changes; the size it already has changes nothing.
   */
  async resize(vmId: string, size: { vcpus: number; memoryMiB: number; diskGiB: number }): Promise<Placed> {
    const id = validateId(vmId, 'vmId');
    validateSize(size);
    return this.orm.em.fork().transactional(async (em) => {
      const placement = await em.findOne(VmPlacementEntity, { vmId: id });
      if (!placement) throw notFound('The placement of VM', id);
      const host = await em.findOneOrFail(HypervisorHostEntity, { id: placement.hostId });
      const growth = { vcpus: size.vcpus - placement.vcpus, memoryMiB: size.memoryMiB - placement.memoryMiB, diskGiB: size.diskGiB - placement.diskGiB };
      if (!growth.vcpus && !growth.memoryMiB && !growth.diskGiB) return { placement, host };
      const limits = limitsOf(host as HostLoad, this.overcommit);
      // Each resource may shrink freely; one that grows must stay within the host's limit.
      const result = await em.getConnection().execute(
        `update inventory_hosts set
           allocated_vcpus = case when allocated_vcpus + ? < 0 then 0 else allocated_vcpus + ? end,
           allocated_memory_mib = case when allocated_memory_mib + ? < 0 then 0 else allocated_memory_mib + ? end,
           allocated_disk_gib = case when allocated_disk_gib + ? < 0 then 0 else allocated_disk_gib + ? end
         where id = ?
           and (? <= 0 or allocated_vcpus + ? <= ?) and (? <= 0 or allocated_memory_mib + ? <= ?) and (? <= 0 or allocated_disk_gib + ? <= ?)`,
        [
          growth.vcpus, growth.vcpus, growth.memoryMiB, growth.memoryMiB, growth.diskGiB, growth.diskGiB,
          host.id,
          growth.vcpus, growth.vcpus, limits.vcpus, growth.memoryMiB, growth.memoryMiB, limits.memoryMiB, growth.diskGiB, growth.diskGiB, limits.diskGiB,
        ],
        'run',
        em.getTransactionContext(),
      );
      if (affected(result) !== 1) {
        throw noCapacity(`Host ${host.name} has no room for VM ${placement.vmName} at ${size.vcpus} vCPU, ${size.memoryMiB} MiB RAM and ${size.diskGiB} GiB disk (free: ${describe(freeOf(host as HostLoad, this.overcommit))})`, {
          requested: size,
          hostName: host.name,
        });
      }
      Object.assign(placement, size);
      await em.flush();
      await em.refresh(host);
      return { placement, host };
    });
  }

  private async hostOf(vmId: string): Promise<string> {
    const placement = await this.orm.em.fork().findOne(VmPlacementEntity, { vmId: validateId(vmId, 'nextToVmId') });
    if (!placement) throw badInput(`VM ${vmId} is not placed on any host, so nothing can be placed next to it`, 'nextToVmId');
    return placement.hostId;
  }

  private async existing(vmId: string): Promise<Placed | null> {
    const em = this.orm.em.fork();
    const placement = await em.findOne(VmPlacementEntity, { vmId });
    if (!placement) return null;
    return { placement, host: await em.findOneOrFail(HypervisorHostEntity, { id: placement.hostId }) };
  }

  /** Adds the VM to the host if it still fits there; null when another placement took the room first. */
  private async allocate(em: EntityManager, host: HostLoad, request: PlacementRequest): Promise<VmPlacement | null> {
    const limits = limitsOf(host, this.overcommit);
    const result = await em.getConnection().execute(
      `update inventory_hosts set
         allocated_vcpus = allocated_vcpus + ?, allocated_memory_mib = allocated_memory_mib + ?, allocated_disk_gib = allocated_disk_gib + ?
       where id = ? and state = 'ENABLED'
         and capacity_vcpus = ? and capacity_memory_mib = ? and capacity_disk_gib = ?
         and allocated_vcpus + ? <= ? and allocated_memory_mib + ? <= ? and allocated_disk_gib + ? <= ?`,
      [
        request.vcpus, request.memoryMiB, request.diskGiB,
        host.id,
        host.capacityVcpus, host.capacityMemoryMiB, host.capacityDiskGiB,
        request.vcpus, limits.vcpus, request.memoryMiB, limits.memoryMiB, request.diskGiB, limits.diskGiB,
      ],
      'run',
      em.getTransactionContext(),
    );
    if (affected(result) !== 1) return null;
    const placement = em.create(VmPlacementEntity, {
      vmId: request.vmId,
      siteId: request.siteId,
      hostId: host.id,
      vmName: request.vmName,
      vcpus: request.vcpus,
      memoryMiB: request.memoryMiB,
      diskGiB: request.diskGiB,
      ref: null,
      powerState: null,
      observedAt: null,
    });
    await em.flush();
    return placement;
  }

  private noRoom(need: PlacementNeed, enabled: HostLoad[]) {
    const wanted = `${need.vcpus} vCPU, ${need.memoryMiB} MiB RAM and ${need.diskGiB} GiB disk${need.driver ? ` on a ${need.driver} host` : ''}`;
    const roomiest = [...enabled].sort((a, b) => freeOf(b, this.overcommit).memoryMiB - freeOf(a, this.overcommit).memoryMiB)[0];
    const detail =
      enabled.length === 0
        ? `no ${need.driver ? `${need.driver} ` : ''}host is enabled`
        : `none of the ${enabled.length} enabled host(s) has room (most free: ${roomiest!.name}, ${describe(freeOf(roomiest!, this.overcommit))})`;
    return noCapacity(`No hypervisor host can take ${wanted}: ${detail}. Add or enable a host, or choose a smaller flavor`, {
      requested: { vcpus: need.vcpus, memoryMiB: need.memoryMiB, diskGiB: need.diskGiB },
      driver: need.driver ?? null,
    });
  }
}

const describe = (free: { vcpus: number; memoryMiB: number; diskGiB: number }) =>
  `${Math.max(0, free.vcpus)} vCPU, ${Math.max(0, free.memoryMiB)} MiB, ${Math.max(0, free.diskGiB)} GiB`;

function validateSize(size: { vcpus: number; memoryMiB: number; diskGiB: number }): void {
  for (const field of ['vcpus', 'memoryMiB', 'diskGiB'] as const) {
    const value = size[field];
    if (!Number.isInteger(value) || value <= 0) throw badInput(`${field} must be a whole number above 0 (got ${value})`, field);
  }
}

function validateRequest(request: PlacementRequest): PlacementNeed {
  validateId(request.vmId, 'vmId');
  validateId(request.siteId, 'siteId');
  if (!request.vmName || request.vmName.length > 255) throw badInput('vmName must be 1–255 characters', 'vmName');
  validateSize(request);
  if (request.driver && !isDriverKind(request.driver)) throw badInput(`Unknown driver "${request.driver.slice(0, 40)}"`, 'driver');
  return { vcpus: request.vcpus, memoryMiB: request.memoryMiB, diskGiB: request.diskGiB, driver: request.driver || null };
}
