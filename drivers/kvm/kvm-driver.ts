import { randomUUID } from 'node:crypto';
import {
  type CloneOptions,
  Conflict,
  Fatal,
  NotFound,
  Unsupported,
  type DriverCapabilities,
  type HypervisorDriver,
  type OperationOptions,
  type PowerState,
  type ProgressCallback,
  type ShutdownOptions,
  type Snapshot,
  type Vm,
  type VmSpec,
} from '../driver.js';
import { monotonicProgress } from '../progress.js';
import { cloneSeedDocuments, seedDocuments, type SeedDocuments } from './cloud-init/seed-documents.js';
import { cloneDomainXml } from './domain-xml/clone-domain-xml.js';
import { readDomainXml, type DomainDescription } from './domain-xml/read-domain-xml.js';
import { SYSTEM_DISK_TARGET, writeDomainXml } from './domain-xml/write-domain-xml.js';
import { HostStorage } from './host-storage.js';
import { resolveKvmDriverOptions, type KvmDriverOptions, type ResolvedKvmDriverOptions } from './kvm-driver-options.js';
import { randomGuestMac } from './mac-address.js';
import { isDomainUuid, requireSafeName } from './names.js';
import { powerStateOf } from './power-state.js';
import { readSnapshotXml } from './domain-xml/read-snapshot-xml.js';
import { SshConnection } from './ssh-connection.js';
import { Virsh } from './virsh.js';

export type { KvmDriverOptions } from './kvm-driver-options.js';

/**
 * Hostgraph's driver for KVM hosts: virsh run over one reused SSH connection (ssh2) against the
 * host's libvirt, which is how production reaches remote hypervisors without a libvirt client on
 * the worker, and virsh's XML in and out is libvirt's stable interface. A VM's ref is its libvirt
 * UUID; a snapshot's ref is its name (libvirt names snapshots uniquely per domain).
 *
 * New VMs get a qcow2 overlay on the configured base image and a cloud-init NoCloud seed ISO
 * (host name, users and their SSH keys, pre-generated host keys), both in the storage directory.
 * Snapshots are internal qcow2 snapshots, taken in any power state. Clones copy a stopped VM's
 * current disk and get a new UUID, MACs and seed: the seed given with the clone (its own host name
 * and host keys), else one made from the source's. Either has a new instance-id, which is what makes
 * cloud-init treat the clone's first boot as a new instance's and run its per-instance modules
 * again (host name, users, host keys): cloud-init's default `check` compares it with its cache.
 */
export class KvmDriver implements HypervisorDriver {
  readonly name = 'kvm';
  readonly capabilities: DriverCapabilities = { suspend: true, snapshots: true, clone: true, gracefulShutdown: true, resize: false };

  readonly #options: ResolvedKvmDriverOptions;
  readonly #ssh: SshConnection;
  readonly #virsh: Virsh;
  readonly #storage: HostStorage;
  #domainType: Promise<'kvm' | 'qemu'> | null = null;
  #closed = false;

  constructor(options: KvmDriverOptions) {
    this.#options = resolveKvmDriverOptions(options);
    this.#ssh = new SshConnection(this.#options.ssh);
    this.#virsh = new Virsh(this.#ssh, this.#options.libvirtUri);
    this.#storage = new HostStorage(this.#ssh, this.#options.storageDir, this.#options.baseImage, this.#options.commandTimeoutMs);
  }

  // ── Reading ───────────────────────────────────────────────────────────────────────────────────

  async list(): Promise<Vm[]> {
    this.#requireOpen();
    const uuids = lines(await this.#virsh.run('list', ['--all', '--uuid']));
    // A VM removed between the listing and its reading is simply not there any more.
    const vms = (await Promise.all(uuids.map((uuid) => this.#read(uuid)))).filter((vm): vm is Vm => vm !== null);
    return vms.sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(ref: string): Promise<Vm | null> {
    this.#requireOpen();
    return isDomainUuid(ref) ? this.#read(ref) : null;
  }

  async findByName(name: string): Promise<Vm | null> {
    this.#requireOpen();
    if (typeof name !== 'string' || name === '') return null;
    let uuid: string;
    try {
      uuid = (await this.#virsh.run('domuuid', ['--domain', name])).trim();
    } catch (error) {
      if (error instanceof NotFound) return null;
      throw error;
    }
    // virsh also looks a domain up by id and UUID; only a VM of that very name counts.
    const vm = await this.#read(uuid);
    return vm?.name === name ? vm : null;
  }

  // ── Lifecycle ─────────────────────────────────────────────────────────────────────────────────

  async create(spec: VmSpec, options?: OperationOptions): Promise<Vm> {
    this.#requireOpen();
    validateSpec(spec);
    const progress = begin(options);
    const uuid = randomUUID();
    // Built before anything happens on the host, so a bad seed changes nothing.
    const seed = seedDocuments(uuid, spec.seed ?? { hostname: spec.name, users: [] });
    const existing = await this.findByName(spec.name);
    if (existing) {
      // A retried task step creates again; the same spec means it is the VM that step made.
      if (!sameHardware(existing, spec)) throw new Conflict(`kvm: a VM named ${spec.name} already exists with a different spec`);
      progress(1);
      return existing;
    }
    const domainType = await this.#resolveDomainType();
    const diskPath = this.#storage.diskPath(spec.name, SYSTEM_DISK_TARGET);
    const seedPath = this.#storage.seedPath(spec.name);
    const xml = writeDomainXml({
      uuid,
      name: spec.name,
      domainType,
      cpuMode: this.#options.cpuMode,
      vcpus: spec.vcpus,
      memoryMiB: spec.memoryMiB,
      diskPath,
      seedPath,
      mac: randomGuestMac(),
      network: this.#options.network,
      labels: { ...spec.labels },
    });
    await this.#defineWithFiles(xml, [diskPath, seedPath], progress, async () => {
      await this.#storage.createOverlay(diskPath, spec.diskGiB);
      progress(0.3);
      await this.#storage.writeSeed(seedPath, seed);
      progress(0.6);
    });
    return this.#finish(uuid, progress);
  }

  start(ref: string, options?: OperationOptions): Promise<Vm> {
    return this.#transition(ref, options, 'start', ['stopped'], async (uuid) => {
      await this.#virsh.run('start', ['--domain', uuid]);
    });
  }

  shutdown(ref: string, options?: ShutdownOptions): Promise<Vm> {
    const timeoutMs = options?.timeoutMs ?? this.#options.shutdownTimeoutMs;
    return this.#transition(ref, options, 'shut down', ['running'], async (uuid, progress) => {
      await this.#virsh.run('shutdown', ['--domain', uuid]);
      // The guest decides when it is done; a guest that ignores ACPI is powered off at the deadline.
      const pollMs = Math.min(1000, Math.max(50, timeoutMs / 10));
      for (let waitedMs = 0; waitedMs < timeoutMs; waitedMs += pollMs) {
        await sleep(Math.min(pollMs, timeoutMs - waitedMs));
        if ((await this.#state(uuid)) === 'stopped') return;
        progress((0.9 * (waitedMs + pollMs)) / timeoutMs);
      }
      await this.#powerOffIfRunning(uuid);
    });
  }

  powerOff(ref: string, options?: OperationOptions): Promise<Vm> {
    return this.#transition(ref, options, 'power off', ['running', 'suspended'], async (uuid) => {
      await this.#virsh.run('destroy', ['--domain', uuid]);
    });
  }

  reboot(ref: string, options?: OperationOptions): Promise<Vm> {
    // Asks the guest (ACPI or its agent), like a shutdown; the domain itself keeps running.
    return this.#transition(ref, options, 'reboot', ['running'], async (uuid) => {
      await this.#virsh.run('reboot', ['--domain', uuid]);
    });
  }

  suspend(ref: string, options?: OperationOptions): Promise<Vm> {
    return this.#transition(ref, options, 'suspend', ['running'], async (uuid) => {
      await this.#virsh.run('suspend', ['--domain', uuid]);
    });
  }

  resume(ref: string, options?: OperationOptions): Promise<Vm> {
    return this.#transition(ref, options, 'resume', ['suspended'], async (uuid) => {
      await this.#virsh.run('resume', ['--domain', uuid]);
    });
  }

  async destroy(ref: string, options?: OperationOptions): Promise<void> {
    this.#requireOpen();
    const progress = begin(options);
    const domain = isDomainUuid(ref) ? await this.#describe(ref) : null;
    if (domain) {
      await this.#powerOffIfRunning(ref);
      progress(0.3);
      // Files first: a destroy retried after a failure still finds the domain and so its files.
      const files = domain.disks.map((disk) => disk.file).filter((file): file is string => file !== undefined);
      await this.#storage.remove(files);
      progress(0.6);
      // Internal snapshots went with the disks; their metadata goes with the definition.
      await ignoring(NotFound, this.#virsh.run('undefine', ['--domain', ref, '--snapshots-metadata', '--managed-save']));
    }
    // A VM already gone is success: a retried destroy has nothing left to do.
    progress(1);
  }

  // ── Snapshots and clones ──────────────────────────────────────────────────────────────────────

  async createSnapshot(ref: string, name: string, options?: OperationOptions): Promise<Snapshot> {
    this.#requireOpen();
    requireSafeName('snapshot', name);
    const uuid = requireRef(ref);
    const progress = begin(options);
    // A retried step finds the snapshot it took; names are unique per domain.
    if (!(await this.#snapshotNames(uuid)).includes(name)) {
      await this.#virsh.run('snapshot-create-as', ['--domain', uuid, '--name', name, '--atomic'], this.#longCommand());
    }
    const snapshot = await this.#readSnapshot(uuid, name);
    progress(1);
    return snapshot;
  }

  async listSnapshots(ref: string): Promise<Snapshot[]> {
    this.#requireOpen();
    const uuid = requireRef(ref);
    const snapshots = await Promise.all((await this.#snapshotNames(uuid)).map((name) => this.#readSnapshot(uuid, name)));
    return snapshots.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.name.localeCompare(b.name));
  }

  async revertSnapshot(ref: string, snapshotRef: string, options?: OperationOptions): Promise<Vm> {
    this.#requireOpen();
    const uuid = requireRef(ref);
    const progress = begin(options);
    // libvirt restores the snapshot's power state too: a running VM reverted to a stopped snapshot stops.
    await this.#virsh.run('snapshot-revert', ['--domain', uuid, '--snapshotname', snapshotRef], this.#longCommand());
    return this.#finish(uuid, progress);
  }

  async deleteSnapshot(ref: string, snapshotRef: string, options?: OperationOptions): Promise<void> {
    this.#requireOpen();
    const uuid = requireRef(ref);
    const progress = begin(options);
    await this.#virsh.run('snapshot-delete', ['--domain', uuid, '--snapshotname', snapshotRef], this.#longCommand());
    progress(1);
  }

  /** Not implemented for kvm yet: declared in `capabilities.resize`. */
  async resize(): Promise<Vm> {
    throw new Unsupported('kvm: resizing a VM is not supported by this driver yet');
  }

  async clone(ref: string, newName: string, options?: CloneOptions): Promise<Vm> {
    this.#requireOpen();
    requireSafeName('VM', newName);
    const uuid = requireRef(ref);
    const cloneUuid = randomUUID();
    // Built before anything happens on the host, so a bad seed changes nothing.
    const givenSeed = options?.seed ? seedDocuments(cloneUuid, options.seed) : undefined;
    const progress = begin(options);
    const source = await this.#read(uuid);
    if (!source) throw new NotFound(`kvm: no VM with ref ${uuid}`);
    const existing = await this.findByName(newName);
    if (existing) {
      // A retried clone step finds its clone: same name, same hardware as the source.
      if (!sameHardware(existing, source)) throw new Conflict(`kvm: a VM named ${newName} already exists and is not a clone of ${source.name}`);
      progress(1);
      return existing;
    }
    // A running source's disk is changing under the copy; libvirt's virt-clone refuses it too.
    if (source.powerState !== 'stopped') throw new Conflict(`kvm: cannot clone VM ${source.name}: it is ${source.powerState} (needs stopped)`);

    const sourceXml = await this.#virsh.run('dumpxml', ['--domain', uuid, '--inactive']);
    const copies = new Map<string, string>();
    const copyDisks: [string, string][] = [];
    let seed: { source: string; target: string } | undefined;
    for (const disk of readDomainXml(sourceXml).disks) {
      if (!disk.file) continue;
      if (disk.device === 'disk' && !disk.readonly) {
        const target = this.#storage.diskPath(newName, disk.target);
        copies.set(disk.file, target);
        copyDisks.push([disk.file, target]);
      } else if (disk.file === this.#storage.seedPath(source.name)) {
        seed = { source: disk.file, target: this.#storage.seedPath(newName) };
        copies.set(seed.source, seed.target);
      }
    }
    // A source without a seed cdrom (not made by this driver) has nowhere to put the clone's identity.
    if (givenSeed && !seed) throw new Fatal(`kvm: cannot give the clone of ${source.name} a seed: the source has no cloud-init seed attached`);
    const xml = cloneDomainXml(sourceXml, { name: newName, uuid: cloneUuid, newMac: randomGuestMac, files: copies });
    await this.#defineWithFiles(xml, [...copies.values()], progress, async () => {
      for (const [index, [from, to]] of copyDisks.entries()) {
        await this.#storage.copyDisk(from, to);
        progress((0.8 * (index + 1)) / (copyDisks.length + 1));
      }
      if (seed) await this.#storage.writeSeed(seed.target, givenSeed ?? (await this.#cloneSeed(seed.source, cloneUuid, newName)));
    });
    return this.#finish(cloneUuid, progress);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#ssh.close();
  }

  // ── Machinery ─────────────────────────────────────────────────────────────────────────────────

  #requireOpen(): void {
    if (this.#closed) throw new Fatal('kvm: driver is closed');
  }

  /** A power operation: checks the state it needs (NotFound, Conflict), acts, reads the VM back. */
  async #transition(
    ref: string,
    options: OperationOptions | undefined,
    operation: string,
    allowed: PowerState[],
    act: (uuid: string, progress: ProgressCallback) => Promise<void>,
  ): Promise<Vm> {
    this.#requireOpen();
    const uuid = requireRef(ref);
    const progress = begin(options);
    const state = await this.#state(uuid);
    // virsh alone would let some through (suspending a paused domain succeeds), so check first.
    if (!allowed.includes(state)) throw new Conflict(`kvm: cannot ${operation} VM ${uuid}: it is ${state} (needs ${allowed.join(' or ')})`);
    await act(uuid, progress);
    return this.#finish(uuid, progress);
  }

  /** Makes the files, then defines the domain; when either fails, the files made so far are removed. */
  async #defineWithFiles(xml: string, files: string[], progress: ProgressCallback, makeFiles: () => Promise<void>): Promise<void> {
    try {
      await makeFiles();
      await this.#virsh.run('define', ['--file', '/dev/stdin'], { stdin: xml });
      progress(0.9);
    } catch (error) {
      await this.#storage.remove(files).catch(() => {});
      throw error;
    }
  }

  async #finish(uuid: string, progress: ProgressCallback): Promise<Vm> {
    const vm = await this.#read(uuid);
    if (!vm) throw new NotFound(`kvm: VM ${uuid} disappeared while this operation ran`);
    progress(1);
    return vm;
  }

  async #cloneSeed(sourceSeed: string, cloneUuid: string, cloneName: string): Promise<SeedDocuments> {
    const userData = await this.#storage.readSeedUserData(sourceSeed);
    return userData.trim() ? cloneSeedDocuments(cloneUuid, userData, cloneName) : seedDocuments(cloneUuid, { hostname: cloneName, users: [] });
  }

  /** `null` when the domain does not exist. */
  async #read(uuid: string): Promise<Vm | null> {
    try {
      const [xml, state, blockInfo] = await Promise.all([
        this.#virsh.run('dumpxml', ['--domain', uuid]),
        this.#virsh.run('domstate', ['--domain', uuid]),
        // A disk file that cannot be read (removed by hand) leaves the VM visible, with no disk size.
        this.#virsh.run('domblkinfo', ['--domain', uuid, '--all']).catch((error: unknown) => (error instanceof Fatal ? '' : Promise.reject(error))),
      ]);
      const domain = readDomainXml(xml);
      return {
        ref: domain.uuid,
        name: domain.name,
        powerState: powerStateOf(state),
        vcpus: domain.vcpus,
        memoryMiB: domain.memoryMiB,
        diskGiB: systemDiskGiB(domain, blockInfo),
        labels: domain.labels,
      };
    } catch (error) {
      if (error instanceof NotFound) return null;
      throw error;
    }
  }

  async #describe(uuid: string): Promise<DomainDescription | null> {
    try {
      return readDomainXml(await this.#virsh.run('dumpxml', ['--domain', uuid]));
    } catch (error) {
      if (error instanceof NotFound) return null;
      throw error;
    }
  }

  async #state(uuid: string): Promise<PowerState> {
    return powerStateOf(await this.#virsh.run('domstate', ['--domain', uuid]));
  }

  async #powerOffIfRunning(uuid: string): Promise<void> {
    if ((await this.#state(uuid)) === 'stopped') return;
    // It may have stopped on its own in between.
    await ignoring(Conflict, this.#virsh.run('destroy', ['--domain', uuid]));
  }

  async #snapshotNames(uuid: string): Promise<string[]> {
    return lines(await this.#virsh.run('snapshot-list', ['--domain', uuid, '--name']));
  }

  async #readSnapshot(uuid: string, name: string): Promise<Snapshot> {
    return readSnapshotXml(await this.#virsh.run('snapshot-dumpxml', ['--domain', uuid, '--snapshotname', name]));
  }

  /** Snapshots and reverts save or load guest memory; give them the long timeout. */
  #longCommand() {
    return { timeoutMs: this.#options.commandTimeoutMs };
  }

  /** `kvm` when libvirt can use KVM on the host, else TCG emulation; asked once. */
  #resolveDomainType(): Promise<'kvm' | 'qemu'> {
    const configured = this.#options.domainType;
    if (configured !== 'auto') return Promise.resolve(configured);
    this.#domainType ??= this.#virsh.run('domcapabilities', ['--virttype', 'kvm']).then(
      () => 'kvm' as const,
      (error: unknown) => {
        // Only libvirt's answer is worth remembering; an unreachable host is asked again next time.
        if (!(error instanceof Fatal)) {
          this.#domainType = null;
          throw error;
        }
        return 'qemu' as const;
      },
    );
    return this.#domainType;
  }
}

/** The UUID a ref must be; any other ref names no VM. */
function requireRef(ref: string): string {
  if (!isDomainUuid(ref)) throw new NotFound(`kvm: no VM with ref ${JSON.stringify(ref)} (refs are libvirt UUIDs)`);
  return ref;
}

function validateSpec(spec: VmSpec): void {
  requireSafeName('VM', spec.name);
  const problems: string[] = [];
  for (const field of ['vcpus', 'memoryMiB', 'diskGiB'] as const) {
    if (!Number.isInteger(spec[field]) || spec[field] <= 0) problems.push(`${field} must be a positive integer`);
  }
  if (problems.length) throw new Fatal(`kvm: invalid VM spec: ${problems.join(', ')}`);
}

/**
 * The size of the VM's first disk, from `virsh domblkinfo --all` (target, capacity, allocation,
 * physical; bytes). 0 when it cannot be read.
 */
function systemDiskGiB(domain: DomainDescription, blockInfo: string): number {
  const target = domain.disks.find((disk) => disk.device === 'disk')?.target;
  for (const line of lines(blockInfo)) {
    const [name, capacity] = line.split(/\s+/);
    if (name === target && /^\d+$/.test(capacity ?? '')) return Number(capacity) / 2 ** 30;
  }
  return 0;
}

type Hardware = Pick<VmSpec, 'vcpus' | 'memoryMiB' | 'diskGiB' | 'labels'>;

function sameHardware(a: Hardware, b: Hardware): boolean {
  const labelsA = Object.entries(a.labels ?? {});
  const labelsB = b.labels ?? {};
  return (
    a.vcpus === b.vcpus &&
    a.memoryMiB === b.memoryMiB &&
    a.diskGiB === b.diskGiB &&
    labelsA.length === Object.keys(labelsB).length &&
    labelsA.every(([key, value]) => Object.hasOwn(labelsB, key) && labelsB[key] === value)
  );
}

function begin(options: OperationOptions | undefined): ProgressCallback {
  const progress = monotonicProgress(options?.onProgress);
  progress(0);
  return progress;
}

function lines(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

/** Waits for `call`, treating an error of class `kind` as success (work already done by someone else). */
async function ignoring(kind: abstract new (...args: never[]) => Error, call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof kind)) throw error;
  }
}

/** The global timer, so tests could drive polling with fake timers. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
