import type { FakeHost } from './fake-host.js';
import { XapiFailure } from './xapi-failure.js';
import { NULL_REF, newVbdFields, newVdiFields, xapiNow, type VbdFields, type VdiFields } from './xapi-records.js';
import type { Job } from './xapi-tasks.js';

/** How a VM operation copies a disk: a clone or snapshot shares blocks with its parent (copy-on-write); a copy is a full disk. */
export type DiskCopy = 'clone' | 'snapshot' | 'copy';

/**
 * Disks (VDIs) and their attachments to VMs (VBDs), as xapi_vdi.ml and the SM backends behave:
 * a VDI attached to a running VM is in use; destroying a VDI destroys its VBDs at once; disks
 * only grow (the VHD backend refuses to shrink).
 */
export class StorageOperations {
  readonly #host: FakeHost;

  constructor(host: FakeHost) {
    this.#host = host;
  }

  createVdi(sr: string, fields: Partial<VdiFields> & { virtual_size: number }): string {
    this.#host.objects.sr.get(sr);
    const ref = this.#host.objects.vdi.create(newVdiFields({ SR: sr, physical_utilisation: 0, ...fields }));
    this.#host.objects.vdi.get(ref).location = this.#host.objects.vdi.get(ref).uuid;
    return ref;
  }

  copyVdi(vdi: string, kind: DiskCopy, sr?: string): string {
    const source = this.#host.objects.vdi.get(vdi);
    const snapshot = kind === 'snapshot';
    return this.createVdi(sr ?? source.SR, {
      ...structuredClone(source),
      is_a_snapshot: snapshot,
      snapshot_of: snapshot ? vdi : NULL_REF,
      snapshot_time: snapshot ? xapiNow() : source.snapshot_time,
      parent: kind === 'copy' ? NULL_REF : vdi,
      physical_utilisation: kind === 'copy' ? source.virtual_size : 0,
    });
  }

  createVbd(fields: Partial<VbdFields> & Pick<VbdFields, 'VM' | 'VDI' | 'userdevice'>): string {
    return this.#host.objects.vbd.create(newVbdFields(fields));
  }

  /** VDI.destroy */
  async destroyVdi(job: Job, vdi: string): Promise<void> {
    this.#requireDetached(vdi, 'destroy');
    await job.work(this.#host.timing.operationMs / 2, 0.9);
    const { objects } = this.#host;
    if (!objects.vdi.find(vdi)) return;
    objects.vdi.delete(vdi);
    for (const vbd of objects.vbd.refsWhere((row) => row.VDI === vdi)) objects.vbd.delete(vbd);
    for (const [, vm] of objects.vm.entries()) if (vm.suspend_VDI === vdi) vm.suspend_VDI = NULL_REF;
  }

  /** VDI.resize */
  async resizeVdi(job: Job, vdi: string, size: number): Promise<void> {
    const record = this.#host.objects.vdi.get(vdi);
    this.#requireDetached(vdi, 'resize');
    // What the VHD backend answers when asked to shrink (SR_BACKEND_FAILURE_79, "VDI Invalid size").
    if (size < record.virtual_size) throw new XapiFailure('SR_BACKEND_FAILURE_79', '', 'VDI Invalid size', '');
    await job.work(this.#host.timing.operationMs / 2, 0.9);
    record.virtual_size = size;
  }

  #requireDetached(vdi: string, operation: string): void {
    const { objects } = this.#host;
    objects.vdi.get(vdi);
    const attached = objects.vbd.entries().some(([, vbd]) => {
      const state = vbd.VDI === vdi ? objects.vm.find(vbd.VM)?.power_state : undefined;
      return state === 'Running' || state === 'Paused';
    });
    if (attached) throw new XapiFailure('VDI_IN_USE', vdi, operation);
  }
}
