import { posix } from 'node:path';
import { Fatal } from '../driver.js';
import type { SeedDocuments } from './cloud-init/seed-documents.js';
import type { SshConnection } from './ssh-connection.js';

/**
 * The VM files in the storage directory on the hypervisor host: qcow2 overlays on the base image
 * and cloud-init seed ISOs, named after their VM. Everything is made with umask 077 — disks hold
 * customer data and seeds hold private host keys; libvirt hands them to QEMU's user when the VM
 * starts. Only files inside the directory are ever deleted, and never the base image.
 */
export class HostStorage {
  constructor(
    private readonly ssh: SshConnection,
    readonly directory: string,
    readonly baseImage: string,
    private readonly commandTimeoutMs: number,
  ) {}

  diskPath(vmName: string, target: string): string {
    return posix.join(this.directory, `${vmName}-${target}.qcow2`);
  }

  seedPath(vmName: string): string {
    return posix.join(this.directory, `${vmName}-seed.iso`);
  }

  /** Whether `path` is a file this driver made and may delete. */
  owns(path: string): boolean {
    return posix.dirname(path) === this.directory && path !== this.baseImage;
  }

  /** A new copy-on-write disk of `sizeGiB` over the base image. */
  async createOverlay(path: string, sizeGiB: number): Promise<void> {
    await this.#run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', this.baseImage, '-F', 'qcow2', path, `${sizeGiB}G`]);
  }

  /**
   * Copies a stopped VM's disk: only its current state (internal snapshots stay behind). A disk
   * over the base image stays an overlay of it; any other disk is copied whole.
   */
  async copyDisk(source: string, target: string): Promise<void> {
    const info = JSON.parse(await this.#run(['qemu-img', 'info', '--output=json', source])) as { 'full-backing-filename'?: string };
    const overBase = info['full-backing-filename'] === this.baseImage ? ['-B', this.baseImage, '-F', 'qcow2'] : [];
    await this.#run(['qemu-img', 'convert', '-O', 'qcow2', ...overBase, source, target]);
  }

  /** A NoCloud seed ISO: volume id `cidata` with `user-data` and `meta-data` at its root. */
  async writeSeed(path: string, documents: SeedDocuments): Promise<void> {
    const staging = `${path}.d`;
    await this.#run(['rm', '-rf', '--', staging]);
    await this.#run(['mkdir', '--', staging]);
    try {
      const userData = posix.join(staging, 'user-data');
      const metaData = posix.join(staging, 'meta-data');
      await this.#run(['dd', `of=${userData}`, 'status=none'], documents.userData);
      await this.#run(['dd', `of=${metaData}`, 'status=none'], documents.metaData);
      await this.#run(['genisoimage', '-quiet', '-output', path, '-volid', 'cidata', '-joliet', '-rock', userData, metaData]);
    } finally {
      await this.#run(['rm', '-rf', '--', staging]);
    }
  }

  /** The user-data inside a seed ISO; empty when it has none. */
  readSeedUserData(path: string): Promise<string> {
    return this.#run(['isoinfo', '-R', '-i', path, '-x', '/user-data']);
  }

  async remove(paths: readonly string[]): Promise<void> {
    const removable = paths.filter((path) => this.owns(path));
    if (removable.length) await this.#run(['rm', '-f', '--', ...removable]);
  }

  async #run(argv: readonly string[], stdin?: string): Promise<string> {
    const result = await this.ssh.run(['sh', '-c', 'umask 077 && exec "$@"', 'sh', ...argv], { stdin, timeoutMs: this.commandTimeoutMs });
    const [program] = argv;
    if (result.exitCode === 127) throw new Fatal(`kvm: ${program} is not installed on the host ${this.ssh.address}`);
    if (result.exitCode !== 0) {
      throw new Fatal(`kvm: ${program} failed on ${this.ssh.address}: ${result.stderr.trim() || `exit status ${result.exitCode}`}`);
    }
    return result.stdout;
  }
}
