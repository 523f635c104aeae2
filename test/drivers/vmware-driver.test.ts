import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Conflict, Fatal, NotFound, Transient, Unsupported, type DriverError, type VmSpec } from '../../drivers/driver.js';
import { monotonicProgress } from '../../drivers/progress.js';
import { toDriverError } from '../../drivers/vmware/fault-mapping.js';
import { moRef } from '../../drivers/vmware/vim/managed-object.js';
import { retrieveObject } from '../../drivers/vmware/vim/property-collector.js';
import { waitForTask } from '../../drivers/vmware/vim/task-waiter.js';
import { VimClient } from '../../drivers/vmware/vim/vim-client.js';
import { child, childText, children, xsiType } from '../../drivers/vmware/vim/xml-reader.js';
import { el } from '../../drivers/vmware/vim/xml-writer.js';
import { VmwareDriver, type VmwareDriverOptions } from '../../drivers/vmware/vmware-driver.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { startVcsim, type Vcsim } from '../support/vcsim-server.js';
import { describeDriverConformance } from './conformance.js';

// vcsim's VPX model: one datacenter with a cluster and a standalone host, one datastore, a
// standard port group and a distributed one.
const PLACEMENT = { datacenter: 'DC0', cluster: 'DC0_C0', datastore: 'LocalDS_0', network: 'DC0_DVPG0' };

function driverOptions(vcsim: Vcsim, overrides: Partial<VmwareDriverOptions> = {}): VmwareDriverOptions {
  return { url: vcsim.url, username: vcsim.username, password: vcsim.password, insecure: true, pollIntervalMs: 50, ...PLACEMENT, ...overrides };
}

describeDriverConformance('vmware on vcsim', async () => {
  const vcsim = await startVcsim();
  const driver = new VmwareDriver(driverOptions(vcsim));
  return {
    driver,
    hooks: {
      hungGuest: (ref) => vcsim.hangGuest(ref),
      unreachable: (on) => (on ? vcsim.cut() : vcsim.restore()),
    },
    async teardown() {
      await driver.close();
      await vcsim.stop();
    },
  };
});

describe('VmwareDriver on vcsim', () => {
  let vcsim: Vcsim;
  let driver: VmwareDriver;
  /** A second session on the same vCenter, as an operator's would be. */
  let operator: VimClient;
  const prefix = `vmware-${randomUUID().slice(0, 8)}`;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    vcsim = await startVcsim();
    driver = new VmwareDriver(driverOptions(vcsim));
    operator = new VimClient({ url: vcsim.url, username: vcsim.username, password: vcsim.password, insecure: true });
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(async () => {
    await operator?.close();
    await driver?.close();
    await vcsim?.stop();
  });

  const spec = (label: string, overrides: Partial<VmSpec> = {}): VmSpec => ({
    name: `${prefix}-${label}`,
    vcpus: 2,
    memoryMiB: 128,
    diskGiB: 2,
    labels: { test: label },
    ...overrides,
  });

  async function createVm(label: string, overrides: Partial<VmSpec> = {}, on: VmwareDriver = driver) {
    const vm = await on.create(spec(label, overrides));
    cleanups.push(() => driver.destroy(vm.ref));
    return vm;
  }

  function otherDriver(overrides: Partial<VmwareDriverOptions>): VmwareDriver {
    const other = new VmwareDriver(driverOptions(vcsim, overrides));
    cleanups.push(() => other.close());
    return other;
  }

  describe('vSphere tasks', () => {
    it('reports a running task’s progress as it goes, never backwards, and 1 at success', async () => {
      const vm = await createVm('progress');
      const task = moRef('Task', await vcsim.createTask(vm.ref));
      const upstream: number[] = [];
      const reported: number[] = [];
      const report = monotonicProgress((fraction) => reported.push(fraction));
      const waiting = waitForTask(operator, task, (fraction) => (upstream.push(fraction), report(fraction)), { pollIntervalMs: 20, timeoutMs: 60_000 });

      await vcsim.setTaskState(task.value, 'running');
      await vcsim.setTaskProgress(task.value, 40);
      await eventually(() => expect(upstream).toContain(0.4));
      // vCenter's progress can jump back (a retried sub-step); the caller must not see it.
      await vcsim.setTaskProgress(task.value, 20);
      await eventually(() => expect(upstream).toContain(0.2));
      await vcsim.setTaskProgress(task.value, 70);
      await eventually(() => expect(upstream).toContain(0.7));
      await vcsim.setTaskState(task.value, 'success');
      await waiting;

      expect(upstream.at(-1)).toBe(1);
      expect(reported).toEqual([0.4, 0.7, 1]);
    });

    it.each([
      { faultName: 'ManagedObjectNotFound', errorClass: NotFound },
      { faultName: 'InvalidPowerState', errorClass: Conflict },
      { faultName: 'InvalidState', errorClass: Conflict },
      { faultName: 'NotSupported', errorClass: Unsupported },
      { faultName: 'HostCommunication', errorClass: Transient },
      { faultName: 'TaskInProgress', errorClass: Transient },
      { faultName: 'InsufficientResourcesFault', errorClass: Fatal },
    ])('turns a task failing with $faultName into $errorClass.name, keeping the fault’s name and words', async ({ faultName, errorClass }) => {
      const vm = await createVm(`fault-${faultName}`);
      const task = await vcsim.createTask(vm.ref);
      const waiting = waitForTask(operator, moRef('Task', task), () => {}, { pollIntervalMs: 20, timeoutMs: 60_000 });
      await vcsim.failTask(task, faultName, 'the hypervisor says no');
      const error = toDriverError(await waiting.catch((caught: unknown) => caught), 'test task');
      expect(error).toBeInstanceOf(errorClass);
      expect(error.message).toBe(`vmware: test task: ${faultName}: the hypervisor says no`);
    });
  });

  describe('sessions and connections', () => {
    async function otherSessions(): Promise<string[]> {
      const { sessionManager } = await operator.serviceContent();
      const content = await retrieveObject(operator, sessionManager, ['sessionList', 'currentSession']);
      const own = childText(content?.properties.get('currentSession'), 'key');
      return children(content!.properties.get('sessionList')!, 'UserSession')
        .map((session) => childText(session, 'key')!)
        .filter((key) => key !== own);
    }

    async function terminateDriverSession(): Promise<string> {
      const [session, ...others] = await otherSessions();
      expect(others, 'only the driver has a session besides the operator').toEqual([]);
      const { sessionManager } = await operator.serviceContent();
      await operator.invoke('TerminateSession', sessionManager, el('sessionId', session));
      return session;
    }

    it('logs in again when its session was terminated, for reads and for tasks alike', async () => {
      const vm = await createVm('relogin');
      const first = await terminateDriverSession();
      expect(await driver.get(vm.ref)).toMatchObject({ ref: vm.ref, powerState: 'stopped' });
      const second = await terminateDriverSession();
      expect(second).not.toBe(first);
      expect(await driver.start(vm.ref)).toMatchObject({ powerState: 'running' });
      expect(await otherSessions()).toEqual([expect.not.stringMatching(second)]);
    });

    it('shares one new login between calls that find the session gone at the same time', async () => {
      const vm = await createVm('relogin-once');
      const terminated = await terminateDriverSession();
      await Promise.all([driver.get(vm.ref), driver.list(), driver.findByName(vm.name), driver.listSnapshots(vm.ref)]);
      const sessions = await otherSessions();
      expect(sessions).toHaveLength(1);
      expect(sessions[0]).not.toBe(terminated);
    });

    it('refuses a wrong password with Fatal, naming the user and the server but not the password', async () => {
      const wrong = otherDriver({ password: 'not-the-password' });
      const error = (await wrong.list().catch((caught: unknown) => caught)) as DriverError;
      expect(error).toBeInstanceOf(Fatal);
      expect(error.message).toContain(`refused the login of ${vcsim.username}`);
      expect(error.message).toContain('InvalidLogin');
      expect(error.message).not.toContain('not-the-password');
    });

    it('says Transient when nothing listens at the URL', async () => {
      const nowhere = otherDriver({ url: `https://127.0.0.1:${await freePort()}/sdk` });
      await expect(nowhere.list()).rejects.toBeInstanceOf(Transient);
      await expect(nowhere.get('vm-1')).rejects.toThrow(/cannot reach https:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    });

    it('refuses a certificate it cannot verify unless told to be insecure', async () => {
      const strict = otherDriver({ insecure: false });
      await expect(strict.list()).rejects.toThrow(/self[- ]signed certificate/);
    });
  });

  describe('placement', () => {
    it('attaches the NIC to a distributed or a standard port group', async () => {
      const distributed = await createVm('dvpg');
      const standard = await createVm('standard-pg', {}, otherDriver({ network: 'VM Network' }));
      const nicBacking = async (ref: string) => {
        const devices = (await retrieveObject(operator, moRef('VirtualMachine', ref), ['config.hardware.device']))!.properties.get('config.hardware.device')!;
        const nics = children(devices).filter((device) => xsiType(device) === 'VirtualVmxnet3');
        expect(nics).toHaveLength(1);
        return child(nics[0], 'backing')!;
      };
      const dvBacking = await nicBacking(distributed.ref);
      expect(xsiType(dvBacking)).toBe('VirtualEthernetCardDistributedVirtualPortBackingInfo');
      expect(childText(child(dvBacking, 'port'), 'portgroupKey')).toMatch(/^dvportgroup-/);
      const standardBacking = await nicBacking(standard.ref);
      expect(xsiType(standardBacking)).toBe('VirtualEthernetCardNetworkBackingInfo');
      expect(childText(standardBacking, 'deviceName')).toBe('VM Network');
    });

    it('refuses a name that is not in the inventory, or a choice left open, naming what there is', async () => {
      await expect(otherDriver({ datastore: 'NoSuchStore' }).create(spec('no-store'))).rejects.toThrow(
        new Fatal('vmware: no datastore named "NoSuchStore" in datacenter DC0 (there: LocalDS_0)'),
      );
      const open = otherDriver({ cluster: undefined });
      await expect(open.create(spec('no-cluster'))).rejects.toThrow(/datacenter DC0 has 2 of cluster or host \(DC0_C0, DC0_H0\); set the "cluster" option/);
      await expect(otherDriver({ datacenter: 'DC9' }).list()).rejects.toThrow(/no datacenter named "DC9" .*\(there: DC0\)/);
      expect(await open.findByName(spec('no-cluster').name)).toBeNull();
    });
  });

  it('keeps labels whatever their characters, and a retried create matches them exactly', async () => {
    const labels = { 'Site-ID': 'blog "prod" <&>', ünïcödé: 'ä ß', empty: '' };
    const vm = await createVm('labels', { labels });
    expect((await driver.get(vm.ref))?.labels).toEqual(labels);
    expect((await driver.create(spec('labels', { labels }))).ref).toBe(vm.ref);
    await expect(driver.create(spec('labels', { labels: { ...labels, 'site-id': 'blog' } }))).rejects.toBeInstanceOf(Conflict);
  });

  it('powers a VM off at once when its guest runs no VMware Tools, instead of waiting out the timeout', async () => {
    const vm = await createVm('no-tools');
    await driver.start(vm.ref);
    await vcsim.stopGuestTools(vm.ref);
    // What vCenter answers then, so the driver meets the real fault.
    await expect(operator.invoke('ShutdownGuest', moRef('VirtualMachine', vm.ref))).rejects.toMatchObject({ faultName: 'ToolsUnavailable' });
    expect((await driver.shutdown(vm.ref, { timeoutMs: 60 * 60_000 })).powerState).toBe('stopped');
  });

  it('reverts to a snapshot of a running VM into a running VM', async () => {
    const vm = await createVm('revert-running');
    await driver.start(vm.ref);
    const snapshot = await driver.createSnapshot(vm.ref, 'while-running');
    await driver.powerOff(vm.ref);
    expect((await driver.revertSnapshot(vm.ref, snapshot.ref)).powerState).toBe('running');
    expect((await driver.get(vm.ref))?.powerState).toBe('running');
  });

  it('refuses to clone onto the name of another VM, or of the source itself', async () => {
    const source = await createVm('clone-src');
    const other = await createVm('clone-other', { vcpus: 1 });
    await expect(driver.clone(source.ref, other.name)).rejects.toBeInstanceOf(Conflict);
    await expect(driver.clone(source.ref, source.name)).rejects.toBeInstanceOf(Conflict);
    expect((await driver.list()).filter((vm) => vm.name.startsWith(`${prefix}-clone`))).toHaveLength(2);
  });
});
