import { randomUUID } from 'node:crypto';
import type { FakeHost } from './fake-host.js';
import { StorageOperations, type DiskCopy } from './storage-operations.js';
import { vmOperationError, type VmOperation } from './vm-operation-rules.js';
import { XapiFailure } from './xapi-failure.js';
import { EPOCH, NULL_REF, xapiNow, type VmFields } from './xapi-records.js';
import type { Job } from './xapi-tasks.js';

/** Operations a hard shutdown or reboot cancels before it acts (message_forwarding.ml). */
const CANCELLED_BY_HARD_SHUTDOWN = ['clean_shutdown', 'clean_reboot', 'hard_reboot', 'shutdown', 'suspend'];
const CANCELLED_BY_HARD_REBOOT = ['clean_shutdown', 'clean_reboot', 'suspend'];

/** VM fields a revert leaves alone (`do_not_copy` in xapi_vm_snapshot.ml, for the fields the fake stores). */
const KEPT_ON_REVERT = new Set<keyof VmFields>(['uuid', 'suspend_VDI', 'power_state', 'parent', 'tags', 'affinity', 'resident_on', 'domid']);

/**
 * The VM state machine of XAPI and xenopsd: power operations, clones, snapshots, checkpoints,
 * reverts, provisioning from templates, destruction and the settings only a halted VM may change.
 * Every operation is checked as xapi_vm_lifecycle.ml checks it and holds a place in the VM's
 * current_operations while it works.
 */
export class VmOperations {
  readonly #host: FakeHost;
  readonly #storage: StorageOperations;
  #nextDomid = 1;

  constructor(host: FakeHost, storage: StorageOperations) {
    this.#host = host;
    this.#storage = storage;
  }

  // ── Power ─────────────────────────────────────────────────────────────────────────────────────

  start(job: Job, ref: string, startPaused: boolean): Promise<void> {
    return this.#operate(job, ref, 'start', async (vm) => {
      await job.work(this.#host.timing.operationMs, 0.9);
      this.#boot(vm, startPaused ? 'Paused' : 'Running');
    });
  }

  cleanShutdown(job: Job, ref: string): Promise<void> {
    return this.#operate(job, ref, 'clean_shutdown', async (vm) => {
      await this.#askGuest(job, ref);
      await job.work(this.#host.timing.operationMs, 0.9);
      this.#halt(vm);
    });
  }

  hardShutdown(job: Job, ref: string): Promise<void> {
    return this.#operate(job, ref, 'hard_shutdown', async (vm) => {
      await this.#cancelOperations(ref, job, CANCELLED_BY_HARD_SHUTDOWN);
      await job.work(this.#host.timing.operationMs / 2, 0.9);
      // A suspended VM has no domain; shutting it down discards its memory image.
      if (vm.power_state === 'Suspended') await this.#discardSuspendImage(job, vm);
      this.#halt(vm);
    });
  }

  cleanReboot(job: Job, ref: string): Promise<void> {
    return this.#operate(job, ref, 'clean_reboot', async (vm) => {
      await this.#askGuest(job, ref);
      await job.work(this.#host.timing.operationMs, 0.9);
      this.#boot(vm, 'Running');
    });
  }

  hardReboot(job: Job, ref: string): Promise<void> {
    return this.#operate(job, ref, 'hard_reboot', async (vm) => {
      await this.#cancelOperations(ref, job, CANCELLED_BY_HARD_REBOOT);
      await job.work(this.#host.timing.operationMs, 0.9);
      this.#boot(vm, 'Running');
    });
  }

  suspend(job: Job, ref: string): Promise<void> {
    return this.#operate(job, ref, 'suspend', async (vm) => {
      await job.work(this.#host.timing.operationMs, 0.9);
      vm.suspend_VDI = this.#storage.createVdi(this.#suspendSr(), {
        name_label: 'Suspend image',
        type: 'suspend',
        virtual_size: vm.memory_static_max,
      });
      vm.power_state = 'Suspended';
      vm.domid = -1;
      vm.resident_on = NULL_REF;
    });
  }

  resume(job: Job, ref: string, startPaused: boolean): Promise<void> {
    return this.#operate(job, ref, 'resume', async (vm) => {
      await job.work(this.#host.timing.operationMs, 0.9);
      await this.#discardSuspendImage(job, vm);
      this.#boot(vm, startPaused ? 'Paused' : 'Running');
    });
  }

  // ── Copies ────────────────────────────────────────────────────────────────────────────────────

  clone(job: Job, ref: string, newName: string): Promise<string> {
    return this.#operate(job, ref, 'clone', (vm) => this.#copyVm(job, ref, vm, newName, 'clone'));
  }

  copy(job: Job, ref: string, newName: string, sr: string): Promise<string> {
    // An invalid SR reference means "the SRs the disks are on already" (VM.copy documentation).
    const target = this.#host.objects.sr.find(sr) ? sr : undefined;
    return this.#operate(job, ref, 'copy', (vm) => this.#copyVm(job, ref, vm, newName, 'copy', target));
  }

  snapshot(job: Job, ref: string, newName: string, ignoreVdis: string[]): Promise<string> {
    return this.#operate(job, ref, 'snapshot', (vm) => this.#copyVm(job, ref, vm, newName, 'snapshot', undefined, ignoreVdis));
  }

  /** A snapshot with the memory image: a running VM is suspended for the copy and resumed after. */
  checkpoint(job: Job, ref: string, newName: string): Promise<string> {
    return this.#operate(job, ref, 'checkpoint', async (vm) => {
      const snapshot = await this.#copyVm(job, ref, vm, newName, 'snapshot');
      const record = this.#host.objects.vm.get(snapshot);
      record.suspend_VDI = isNull(vm.suspend_VDI)
        ? this.#storage.createVdi(this.#suspendSr(), { name_label: 'Suspend image', type: 'suspend', virtual_size: vm.memory_static_max })
        : this.#storage.copyVdi(vm.suspend_VDI, 'snapshot');
      record.power_state = 'Suspended';
      return snapshot;
    });
  }

  /** VM.revert(snapshot): the VM goes back to the snapshot's settings, disks and power state. */
  revert(job: Job, snapshotRef: string): Promise<void> {
    return this.#operate(job, snapshotRef, 'revert', async (snapshot) => {
      // XAPI would rebuild a VM whose snapshot outlived it; the fake only reverts existing VMs.
      const ref = snapshot.snapshot_of;
      await this.#operate(job, ref, 'reverting', async (vm) => {
        // Destructive and fast: XAPI stops advertising cancel, since stopping half-way breaks the VM.
        job.setCancellable(false);
        if (vm.power_state !== 'Halted') await this.#host.tasks.runSync((shutdown) => this.hardShutdown(shutdown, ref));
        const captured = JSON.parse(snapshot.snapshot_metadata) as VmFields;
        for (const key of Object.keys(captured) as (keyof VmFields)[]) {
          if (!KEPT_ON_REVERT.has(key)) (vm as unknown as Record<string, unknown>)[key] = captured[key];
        }
        job.setProgress(0.1);
        await this.#replaceDisks(job, ref, snapshotRef);
        vm.suspend_VDI = isNull(snapshot.suspend_VDI) ? NULL_REF : this.#storage.copyVdi(snapshot.suspend_VDI, 'clone');
        vm.parent = snapshotRef;
        vm.power_state = snapshot.power_state;
      });
    });
  }

  /** VM.provision: a template's `other_config:disks` becomes VDIs and VBDs, and the template a VM (xapi_templates.ml). */
  provision(job: Job, ref: string): Promise<void> {
    return this.#operate(job, ref, 'provision', async (vm) => {
      vm.is_a_template = false;
      const spec = vm.other_config.disks;
      if (spec === undefined) return;
      const srByUuid = new Map(this.#host.objects.sr.entries().map(([sr, row]) => [row.uuid, sr]));
      const disks = provisionDisks(spec);
      const unknown = disks.find((disk) => !srByUuid.has(disk.sr));
      if (unknown) throw new XapiFailure('UUID_INVALID', 'sr', unknown.sr);
      for (const disk of disks) {
        const vdi = this.#storage.createVdi(srByUuid.get(disk.sr)!, {
          name_label: disk.device,
          name_description: 'Created by template provisioner',
          virtual_size: disk.size,
          type: disk.type === 'system' ? 'system' : 'user',
          sm_config: { vmhint: vm.uuid },
        });
        this.#storage.createVbd({
          VM: ref,
          VDI: vdi,
          userdevice: disk.device,
          bootable: disk.bootable,
          unpluggable: disk.type !== 'system',
          other_config: { owner: '' },
        });
        await job.work(this.#host.timing.operationMs / 2, 0.9);
      }
      delete vm.other_config.disks;
    });
  }

  // ── Settings and removal ──────────────────────────────────────────────────────────────────────

  setVcpusMax(job: Job, ref: string, value: number): Promise<void> {
    return this.#operate(job, ref, 'changing_VCPUs', async (vm) => {
      if (value < 1 || value < vm.VCPUs_at_startup) throw invalidVcpus(value);
      vm.VCPUs_max = value;
    });
  }

  setVcpusAtStartup(job: Job, ref: string, value: number): Promise<void> {
    return this.#operate(job, ref, 'changing_VCPUs', async (vm) => {
      if (value < 1 || value > vm.VCPUs_max) throw invalidVcpus(value);
      vm.VCPUs_at_startup = value;
    });
  }

  setMemoryLimits(job: Job, ref: string, staticMin: number, staticMax: number, dynamicMin: number, dynamicMax: number): Promise<void> {
    return this.#operate(job, ref, 'changing_memory_limits', async (vm) => {
      if (!(staticMin <= dynamicMin && dynamicMin <= dynamicMax && dynamicMax <= staticMax)) {
        throw new XapiFailure('MEMORY_CONSTRAINT_VIOLATION_ORDER');
      }
      Object.assign(vm, {
        memory_static_min: staticMin,
        memory_static_max: staticMax,
        memory_dynamic_min: dynamicMin,
        memory_dynamic_max: dynamicMax,
        memory_target: dynamicMax,
      });
    });
  }

  /** VM.destroy removes the VM and its VBDs; its VDIs stay (and a suspended VM's memory image with them). */
  destroy(job: Job, ref: string): Promise<void> {
    return this.#operate(job, ref, 'destroy', async () => {
      const { objects } = this.#host;
      for (const vbd of objects.vbd.refsWhere((row) => row.VM === ref)) objects.vbd.delete(vbd);
      objects.vm.delete(ref);
      this.#host.guestsIgnoringShutdown.delete(ref);
    });
  }

  // ── Machinery ─────────────────────────────────────────────────────────────────────────────────

  /** Checks the operation as XAPI does and holds its place in current_operations while `body` runs. */
  async #operate<T>(job: Job, ref: string, operation: VmOperation, body: (vm: VmFields) => Promise<T>): Promise<T> {
    const vm = this.#host.objects.vm.get(ref);
    const running = this.#host.objects.currentOperations(ref);
    const refusal = vmOperationError(ref, vm, operation, running);
    if (refusal) throw refusal;
    running.set(job.task, operation);
    try {
      return await body(vm);
    } finally {
      running.delete(job.task);
      if (running.size === 0) this.#host.objects.vmOperations.delete(ref);
    }
  }

  /** Cancels the listed operations running on the VM and waits until they have stopped. */
  async #cancelOperations(ref: string, self: Job, operations: string[]): Promise<void> {
    const stopping = [...this.#host.objects.currentOperations(ref)]
      .filter(([task, operation]) => task !== self.task && operations.includes(operation))
      .map(([task]) => this.#host.tasks.job(task))
      .filter((job): job is Job => job !== undefined);
    for (const job of stopping) job.requestCancel();
    await Promise.all(stopping.map((job) => job.finished));
  }

  /** The guest must acknowledge a shutdown or reboot request; one that ignores it fails the call after the ack timeout. */
  async #askGuest(job: Job, ref: string): Promise<void> {
    if (!this.#host.guestsIgnoringShutdown.has(ref)) return;
    await job.work(this.#host.timing.shutdownAckTimeoutMs);
    throw new XapiFailure('VM_FAILED_SHUTDOWN_ACKNOWLEDGMENT', ref);
  }

  #boot(vm: VmFields, state: 'Running' | 'Paused'): void {
    vm.power_state = state;
    vm.domid = this.#nextDomid++;
    vm.resident_on = this.#host.hostRef();
  }

  #halt(vm: VmFields): void {
    vm.power_state = 'Halted';
    vm.domid = -1;
    vm.resident_on = NULL_REF;
  }

  async #discardSuspendImage(job: Job, vm: VmFields): Promise<void> {
    if (!isNull(vm.suspend_VDI)) await this.#storage.destroyVdi(job, vm.suspend_VDI);
    vm.suspend_VDI = NULL_REF;
  }

  #suspendSr(): string {
    const [[, pool]] = this.#host.objects.pool.entries();
    return isNull(pool.suspend_image_SR) ? pool.default_SR : pool.suspend_image_SR;
  }

  /** Xapi_vm_clone.clone: copies the record and the disks (CDs keep their ISO), as a new VM or a snapshot. */
  async #copyVm(job: Job, ref: string, vm: VmFields, newName: string, kind: DiskCopy, sr?: string, ignoreVdis: string[] = []): Promise<string> {
    const { objects, timing } = this.#host;
    const snapshot = kind === 'snapshot';
    await job.work(timing.operationMs / 2, 0.5);
    let otherConfig = { ...vm.other_config };
    if (!snapshot) otherConfig.mac_seed = randomUUID();
    delete otherConfig.default_template;
    delete otherConfig.xensource_internal;
    if (vm.is_a_template && otherConfig.base_template_name === undefined) otherConfig = { base_template_name: vm.name_label, ...otherConfig };
    const { uuid: _uuid, ...fields } = structuredClone(vm);
    const copy = objects.vm.create({
      ...fields,
      name_label: newName,
      is_a_template: snapshot || vm.is_a_template,
      is_default_template: false,
      is_a_snapshot: snapshot,
      snapshot_of: snapshot ? ref : NULL_REF,
      snapshot_time: snapshot ? xapiNow() : EPOCH,
      snapshot_info: snapshot ? { 'disk-snapshot-type': 'crash_consistent', 'power-state-at-snapshot': vm.power_state } : {},
      snapshot_metadata: snapshot ? JSON.stringify(vm) : '',
      power_state: 'Halted',
      suspend_VDI: NULL_REF,
      resident_on: NULL_REF,
      domid: -1,
      other_config: otherConfig,
      parent: snapshot ? vm.parent : NULL_REF,
      ha_always_run: false,
      generation_id: snapshot ? vm.generation_id : randomUUID(),
    });
    for (const [, vbd] of objects.vbd.entries().filter(([, row]) => row.VM === ref)) {
      const disk = vbd.type === 'Disk' && !isNull(vbd.VDI);
      if (disk && snapshot && ignoreVdis.includes(vbd.VDI)) continue;
      const { uuid: _vbdUuid, ...vbdFields } = structuredClone(vbd);
      this.#storage.createVbd({
        ...vbdFields,
        VM: copy,
        VDI: disk ? this.#storage.copyVdi(vbd.VDI, kind, sr) : vbd.VDI,
        // The copy owns its copied disks, whoever owned the originals (CA-58405).
        other_config: disk ? { owner: '', ...vbdFields.other_config } : vbdFields.other_config,
      });
    }
    if (snapshot) vm.parent = copy;
    await job.work(timing.operationMs / 2, 0.9);
    return copy;
  }

  /** Revert throws away the VM's own disks and attaches copies of the snapshot's in their place. */
  async #replaceDisks(job: Job, ref: string, snapshotRef: string): Promise<void> {
    const { objects, timing } = this.#host;
    for (const [vbdRef, vbd] of objects.vbd.entries().filter(([, row]) => row.VM === ref)) {
      const owned = vbd.type === 'Disk' && !isNull(vbd.VDI) && objects.vbd.refsWhere((row) => row.VDI === vbd.VDI).length === 1;
      if (owned) await this.#storage.destroyVdi(job, vbd.VDI);
      objects.vbd.delete(vbdRef);
    }
    for (const [, vbd] of objects.vbd.entries().filter(([, row]) => row.VM === snapshotRef)) {
      const disk = vbd.type === 'Disk' && !isNull(vbd.VDI);
      const { uuid: _uuid, ...fields } = structuredClone(vbd);
      this.#storage.createVbd({ ...fields, VM: ref, VDI: disk ? this.#storage.copyVdi(vbd.VDI, 'clone') : vbd.VDI });
    }
    await job.work(timing.operationMs / 2, 0.9);
  }
}

function isNull(ref: string): boolean {
  return ref === NULL_REF || ref === '';
}

function invalidVcpus(value: number): XapiFailure {
  return new XapiFailure('INVALID_VALUE', 'VCPU values must satisfy: 0 < VCPUs_at_startup ≤ VCPUs_max', String(value));
}

interface ProvisionDisk {
  device: string;
  size: number;
  sr: string;
  bootable: boolean;
  type: string;
}

/** `<provision><disk device="0" size="…" sr="<uuid>" bootable="true" type="system"/></provision>`, as xapi_templates.ml reads it. */
function provisionDisks(xml: string): ProvisionDisk[] {
  return [...xml.matchAll(/<disk\b([^>]*?)\/?>/g)].map(([, attributeText]) => {
    const attributes = Object.fromEntries([...attributeText.matchAll(/([\w-]+)="([^"]*)"/g)].map(([, name, value]) => [name, value]));
    for (const required of ['device', 'size', 'sr', 'bootable', 'type']) {
      if (attributes[required] === undefined) throw new XapiFailure('INTERNAL_ERROR', `provision disk lacks ${required}: ${attributeText}`);
    }
    const { device, size, sr, bootable, type } = attributes;
    return { device, size: Number(size), sr, bootable: bootable === 'true', type };
  });
}
