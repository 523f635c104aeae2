import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Conflict, Fatal, Transient, type VmSpec } from '../../drivers/driver.js';
import { XapiClient } from '../../drivers/xen/xapi-client.js';
import { CREATING_MARKER, XenDriver, type XenDriverOptions } from '../../drivers/xen/xen-driver.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { FakeXapi } from '../support/xapi/fake-xapi-server.js';
import { CUSTOM_TEMPLATE, DEFAULT_TEMPLATE } from '../support/xapi/seed-pool.js';
import { describeDriverConformance } from './conformance.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** Polls fast so tests do not idle; everything else as in production. */
function xenDriver(xapi: FakeXapi, options: Partial<XenDriverOptions> = {}): XenDriver {
  return new XenDriver({
    url: xapi.url,
    username: xapi.username,
    password: xapi.password,
    template: DEFAULT_TEMPLATE,
    taskPollIntervalMs: 5,
    ...options,
  });
}

describeDriverConformance('xen (fake XAPI)', async () => {
  const xapi = await FakeXapi.start({ operationMs: 20 });
  const driver = xenDriver(xapi);
  return {
    driver,
    hooks: {
      hungGuest: async (ref) => xapi.setGuestIgnoresShutdown(ref),
      unreachable: (on) => xapi.setReachable(!on),
    },
    async teardown() {
      await driver.close();
      await xapi.stop();
    },
  };
});

describe('XenDriver against the fake XAPI', () => {
  let xapi: FakeXapi;
  const opened: XenDriver[] = [];
  const suffix = randomUUID().slice(0, 8);

  beforeAll(async () => {
    xapi = await FakeXapi.start({ operationMs: 20 });
  });

  afterEach(async () => {
    xapi.releaseTasks();
    xapi.setStalled(false);
    await xapi.setReachable(true);
    for (const driver of opened.splice(0)) await driver.close();
  });

  afterAll(async () => {
    await xapi?.stop();
  });

  function open(options: Partial<XenDriverOptions> = {}): XenDriver {
    const driver = xenDriver(xapi, options);
    opened.push(driver);
    return driver;
  }

  const spec = (label: string, overrides: Partial<VmSpec> = {}): VmSpec => ({
    name: `xen-${label}-${suffix}`,
    vcpus: 2,
    memoryMiB: 256,
    diskGiB: 8,
    labels: { site: 'site-1', service: 'production' },
    ...overrides,
  });

  /** What XAPI holds, read from the fake's own tables: the driver's answers are not evidence of themselves. */
  const vmRecord = (ref: string) => xapi.objects.vm.get(ref);
  const disksOf = (ref: string) =>
    xapi.objects.vbd
      .entries()
      .filter(([, vbd]) => vbd.VM === ref)
      .map(([, vbd]) => ({ ...xapi.objects.vdi.find(vbd.VDI), vdi: vbd.VDI, type: vbd.type, userdevice: vbd.userdevice }));
  const countLogins = () => xapi.calls.filter((method) => method === 'session.login_with_password').length;
  const callsSince = (mark: number) => xapi.calls.slice(mark);
  const pendingTasks = (label: string) => xapi.objects.task.refsWhere((record) => record.name_label === label && record.status === 'pending');

  it('makes a VM from a default template: clone, size the provisioning spec, provision, all as Async tasks', async () => {
    const driver = open();
    const mark = xapi.calls.length;
    const vm = await driver.create(spec('provisioned'));
    expect(vm).toMatchObject({ ...spec('provisioned'), powerState: 'stopped' });

    const record = vmRecord(vm.ref);
    expect(record).toMatchObject({
      is_a_template: false,
      VCPUs_max: 2,
      VCPUs_at_startup: 2,
      memory_static_max: 256 * MIB,
      memory_dynamic_max: 256 * MIB,
    });
    expect(record.other_config).toMatchObject({
      'hostgraph.label.site': 'site-1',
      'hostgraph.label.service': 'production',
      base_template_name: DEFAULT_TEMPLATE,
    });
    expect(record.other_config).not.toHaveProperty('disks');
    expect(record.other_config).not.toHaveProperty(CREATING_MARKER);
    const [defaultSr] = xapi.objects.pool.entries().map(([, pool]) => pool.default_SR);
    expect(disksOf(vm.ref)).toEqual([expect.objectContaining({ type: 'Disk', userdevice: '0', virtual_size: 8 * GIB, SR: defaultSr })]);
    expect(callsSince(mark)).toEqual(expect.arrayContaining(['Async.VM.clone', 'Async.VM.provision']));
    expect(callsSince(mark)).not.toContain('VM.clone');
  });

  it('grows a custom template’s own disk, keeps its CD drive, and refuses a disk smaller than the template’s', async () => {
    const driver = open({ template: CUSTOM_TEMPLATE });
    const vm = await driver.create(spec('custom', { diskGiB: 6 }));
    expect(vm.diskGiB).toBe(6);
    const disks = disksOf(vm.ref);
    expect(disks.find((disk) => disk.type === 'Disk')?.virtual_size).toBe(6 * GIB);
    expect(disks.find((disk) => disk.type === 'CD')?.name_label).toBe('guest-tools.iso');

    const tooSmall = spec('custom-small', { diskGiB: 2 });
    const error = await driver.create(tooSmall).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Fatal);
    expect((error as Error).message).toMatch(/4 GiB disk, larger than the 2 GiB/);
    // Nothing half-made stays behind, not even the template clone.
    expect(xapi.objects.vm.refsWhere((record) => record.name_label === tooSmall.name)).toEqual([]);
  });

  it('feeds Async task progress to the callback as it moves, never backwards, ending at 1', async () => {
    const driver = open();
    const vm = await driver.create(spec('progress'));
    xapi.holdTasks();
    const seen: number[] = [];
    const starting = driver.start(vm.ref, { onProgress: (fraction) => seen.push(fraction) });
    const task = await eventually(() => {
      const [pending] = pendingTasks('Async.VM.start');
      expect(pending).toBeDefined();
      return pending;
    });
    const sees = (value: number) => eventually(() => expect(seen.at(-1)).toBeGreaterThan(value)).then(() => seen.at(-1)!);

    xapi.setTaskProgress(task, 0.3);
    const first = await sees(0);
    xapi.setTaskProgress(task, 0.6);
    const second = await sees(first);
    // XAPI's progress can fall back when a task enters its next phase; the bar must not. Let the
    // driver read the lower value before moving on.
    const polls = () => xapi.calls.filter((method) => method === 'task.get_record').length;
    const pollsBefore = polls();
    xapi.setTaskProgress(task, 0.2);
    await eventually(() => expect(polls()).toBeGreaterThan(pollsBefore));
    xapi.setTaskProgress(task, 0.8);
    const third = await sees(second);
    xapi.releaseTasks();
    expect((await starting).powerState).toBe('running');

    expect(second / first).toBeCloseTo(2, 5);
    expect(third / first).toBeCloseTo(8 / 3, 5);
    for (const [index, fraction] of seen.entries()) if (index > 0) expect(fraction).toBeGreaterThanOrEqual(seen[index - 1]);
    expect(seen.at(-1)).toBe(1);
  });

  it('logs in again, once, when XAPI forgets the session (toolstack restart or expiry)', async () => {
    const driver = open();
    const vm = await driver.create(spec('relogin'));
    const logins = countLogins();

    xapi.restartToolstack();
    expect((await driver.get(vm.ref))?.name).toBe(vm.name);
    expect(countLogins()).toBe(logins + 1);

    // Calls racing into the expired session share one new login.
    xapi.expireSessions();
    const results = await Promise.all([driver.list(), driver.get(vm.ref), driver.findByName(vm.name), driver.list()]);
    expect(results[1]?.ref).toBe(vm.ref);
    expect(countLogins()).toBe(logins + 2);
  });

  it('logs out when closed, and refuses calls after', async () => {
    const driver = xenDriver(xapi);
    await driver.list();
    const sessions = xapi.objects.session.size;
    await driver.close();
    expect(xapi.objects.session.size).toBe(sessions - 1);
    await expect(driver.list()).rejects.toThrow(/driver is closed/);
  });

  it('says Fatal, naming XAPI’s refusal, for a wrong password, and does not repeat the password', async () => {
    const driver = open({ password: 'not-the-password' });
    const error = await driver.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Fatal);
    expect((error as Error).message).toMatch(/SESSION_AUTHENTICATION_FAILED \[root, Authentication failure\]/);
    expect((error as Error).message).toMatch(/check the xen username and password/);
    expect((error as Error).message).not.toContain('not-the-password');
  });

  it('says Transient for a host that refuses connections, resets them, or does not answer in time', async () => {
    const nobody = open({ url: `http://127.0.0.1:${await freePort()}` });
    await expect(nobody.list()).rejects.toThrow(Transient);
    await expect(nobody.list()).rejects.toThrow(/ECONNREFUSED/);

    const driver = open({ requestTimeoutMs: 300 });
    await driver.list();
    xapi.setStalled(true);
    const stalled = await driver.list().catch((caught: unknown) => caught);
    expect(stalled).toBeInstanceOf(Transient);
    expect((stalled as Error).message).toMatch(/no answer .* within 300 ms/);
    xapi.setStalled(false);

    // Cut off while a task runs: the poll fails, and the host is reachable again after.
    const vm = await driver.create(spec('cut-off'));
    xapi.holdTasks();
    const starting = driver.start(vm.ref);
    await eventually(() => expect(pendingTasks('Async.VM.start')).toHaveLength(1));
    await xapi.setReachable(false);
    await expect(starting).rejects.toBeInstanceOf(Transient);
    await xapi.setReachable(true);
    xapi.releaseTasks();
    await eventually(async () => expect((await driver.get(vm.ref))?.powerState).toBe('running'));
  });

  it('maps XAPI errors: HOST_OFFLINE Transient, VM_BAD_POWER_STATE Conflict, others Fatal with their name and parameters', async () => {
    const driver = open();
    const vm = await driver.create(spec('errors'));

    xapi.failNextCall('VM.start', 'HOST_OFFLINE', xapi.hostRef());
    await expect(driver.start(vm.ref)).rejects.toThrow(Transient);

    const conflict = await driver.resume(vm.ref).catch((caught: unknown) => caught);
    expect(conflict).toBeInstanceOf(Conflict);
    expect((conflict as Error).message).toContain(`VM_BAD_POWER_STATE [${vm.ref}, suspended, halted]`);

    xapi.failNextCall('VM.start', 'SR_BACKEND_FAILURE_47', '', 'The SR is not available', '');
    const fatal = await driver.start(vm.ref).catch((caught: unknown) => caught);
    expect(fatal).toBeInstanceOf(Fatal);
    expect((fatal as Error).message).toContain('SR_BACKEND_FAILURE_47 [, The SR is not available, ]');
    expect((await driver.get(vm.ref))?.powerState).toBe('stopped');
  });

  it('asks the guest first: a cooperative guest shuts down cleanly, without a hard shutdown', async () => {
    const driver = open();
    const vm = await driver.create(spec('clean'));
    await driver.start(vm.ref);
    const mark = xapi.calls.length;
    await driver.shutdown(vm.ref, { timeoutMs: 60_000 });
    expect(callsSince(mark)).toContain('Async.VM.clean_shutdown');
    expect(callsSince(mark)).not.toContain('Async.VM.hard_shutdown');
    expect(vmRecord(vm.ref).power_state).toBe('Halted');
  });

  it('checkpoints a running VM, and reverting brings it back running with the state it had', async () => {
    const driver = open();
    const vm = await driver.create(spec('checkpoint'));
    await driver.start(vm.ref);
    const snapshot = await driver.createSnapshot(vm.ref, 'before-upgrade');
    expect(vmRecord(snapshot.ref)).toMatchObject({ is_a_snapshot: true, snapshot_of: vm.ref, power_state: 'Suspended' });
    expect(vmRecord(snapshot.ref).snapshot_info['power-state-at-snapshot']).toBe('Running');
    expect(Math.abs(snapshot.createdAt.getTime() - Date.now())).toBeLessThan(60_000);

    await driver.powerOff(vm.ref);
    const reverted = await driver.revertSnapshot(vm.ref, snapshot.ref);
    expect(reverted).toMatchObject({ ...spec('checkpoint'), powerState: 'running' });
    expect(vmRecord(vm.ref).power_state).toBe('Running');
  });

  it('destroys a VM with its disks and its snapshots’ disks, leaving the shared tools ISO', async () => {
    const driver = open({ template: CUSTOM_TEMPLATE });
    const vdisBefore = xapi.objects.vdi.size;
    const vm = await driver.create(spec('destroy'));
    await driver.start(vm.ref);
    await driver.createSnapshot(vm.ref, 'one');
    await driver.suspend(vm.ref);
    expect(xapi.objects.vdi.size).toBeGreaterThan(vdisBefore + 2);

    await driver.destroy(vm.ref);
    expect(xapi.objects.vm.find(vm.ref)).toBeUndefined();
    expect(xapi.objects.vm.refsWhere((record) => record.snapshot_of === vm.ref)).toEqual([]);
    expect(xapi.objects.vdi.size).toBe(vdisBefore);
    expect(xapi.objects.vdi.entries().map(([, vdi]) => vdi.name_label)).toContain('guest-tools.iso');
  });

  it('refuses to destroy templates, snapshots and dom0 through destroy()', async () => {
    const driver = open();
    const [template] = xapi.objects.vm.refsWhere((record) => record.name_label === DEFAULT_TEMPLATE);
    const [dom0] = xapi.objects.vm.refsWhere((record) => record.is_control_domain);
    await expect(driver.destroy(template)).rejects.toThrow(Fatal);
    await expect(driver.destroy(dom0)).rejects.toThrow(Fatal);
    expect(xapi.objects.vm.find(template)).toBeDefined();
    expect(vmRecord(dom0).power_state).toBe('Running');
  });

  it('clears the half-made template a crashed create left behind, then creates the VM', async () => {
    const wanted = spec('crashed');
    // What a worker that died between VM.clone and VM.provision leaves: a marked template clone under the VM's name.
    const client = new XapiClient({ url: xapi.url, username: xapi.username, password: xapi.password, requestTimeoutMs: 5_000 });
    const [template] = await client.call<string[]>('VM.get_by_name_label', DEFAULT_TEMPLATE);
    const leftover = await client.call<string>('VM.clone', template, wanted.name);
    await client.call('VM.add_to_other_config', leftover, CREATING_MARKER, 'true');
    await client.close();

    const driver = open();
    expect(await driver.findByName(wanted.name)).toBeNull();
    const vm = await driver.create(wanted);
    expect(xapi.objects.vm.refsWhere((record) => record.name_label === wanted.name)).toEqual([vm.ref]);
  });

  it('says Fatal, naming the template, when the template does not exist', async () => {
    const driver = open({ template: 'No Such Template' });
    await expect(driver.create(spec('no-template'))).rejects.toThrow(/no template named "No Such Template"/);
    await expect(driver.create(spec('no-template'))).rejects.toBeInstanceOf(Fatal);
  });
});

describe('fake XAPI wire format', () => {
  let xapi: FakeXapi;

  beforeAll(async () => {
    xapi = await FakeXapi.start();
  });

  afterAll(async () => {
    await xapi?.stop();
  });

  const post = async (body: unknown) => {
    const response = await fetch(`${xapi.url}/jsonrpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };

  it('answers JSON-RPC 2.0 and 1.0 in their own framing, errors as XAPI codes with parameters', async () => {
    const login = await post({ jsonrpc: '2.0', method: 'session.login_with_password', params: [xapi.username, xapi.password, '1.0', 'test'], id: 1 });
    const { result: session } = JSON.parse(login.text) as { result: string };
    expect(session).toMatch(/^OpaqueRef:[0-9a-f-]{36}$/);

    const unknown = JSON.parse((await post({ jsonrpc: '2.0', method: 'VM.levitate', params: [session], id: 2 })).text);
    expect(unknown).toEqual({ jsonrpc: '2.0', error: { code: 1, message: 'MESSAGE_METHOD_UNKNOWN', data: ['VM.levitate'] }, id: 2 });

    const count = JSON.parse((await post({ method: 'VM.start', params: [session, 'OpaqueRef:x'], id: 'v1' })).text);
    expect(count).toEqual({ result: null, error: ['MESSAGE_PARAMETER_COUNT_MISMATCH', 'VM.start', '3', '1'], id: 'v1' });

    const invalid = JSON.parse((await post({ jsonrpc: '2.0', method: 'VM.get_all', params: ['OpaqueRef:nobody'], id: 3 })).text);
    expect(invalid.error).toEqual({ code: 1, message: 'SESSION_INVALID', data: ['OpaqueRef:nobody'] });

    const gone = JSON.parse((await post({ jsonrpc: '2.0', method: 'VM.get_record', params: [session, 'OpaqueRef:NULL'], id: 4 })).text);
    expect(gone.error).toEqual({ code: 1, message: 'HANDLE_INVALID', data: ['VM', 'OpaqueRef:NULL'] });
  });

  it('answers a malformed request with HTTP 500 and an HTML page, as XAPI does', async () => {
    const malformed = await post({ jsonrpc: '2.0', method: 'session.login_with_password', id: 0 });
    expect(malformed.status).toBe(500);
    expect(malformed.type).toBe('text/html');
    expect(malformed.text).toContain('Malformed_method_request');
  });

  it('runs Async calls as tasks whose record ends with an XML-RPC encoded result', async () => {
    const client = new XapiClient({ url: xapi.url, username: xapi.username, password: xapi.password, requestTimeoutMs: 5_000 });
    const [template] = await client.call<string[]>('VM.get_by_name_label', DEFAULT_TEMPLATE);
    xapi.holdTasks();
    const task = await client.call<string>('Async.VM.clone', template, 'wire-clone');
    expect(await client.call('task.get_status', task)).toBe('pending');
    expect(await client.call('task.get_progress', task)).toBe(0);
    xapi.releaseTasks();
    const done = await eventually(async () => {
      const record = await client.call<{ status: string; progress: number; result: string }>('task.get_record', task);
      expect(record.status).toBe('success');
      return record;
    });
    expect(done.progress).toBe(1);
    expect(done.result).toMatch(/^<value>OpaqueRef:[0-9a-f-]{36}<\/value>$/);
    await client.call('task.destroy', task);
    await expect(client.call('task.get_record', task)).rejects.toMatchObject({ code: 'HANDLE_INVALID', params: ['task', task] });
    await client.close();
  });
});
