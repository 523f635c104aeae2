import { Fatal, type VmSpec } from '../driver.js';

/** What `create` and `clone` compare to decide whether an existing VM is the one they would make. */
type Hardware = Pick<VmSpec, 'vcpus' | 'memoryMiB' | 'diskGiB' | 'labels'>;

export function requireValidSpec(spec: VmSpec): void {
  const problems: string[] = [];
  if (typeof spec.name !== 'string' || spec.name.trim() === '') problems.push('name is empty');
  for (const field of ['vcpus', 'memoryMiB', 'diskGiB'] as const) {
    if (!Number.isSafeInteger(spec[field]) || spec[field] <= 0) problems.push(`${field} must be a positive integer, got ${spec[field]}`);
  }
  if (problems.length) throw new Fatal(`xen: invalid VM spec: ${problems.join('; ')}`);
}

export function hasSpec(vm: Hardware, spec: Hardware): boolean {
  const labels = Object.entries(vm.labels ?? {});
  const wanted = spec.labels ?? {};
  return (
    vm.vcpus === spec.vcpus &&
    vm.memoryMiB === spec.memoryMiB &&
    vm.diskGiB === spec.diskGiB &&
    labels.length === Object.keys(wanted).length &&
    labels.every(([key, value]) => Object.hasOwn(wanted, key) && wanted[key] === value)
  );
}
