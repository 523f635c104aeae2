import { labelsMetadataXml, xmlAttribute } from './hostgraph-metadata.js';

/** Where a guest's network interface is plugged in on the host. */
export type KvmNetwork =
  /** QEMU's user-mode networking: outbound only, needs nothing on the host. */
  | { type: 'user' }
  /** A libvirt virtual network (`virsh net-list`). */
  | { type: 'network'; name: string }
  /** A Linux bridge on the host, e.g. one on the hosting VLAN. */
  | { type: 'bridge'; name: string };

export interface DomainDefinition {
  uuid: string;
  name: string;
  /** `kvm` with hardware virtualisation, `qemu` for TCG emulation. */
  domainType: 'kvm' | 'qemu';
  /** The guest CPU; absent, QEMU's baseline model (works everywhere, lacks newer features). */
  cpuMode?: 'host-model' | 'host-passthrough';
  vcpus: number;
  memoryMiB: number;
  /** The qcow2 overlay holding the guest's disk. */
  diskPath: string;
  /** The cloud-init NoCloud ISO, attached as a cdrom. */
  seedPath: string;
  mac: string;
  network: KvmNetwork;
  labels: Record<string, string>;
}

/** The disk's target: the first virtio disk, which is also where its file name on the host comes from. */
export const SYSTEM_DISK_TARGET = 'vda';

/**
 * The libvirt domain XML for a new Hostgraph VM: one virtio disk, the seed cdrom, one virtio NIC,
 * a serial console instead of graphics, ACPI so the guest hears `virsh shutdown`.
 */
export function writeDomainXml(domain: DomainDefinition): string {
  const cpu = domain.cpuMode ? `\n  <cpu mode='${domain.cpuMode}'/>` : '';
  return `<domain type='${domain.domainType}'>
  <name>${xmlAttribute(domain.name)}</name>
  <uuid>${domain.uuid}</uuid>
  <metadata>${labelsMetadataXml(domain.labels)}</metadata>
  <memory unit='MiB'>${domain.memoryMiB}</memory>
  <vcpu>${domain.vcpus}</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features><acpi/><apic/></features>${cpu}
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' discard='unmap'/>
      <source file='${xmlAttribute(domain.diskPath)}'/>
      <target dev='${SYSTEM_DISK_TARGET}' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='${xmlAttribute(domain.seedPath)}'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    ${interfaceXml(domain.network, domain.mac)}
    <serial type='pty'/>
    <console type='pty'/>
    <memballoon model='virtio'/>
  </devices>
</domain>
`;
}

function interfaceXml(network: KvmNetwork, mac: string): string {
  const source =
    network.type === 'network'
      ? `<source network='${xmlAttribute(network.name)}'/>`
      : network.type === 'bridge'
        ? `<source bridge='${xmlAttribute(network.name)}'/>`
        : '';
  return `<interface type='${network.type}'><mac address='${mac}'/>${source}<model type='virtio'/></interface>`;
}
