import type { VmSpec } from '../driver.js';
import { sameLabels } from './labels.js';

type Hardware = Pick<VmSpec, 'vcpus' | 'memoryMiB' | 'diskGiB' | 'labels'>;

/** What makes a retried create or clone "the same VM": hardware and labels. */
export function sameHardware(a: Hardware, b: Hardware): boolean {
  return a.vcpus === b.vcpus && a.memoryMiB === b.memoryMiB && a.diskGiB === b.diskGiB && sameLabels(a.labels, b.labels);
}

export function describeHardware({ vcpus, memoryMiB, diskGiB, labels }: Hardware): string {
  return `${vcpus} vCPU, ${memoryMiB} MiB, ${diskGiB} GiB disk, labels ${JSON.stringify(labels ?? {})}`;
}
