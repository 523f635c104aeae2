import { Conflict, NotFound } from '../../../drivers/driver.js';
import { releaseUsage } from '../quota/site-usage.js';
import { applyServiceAddresses } from '../provisioning/apply-service-addresses.js';
import { SnapshotEntity } from '../snapshots/snapshot-entity.js';
import { VmEntity, type VmRole } from '../vms/vm-entity.js';
import { testCopyResources } from '../test-copy/test-copy-resources.js';
import { loadSite, loadVm, progressOf, siteVm, vmDriver, type SiteStepContext, type SiteWorkflow } from './site-vm.js';
import { ensureRunning, ensureStopped, followProductionPower } from './vm-power.js';

export interface TestCopyInput {
  testVmId: string;
}

export interface CloneInput extends TestCopyInput {
  /** A snapshot of production to copy instead of production as it is now. */
  snapshotId?: string | null;
}

/** The hypervisor's name of the snapshot that keeps production as it was while it is reverted for the copy. */
const holdName = (context: SiteStepContext<CloneInput>) => `hold-${context.taskId.slice(0, 8)}`;

/** Production back as it was before the copy, and the snapshot that held it gone. */
async function returnProduction(context: SiteStepContext<CloneInput>) {
  const hold = context.output.holdRef as string | undefined;
  if (!hold) return;
  const production = await siteVm(context);
  const driver = await vmDriver(context);
  const kept = (await driver.listSnapshots(production.ref)).some((snapshot) => snapshot.ref === hold);
  if (!kept) return;
  await driver.revertSnapshot(production.ref, hold, progressOf(context));
  await driver.deleteSnapshot(production.ref, hold, progressOf(context));
}

const testVm = (context: SiteStepContext<TestCopyInput>) => context.em.findOneOrFail(VmEntity, { id: context.input.testVmId });

/**
 * A test VM cloned from production on production's host. Hypervisors clone a stopped VM only (a
 * running disk changes under the copy), so production is shut down cleanly for the copy and started
 * again right after: the test copy is production as it was at that moment. Given a snapshot, the
 * copy is of the snapshot: production is held in a snapshot of its own, reverted to the chosen one
 * (and powered off, should that one have been taken running), copied, and given back as it was.
 */
export const cloneToTestWorkflow: SiteWorkflow<CloneInput> = {
  kind: 'cloneToTest',
  steps: [
    {
      name: 'place-test',
      async run(context) {
        const site = await loadSite(context);
        const [production, test] = [await loadVm(context), await testVm(context)];
        const flavor = context.deps.flavors[site.flavor];
        if (!flavor) throw new Conflict(`flavor ${site.flavor} is no longer configured`);
        const placement = await context.deps.inventory.placeVm({ vmId: test.id, siteId: site.id, vmName: test.name, ...flavor, driver: flavor.driver ?? null, nextToVmId: production.id });
        await context.log(`placed ${test.name} on ${placement.host.name}, next to ${production.name}`);
      },
      async undo(context) {
        await context.deps.inventory.releaseVm(context.input.testVmId);
      },
    },
    {
      name: 'add-test-addresses',
      async run(context) {
        await context.deps.serviceAddresses.addTest({ siteId: context.subjectId, testVmId: context.input.testVmId });
      },
      async undo(context) {
        await context.deps.serviceAddresses.removeTest({ siteId: context.subjectId, testVmId: context.input.testVmId });
      },
    },
    {
      name: 'stop-production',
      async run(context) {
        // Recorded before the stop: a retried step finds production stopped, and must still start it again.
        if (context.output.productionWasRunning === undefined) await context.record('productionWasRunning', (await siteVm(context)).powerState !== 'stopped');
        await ensureStopped(context);
      },
      async undo(context) {
        if (context.output.productionWasRunning) await ensureRunning(context);
      },
    },
    {
      name: 'revert-to-snapshot',
      async run(context) {
        if (!context.input.snapshotId) return;
        const chosen = await context.em.findOne(SnapshotEntity, { id: context.input.snapshotId });
        if (!chosen?.ref) throw new NotFound(`snapshot ${context.input.snapshotId} is gone`);
        const production = await siteVm(context);
        const driver = await vmDriver(context);
        const hold = await driver.createSnapshot(production.ref, holdName(context), progressOf(context));
        await context.record('holdRef', hold.ref);
        const reverted = await driver.revertSnapshot(production.ref, chosen.ref, progressOf(context));
        if (reverted.powerState !== 'stopped') await driver.powerOff(production.ref, progressOf(context));
      },
      undo: returnProduction,
    },
    {
      name: 'clone-vm',
      async run(context) {
        const [production, test] = [await loadVm(context), await testVm(context)];
        // The copy boots as itself, not as production: the host name and pre-generated host keys
        // ipreg gave the test VM (add-test-addresses), whose SSHFP records are already published.
        const seed = await context.deps.provisioning.guestSeeds.seedOf({ siteId: context.subjectId, vmId: test.id, vmName: test.name });
        const clone = await (await vmDriver(context, production)).clone(production.ref!, test.name, { ...progressOf(context), seed });
        test.ref = clone.ref;
        await context.em.flush();
      },
      async undo(context) {
        const test = await testVm(context);
        const driver = await vmDriver(context, test);
        const ref = test.ref ?? (await driver.findByName(test.name))?.ref;
        if (ref) await driver.destroy(ref, progressOf(context));
        test.ref = null;
        await context.em.flush();
      },
    },
    {
      name: 'return-production',
      run: returnProduction,
    },
    {
      name: 'start-production',
      async run(context) {
        if (context.output.productionWasRunning) await ensureRunning(context);
      },
    },
    {
      name: 'start-test',
      async run(context) {
        await ensureRunning(context, await testVm(context));
      },
    },
    {
      // The copy's disk lists production's service addresses for production's host name, which the
      // copy does not have (it booted with its own), so it took none: it gets the test copy's.
      name: 'test-service-addresses',
      async run(context) {
        await applyServiceAddresses(context, await testVm(context));
      },
    },
  ],
  async settle(context, outcome) {
    if (outcome === 'SUCCEEDED') return;
    const site = await loadSite(context);
    await context.em.transactional(async (em) => {
      const removed = await em.nativeDelete(VmEntity, { id: context.input.testVmId, role: 'TEST' });
      if (removed) await releaseUsage(em, site.owner, testCopyResources(context.deps.flavors, site.flavor));
    });
  },
};

export interface SwitchInput {
  /** Production before the switch: it becomes the test copy. */
  productionVmId: string;
  /** The test copy before the switch: it becomes production. */
  testVmId: string;
}

/** Gives each VM its role; the whole assignment is stated, so a retried step changes nothing more. */
async function assignRoles(context: SiteStepContext<SwitchInput>, roles: Record<string, VmRole>) {
  await context.em.transactional(async (em) => {
    const rows = await em.find(VmEntity, { id: { $in: Object.keys(roles) } });
    if (rows.every((row) => row.role === roles[row.id])) return;
    // (site, role) is unique: the pair is written again rather than updated one row at a time.
    await em.nativeDelete(VmEntity, { id: { $in: rows.map((row) => row.id) } });
    await em.insertMany(VmEntity, rows.map(({ id, siteId, name, ref, createdAt }) => ({ id, siteId, name, ref, createdAt, role: roles[id]! })));
  });
  context.em.clear();
}

const movedKey = (vmId: string) => `addressesMoved:${vmId}`;

/**
 * Each VM carries the service addresses ipreg gives it now: the one leaving production first, so
 * the two never carry the production addresses at once (a failure there stops the move). Each VM
 * done is recorded, for the undo.
 */
async function moveServiceAddresses(context: SiteStepContext<SwitchInput>) {
  for (const id of [context.input.productionVmId, context.input.testVmId]) {
    await applyServiceAddresses(context, await context.em.findOneOrFail(VmEntity, { id }));
    await context.record(movedKey(id), true);
  }
}

/**
 * After ipreg is given its names back: both VMs carry what it gives them again, the one that took
 * the production addresses first. Both are tried whatever becomes of the first, so production gets
 * its addresses back in any case; a VM that cannot be reached fails the undo only if it was moved.
 */
async function moveServiceAddressesBack(context: SiteStepContext<SwitchInput>) {
  let failure: unknown = null;
  for (const id of [context.input.testVmId, context.input.productionVmId]) {
    try {
      await applyServiceAddresses(context, await context.em.findOneOrFail(VmEntity, { id }));
    } catch (error) {
      if (context.output[movedKey(id)]) failure ??= error;
      else await context.log(`could not check the service addresses of VM ${id}, which this task had not changed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failure) throw failure;
}

/** The test copy becomes production (answering on the production name and addresses) and production the test copy. */
export const switchServicesWorkflow: SiteWorkflow<SwitchInput> = {
  kind: 'switchServices',
  steps: [
    {
      name: 'swap-service-addresses',
      async run(context) {
        await context.deps.serviceAddresses.assign({ siteId: context.subjectId, productionVmId: context.input.testVmId, testVmId: context.input.productionVmId });
      },
      async undo(context) {
        await context.deps.serviceAddresses.assign({ siteId: context.subjectId, productionVmId: context.input.productionVmId, testVmId: context.input.testVmId });
        // The VMs go back to the addresses ipreg gives them again, should the next step have begun to move them.
        if (context.output.movingAddresses) await moveServiceAddressesBack(context);
      },
    },
    {
      name: 'move-service-addresses',
      async run(context) {
        // Recorded first: a failure half-way leaves one VM changed, and the undo above puts it back.
        await context.record('movingAddresses', true);
        await moveServiceAddresses(context);
      },
    },
    {
      name: 'swap-roles',
      async run(context) {
        await assignRoles(context, { [context.input.testVmId]: 'PRODUCTION', [context.input.productionVmId]: 'TEST' });
      },
      async undo(context) {
        await assignRoles(context, { [context.input.productionVmId]: 'PRODUCTION', [context.input.testVmId]: 'TEST' });
      },
    },
  ],
  async settle(context, outcome) {
    if (outcome === 'SUCCEEDED') await followProductionPower(context, await loadSite(context));
  },
};

/** Destroys the test VM with its disks and snapshots, gives its host the room back, and forgets it. */
export const removeTestWorkflow: SiteWorkflow<TestCopyInput> = {
  kind: 'removeTest',
  steps: [
    {
      name: 'destroy-test',
      async run(context) {
        const test = await context.em.findOne(VmEntity, { id: context.input.testVmId });
        const driver = test && (await context.deps.drivers.forVm(test.id));
        if (!test || !driver) return;
        const ref = test.ref ?? (await driver.findByName(test.name))?.ref;
        if (ref) await driver.destroy(ref, progressOf(context));
      },
    },
    {
      name: 'remove-test-addresses',
      async run(context) {
        await context.deps.serviceAddresses.removeTest({ siteId: context.subjectId, testVmId: context.input.testVmId });
      },
    },
    {
      name: 'release-test-placement',
      async run(context) {
        await context.deps.inventory.releaseVm(context.input.testVmId);
      },
    },
    {
      name: 'forget-test',
      async run(context) {
        const site = await loadSite(context);
        await context.em.transactional(async (em) => {
          const manual = await em.count(SnapshotEntity, { vmId: context.input.testVmId, kind: 'MANUAL' });
          await em.nativeDelete(SnapshotEntity, { vmId: context.input.testVmId });
          const removed = await em.nativeDelete(VmEntity, { id: context.input.testVmId, role: 'TEST' });
          await releaseUsage(em, site.owner, { snapshots: manual, ...(removed ? testCopyResources(context.deps.flavors, site.flavor) : {}) });
        });
      },
    },
  ],
};
