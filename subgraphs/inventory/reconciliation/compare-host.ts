import type { PowerState, Vm } from '../../../drivers/driver.js';
import type { VmBelief } from '../../hosting/vms/vm-power-follow.js';
import type { VmPlacement } from '../placement/placement-entity.js';
import type { DiscrepancyKind } from './discrepancy-entity.js';

export interface Finding {
  kind: DiscrepancyKind;
  vmName: string;
  vmRef: string | null;
  vmId: string | null;
  siteId: string | null;
  expected: string | null;
  observed: string | null;
  message: string;
  /** Drift the site's state should follow: there is no task in progress to settle it. */
  follow: boolean;
}

export interface Observation {
  vmId: string;
  ref: string;
  powerState: PowerState;
}

export interface HostComparison {
  findings: Finding[];
  /** What the host said of the VMs Hostgraph placed on it. */
  observations: Observation[];
}

export interface CompareInput {
  /** What the hypervisor lists. */
  listed: Vm[];
  /** What Hostgraph placed on this host. */
  placements: VmPlacement[];
  /** What hosting believes, by VM id. */
  beliefs: Map<string, VmBelief>;
  /** Host names of placements on other hosts, by VM id, to say where a stray VM belongs. */
  placedElsewhere: Map<string, string>;
}

const isRunning = (state: string | null | undefined) => state === 'running';

/**
 * One host's ground truth against Hostgraph's: VMs the host has that nobody placed there, VMs
 * placed there (and made) that the host does not have, and power states that differ from what
 * the site's state implies. A VM is recognised by the vmId label Hostgraph gives it, else by its
 * ref, else by its name. A placed VM not made yet is not missing.
 */
export function compareHost({ listed, placements, beliefs, placedElsewhere }: CompareInput): HostComparison {
  const byId = new Map(placements.map((placement) => [placement.vmId, placement]));
  const byRef = new Map(placements.filter((placement) => placement.ref).map((placement) => [placement.ref!, placement]));
  const byName = new Map(placements.map((placement) => [placement.vmName, placement]));
  const findings: Finding[] = [];
  const observations: Observation[] = [];
  const seen = new Set<string>();

  for (const vm of listed) {
    const labelled = vm.labels.vmId;
    const placement = (labelled ? byId.get(labelled) : undefined) ?? byRef.get(vm.ref) ?? byName.get(vm.name);
    if (!placement || seen.has(placement.vmId)) {
      const elsewhere = labelled ? placedElsewhere.get(labelled) : undefined;
      findings.push({
        kind: 'UNKNOWN_VM',
        vmName: vm.name,
        vmRef: vm.ref,
        vmId: elsewhere ? labelled! : null,
        siteId: elsewhere ? (vm.labels.siteId ?? null) : null,
        expected: null,
        observed: vm.powerState,
        message: elsewhere
          ? `${vm.name} runs here but Hostgraph placed it on ${elsewhere}`
          : `${vm.name} exists on the host but Hostgraph did not place it here (made outside Hostgraph?)`,
        follow: false,
      });
      continue;
    }
    seen.add(placement.vmId);
    observations.push({ vmId: placement.vmId, ref: vm.ref, powerState: vm.powerState });
    const belief = beliefs.get(placement.vmId);
    const expected = belief?.expectedPowerState ?? null;
    if (expected !== null && isRunning(expected) !== isRunning(vm.powerState)) {
      findings.push({
        kind: 'POWER_STATE_DRIFT',
        vmName: vm.name,
        vmRef: vm.ref,
        vmId: placement.vmId,
        siteId: placement.siteId,
        expected,
        observed: vm.powerState,
        message: `${vm.name} is ${vm.powerState} on the host, but its site is ${belief!.siteState}${belief!.busy ? ' (a task of the site is in progress)' : ''}`,
        follow: !belief!.busy,
      });
    }
  }

  for (const placement of placements) {
    if (seen.has(placement.vmId)) continue;
    const belief = beliefs.get(placement.vmId);
    // Made on the hypervisor once: hosting recorded its ref, or an earlier reconciliation saw it.
    if (!belief?.ref && !placement.ref) continue;
    findings.push({
      kind: 'MISSING_VM',
      vmName: placement.vmName,
      vmRef: belief?.ref ?? placement.ref ?? null,
      vmId: placement.vmId,
      siteId: placement.siteId,
      expected: belief?.expectedPowerState ?? null,
      observed: null,
      message: `${placement.vmName} was made on this host but the host no longer lists it (destroyed outside Hostgraph?); nothing was changed`,
      follow: false,
    });
  }
  return { findings, observations };
}
