import type { EntityManager } from '@mikro-orm/core';
import { NotFound } from '../../../drivers/driver.js';
import { releaseUsage } from '../quota/site-usage.js';
import { SnapshotEntity, type Snapshot } from '../snapshots/snapshot-entity.js';
import { SiteEntity } from '../sites/site-entity.js';
import { VmEntity } from '../vms/vm-entity.js';
import { ensureStopped, followProductionPower } from './vm-power.js';
import { loadSite, progressOf, vmDriver, vmOf, type SiteStepContext, type SiteWorkflow } from './site-vm.js';

export interface SnapshotInput {
  snapshotId: string;
}

/** What the scheduler asks of a nightly snapshot: how many nightly ones to keep, and for how long. */
export interface NightlySnapshotInput extends SnapshotInput {
  keep: number;
  maxAgeDays: number;
}

const loadSnapshot = (context: SiteStepContext<SnapshotInput>) => context.em.findOne(SnapshotEntity, { id: context.input.snapshotId });

async function snapshotVm(context: SiteStepContext<any>, snapshot: Snapshot) {
  const row = await context.em.findOneOrFail(VmEntity, { id: snapshot.vmId });
  return { row, vm: await vmOf(context, row), driver: await vmDriver(context, row) };
}

/** Forgets a snapshot; a manual one gives its place in the owner's quota back. */
async function forgetSnapshot(em: EntityManager, snapshot: Snapshot) {
  await em.transactional(async (tx) => {
    const removed = await tx.nativeDelete(SnapshotEntity, { id: snapshot.id });
    const site = await tx.findOne(SiteEntity, { id: snapshot.siteId });
    if (removed && site && snapshot.kind === 'MANUAL') await releaseUsage(tx, site.owner, { snapshots: 1 });
  });
}

/** Deletes it on the hypervisor; one already gone there counts as deleted. */
async function deleteOnHypervisor(context: SiteStepContext<any>, snapshot: Snapshot) {
  if (!snapshot.ref) return;
  const { vm, driver } = await snapshotVm(context, snapshot);
  try {
    await driver.deleteSnapshot(vm.ref, snapshot.ref, progressOf(context));
  } catch (error) {
    if (!(error instanceof NotFound)) throw error;
  }
}

const takeSnapshotStep = {
  name: 'take-snapshot',
  async run(context: SiteStepContext<SnapshotInput>) {
    const snapshot = await loadSnapshot(context);
    if (!snapshot) throw new NotFound(`snapshot ${context.input.snapshotId} is gone`);
    const { vm, driver } = await snapshotVm(context, snapshot);
    // A retried step finds the snapshot it took: names are unique per VM.
    const taken = await driver.createSnapshot(vm.ref, snapshot.name, progressOf(context));
    snapshot.ref = taken.ref;
    snapshot.state = 'READY';
    snapshot.createdAt = context.deps.clock();
    await context.em.flush();
  },
  async undo(context: SiteStepContext<SnapshotInput>) {
    const snapshot = await loadSnapshot(context);
    if (!snapshot) return;
    const { vm, driver } = await snapshotVm(context, snapshot);
    const taken = snapshot.ref ?? (await driver.listSnapshots(vm.ref)).find((found) => found.name === snapshot.name)?.ref;
    if (taken) await deleteOnHypervisor(context, { ...snapshot, ref: taken });
  },
};

/** A snapshot that was not taken leaves no row and no quota behind. */
async function forgetUntaken(context: SiteStepContext<SnapshotInput>, outcome: string) {
  if (outcome === 'SUCCEEDED') return;
  const snapshot = await loadSnapshot(context);
  if (snapshot) await forgetSnapshot(context.em, snapshot);
}

export const createSnapshotWorkflow: SiteWorkflow<SnapshotInput> = {
  kind: 'createSnapshot',
  steps: [takeSnapshotStep],
  settle: forgetUntaken,
};

/** Tonight's snapshot, then the nightly ones beyond the retention (count or age) are deleted, oldest first. */
export const nightlySnapshotWorkflow: SiteWorkflow<NightlySnapshotInput> = {
  kind: 'nightlySnapshot',
  steps: [
    takeSnapshotStep,
    {
      name: 'prune-nightly',
      async run(context) {
        const tonight = await loadSnapshot(context);
        if (!tonight) return;
        const nightly = await context.em.find(SnapshotEntity, { vmId: tonight.vmId, kind: 'NIGHTLY', state: 'READY' }, { orderBy: { createdAt: 'desc' } });
        const oldest = context.deps.clock().getTime() - context.input.maxAgeDays * 86_400_000;
        const expired = nightly.filter((snapshot, index) => index >= context.input.keep || snapshot.createdAt.getTime() < oldest);
        for (const snapshot of expired) {
          await deleteOnHypervisor(context, snapshot);
          await forgetSnapshot(context.em, snapshot);
          await context.log(`deleted nightly snapshot ${snapshot.name}`);
        }
      },
    },
  ],
  settle: forgetUntaken,
};

export const deleteSnapshotWorkflow: SiteWorkflow<SnapshotInput> = {
  kind: 'deleteSnapshot',
  steps: [
    {
      name: 'delete-snapshot',
      async run(context) {
        const snapshot = await loadSnapshot(context);
        if (!snapshot) return;
        await deleteOnHypervisor(context, snapshot);
        await forgetSnapshot(context.em, snapshot);
      },
    },
  ],
  async settle(context, outcome) {
    // Still on the hypervisor: it can be restored or deleted again.
    if (outcome !== 'SUCCEEDED') await context.em.nativeUpdate(SnapshotEntity, { id: context.input.snapshotId, state: 'DELETING' }, { state: 'READY' });
  },
};

/**
 * The VM goes back to the snapshot, power state included. A site that is disabled, quarantined or
 * suspended stays switched off whatever the snapshot's power state was; a running or stopped one
 * takes the power state the snapshot restored.
 */
export const restoreSnapshotWorkflow: SiteWorkflow<SnapshotInput> = {
  kind: 'restoreSnapshot',
  steps: [
    {
      name: 'revert-vm',
      async run(context) {
        const snapshot = await loadSnapshot(context);
        if (!snapshot?.ref) throw new NotFound(`snapshot ${context.input.snapshotId} is gone`);
        const { vm, driver } = await snapshotVm(context, snapshot);
        await driver.revertSnapshot(vm.ref, snapshot.ref, progressOf(context));
      },
    },
    {
      name: 'keep-switched-off',
      async run(context) {
        const site = await loadSite(context);
        const snapshot = await loadSnapshot(context);
        const row = snapshot && (await context.em.findOne(VmEntity, { id: snapshot.vmId }));
        if (row?.role === 'PRODUCTION' && (site.state === 'DISABLED' || site.state === 'QUARANTINED')) await ensureStopped(context, { force: true, row });
      },
    },
  ],
  async settle(context) {
    await followProductionPower(context, await loadSite(context));
  },
};
