import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Conflict, Fatal, NotFound, Transient, type VmSpec } from '../../drivers/driver.js';
import { MemorySimVmStore } from '../../drivers/sim/memory-sim-vm-store.js';
import { SimDriver, type SimDriverOptions } from '../../drivers/sim/sim-driver.js';
import type { SimVmRecord, SimVmStore } from '../../drivers/sim/sim-vm-store.js';
import type { SqlExecutor } from '../../drivers/sim/sql-executor.js';
import { SqlSimVmStore } from '../../drivers/sim/sql-sim-vm-store.js';
import { describeDriverConformance } from './conformance.js';
import { openMikroOrmExecutor, openPostgresExecutor, openSqliteExecutor, POSTGRES_URL, type OpenExecutor } from './sql-executors.js';

/**
 * One place the sim keeps its VMs. `open()` gives a store on a connection of its own, as a separate
 * worker process would have, all onto the same database.
 */
interface StoreBackend {
  open(): Promise<{ store: SimVmStore; close(): Promise<void> }>;
  /** Removes the database objects the backend made. */
  dispose(): Promise<void>;
}

const uniqueTable = () => `sim_vms_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;

function memoryBackend(): StoreBackend {
  const store = new MemorySimVmStore();
  return { open: async () => ({ store, close: async () => {} }), dispose: async () => {} };
}

function sqlBackend(connect: () => Promise<OpenExecutor>, cleanup: () => void = () => {}): StoreBackend {
  const tableName = uniqueTable();
  return {
    async open() {
      const { executor, close } = await connect();
      return { store: new SqlSimVmStore(executor, { tableName }), close };
    },
    async dispose() {
      const { executor, close } = await connect();
      await new SqlSimVmStore(executor, { tableName }).drop();
      await close();
      cleanup();
    },
  };
}

function sqliteFile(): { file: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'hostgraph-sim-'));
  return { file: join(dir, 'sim.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const BACKENDS: Record<string, () => StoreBackend> = {
  memory: memoryBackend,
  SQLite: () => {
    const { file, cleanup } = sqliteFile();
    return sqlBackend(() => openSqliteExecutor(file), cleanup);
  },
  PostgreSQL: () => sqlBackend(() => openPostgresExecutor()),
  // How the worker wires it: MikroORM's connection, `?` placeholders on both dialects.
  'MikroORM on SQLite': () => {
    const { file, cleanup } = sqliteFile();
    return sqlBackend(() => openMikroOrmExecutor('sqlite', file), cleanup);
  },
  'MikroORM on PostgreSQL': () => sqlBackend(() => openMikroOrmExecutor('postgresql', POSTGRES_URL)),
};

function simConformance(label: string, makeBackend: () => StoreBackend, options: Omit<SimDriverOptions, 'store'> = {}) {
  describeDriverConformance(label, async () => {
    const backend = makeBackend();
    const { store, close } = await backend.open();
    const driver = new SimDriver({ ...options, store });
    return {
      driver,
      hooks: {
        hungGuest: (ref) => driver.simulateHungGuest(ref),
        unreachable: async (on) => driver.setUnreachable(on),
        seedOf: async (vm) => {
          const seed = await driver.seedOf(vm.ref);
          return seed && { hostname: seed.hostname, hostKeys: seed.hostKeys.map((key) => key.publicKey) };
        },
      },
      async teardown() {
        await driver.close();
        await close();
        await backend.dispose();
      },
    };
  });
}

for (const [label, makeBackend] of Object.entries(BACKENDS)) simConformance(`sim, ${label} store`, makeBackend);
simConformance('sim with latency', memoryBackend, { latencyMs: 2 });
// Checks the suite's other branch: a platform without the optional capabilities must say Unsupported.
simConformance('sim without optional capabilities', memoryBackend, {
  capabilities: { suspend: false, snapshots: false, clone: false, gracefulShutdown: false },
});

const spec = (name: string, overrides: Partial<VmSpec> = {}): VmSpec => ({
  name,
  vcpus: 2,
  memoryMiB: 2048,
  diskGiB: 20,
  labels: { site: 'blog', task: 't-1' },
  ...overrides,
});

describe.each(Object.keys(BACKENDS))('sim shared by two workers (%s store)', (label) => {
  let backend: StoreBackend;
  const opened: { close(): Promise<void> }[] = [];

  /** A driver as a separate worker process would have it: its own connection, its own instance. */
  async function worker(options: Omit<SimDriverOptions, 'store'> = {}): Promise<SimDriver> {
    const { store, close } = await backend.open();
    opened.push({ close });
    return new SimDriver({ ...options, store });
  }

  beforeAll(() => {
    backend = BACKENDS[label]();
  });
  afterEach(async () => {
    for (const connection of opened.splice(0)) await connection.close();
  });
  afterAll(async () => {
    await backend.dispose();
  });

  it("sees the other worker's VMs and their changes", async () => {
    const [a, b] = [await worker(), await worker()];
    const vm = await a.create(spec('shared-view'));
    expect(await b.get(vm.ref)).toEqual(vm);
    await b.start(vm.ref);
    expect((await a.get(vm.ref))?.powerState).toBe('running');
    await a.createSnapshot(vm.ref, 'one');
    expect((await b.listSnapshots(vm.ref)).map((snapshot) => snapshot.name)).toEqual(['one']);
    await b.destroy(vm.ref);
    expect(await a.get(vm.ref)).toBeNull();
  });

  it('keeps the hung-guest flag with the VM, so the other worker must wait out the timeout too', async () => {
    const [a, b] = [await worker(), await worker()];
    const vm = await a.create(spec('shared-hung'));
    await a.start(vm.ref);
    await a.simulateHungGuest(vm.ref);
    const other = await backend.open();
    opened.push(other);
    expect((await other.store.get(vm.ref))?.hungGuest).toBe(true);
    expect((await b.shutdown(vm.ref, { timeoutMs: 5 })).powerState).toBe('stopped');
    await a.destroy(vm.ref);
  });

  it('lets only one of two concurrent starts win; the other sees Conflict', async () => {
    // Latency makes both read "stopped" before either writes: the version check decides.
    const [a, b] = [await worker({ latencyMs: 5 }), await worker({ latencyMs: 5 })];
    const vm = await a.create(spec('shared-race'));
    const results = await Promise.allSettled([a.start(vm.ref), b.start(vm.ref)]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const [rejected] = results.filter((result) => result.status === 'rejected');
    expect(rejected.reason).toBeInstanceOf(Conflict);
    expect((await b.get(vm.ref))?.powerState).toBe('running');
    await a.destroy(vm.ref);
  });

  it('makes one VM when two workers create the same name at once', async () => {
    const [a, b] = [await worker({ latencyMs: 5 }), await worker({ latencyMs: 5 })];
    const [first, second] = await Promise.all([a.create(spec('shared-create')), b.create(spec('shared-create'))]);
    expect(second.ref).toBe(first.ref);
    expect((await a.list()).filter((vm) => vm.name === 'shared-create')).toHaveLength(1);
    await a.destroy(first.ref);
  });

  it('lets a second worker finish a create whose reply the first worker never got', async () => {
    const [a, b] = [await worker(), await worker()];
    a.injectFault('create', new Transient('connection reset by peer'), 1, 'after');
    await expect(a.create(spec('shared-retry'))).rejects.toBeInstanceOf(Transient);
    const made = await b.findByName('shared-retry');
    expect(made?.powerState).toBe('stopped');
    expect((await b.create(spec('shared-retry'))).ref).toBe(made!.ref);
    await b.destroy(made!.ref);
  });
});

describe.each(Object.keys(BACKENDS))('SimVmStore contract (%s)', (label) => {
  let backend: StoreBackend;
  let store: SimVmStore;
  let close: () => Promise<void>;

  beforeAll(async () => {
    backend = BACKENDS[label]();
    ({ store, close } = await backend.open());
  });
  afterAll(async () => {
    await close();
    await backend.dispose();
  });

  const record = (name: string, ref = `ref-${name}`): SimVmRecord => ({
    ref,
    name,
    powerState: 'stopped',
    vcpus: 1,
    memoryMiB: 512,
    diskGiB: 5,
    // Quotes, backslashes, placeholders and non-ASCII must survive the round trip.
    labels: { note: `it's a "test" \\ ? $1 ünïcode 🎉\n` },
    hungGuest: false,
    snapshots: [],
    version: 0,
  });

  it('inserts a new record once, refusing a taken name or ref', async () => {
    expect(await store.put(record('contract-a'))).toBe(true);
    expect(await store.put(record('contract-a'))).toBe(false);
    expect(await store.put(record('contract-a', 'ref-other'))).toBe(false);
    expect(await store.put(record('contract-other', 'ref-contract-a'))).toBe(false);
    expect(await store.get('ref-contract-a')).toEqual({ ...record('contract-a'), version: 1 });
    expect(await store.findByName('contract-a')).toEqual({ ...record('contract-a'), version: 1 });
  });

  it('writes only over the version it read', async () => {
    await store.put(record('contract-b'));
    const read = (await store.get('ref-contract-b'))!;
    expect(await store.put({ ...read, powerState: 'running' })).toBe(true);
    expect(await store.put({ ...read, powerState: 'suspended' })).toBe(false); // stale
    expect(await store.get('ref-contract-b')).toMatchObject({ powerState: 'running', version: 2 });
  });

  it('lists by name, deletes, and ignores deleting what is not there', async () => {
    await store.put(record('contract-0'));
    const names = (await store.list()).map((listed) => listed.name);
    expect(names).toEqual([...names].sort());
    expect(names).toContain('contract-0');
    await store.delete('ref-contract-0');
    await store.delete('ref-contract-0');
    expect(await store.get('ref-contract-0')).toBeNull();
    expect(await store.findByName('contract-0')).toBeNull();
  });
});

/** A store's methods as plain functions, so a test can replace one of them. */
function bindStore(store: SimVmStore): SimVmStore {
  return {
    list: () => store.list(),
    get: (ref) => store.get(ref),
    findByName: (name) => store.findByName(name),
    put: (record) => store.put(record),
    delete: (ref) => store.delete(ref),
  };
}

describe('SimDriver', () => {
  const newDriver = (options: Omit<SimDriverOptions, 'store'> = {}) => {
    const store = new MemorySimVmStore();
    return { driver: new SimDriver({ ...options, store }), store };
  };

  afterEach(() => {
    vi.useRealTimers();
  });

  describe('fault injection', () => {
    it('makes the next call fail with the given error, once by default, without doing anything', async () => {
      const { driver } = newDriver();
      const vm = await driver.create(spec('fault-once'));
      driver.injectFault('start', new Transient('libvirtd is busy'));
      await expect(driver.start(vm.ref)).rejects.toThrow(new Transient('libvirtd is busy'));
      expect((await driver.get(vm.ref))?.powerState).toBe('stopped');
      expect((await driver.start(vm.ref)).powerState).toBe('running');
    });

    it('fails as many times as asked, with Fatal too', async () => {
      const { driver } = newDriver();
      const vm = await driver.create(spec('fault-twice'));
      driver.injectFault('start', new Fatal('disk image is corrupt'), 2);
      await expect(driver.start(vm.ref)).rejects.toBeInstanceOf(Fatal);
      await expect(driver.start(vm.ref)).rejects.toBeInstanceOf(Fatal);
      await expect(driver.start(vm.ref)).resolves.toMatchObject({ powerState: 'running' });
    });

    it("can fail after the work is done, like a lost reply, so retries must cope", async () => {
      const { driver } = newDriver();
      const vm = await driver.create(spec('fault-after'));
      driver.injectFault('start', new Transient('connection reset'), 1, 'after');
      await expect(driver.start(vm.ref)).rejects.toBeInstanceOf(Transient);
      expect((await driver.get(vm.ref))?.powerState).toBe('running');
    });

    it('fails at random with the configured probability', async () => {
      let roll = 0;
      const { driver } = newDriver({ faults: { start: 0.5 }, random: () => roll });
      const vm = await driver.create(spec('fault-random'));
      roll = 0.49;
      await expect(driver.start(vm.ref)).rejects.toBeInstanceOf(Transient);
      roll = 0.5;
      await expect(driver.start(vm.ref)).resolves.toMatchObject({ powerState: 'running' });
    });

    it('refuses a fault configuration naming an unknown operation or a probability outside 0–1', () => {
      expect(() => newDriver({ faults: { shutDown: 0.1 } })).toThrow(/unknown operation "shutDown"/);
      expect(() => newDriver({ faults: { start: 2 } })).toThrow(/0–1/);
      expect(() => newDriver({ latencyMs: -1 })).toThrow(/latencyMs/);
    });

    it('models a down host for this driver instance until it comes back', async () => {
      const { driver, store } = newDriver();
      const other = new SimDriver({ store });
      const vm = await driver.create(spec('unreachable'));
      driver.setUnreachable(true);
      await expect(driver.get(vm.ref)).rejects.toThrow(new Transient('host unreachable'));
      await expect(driver.destroy(vm.ref)).rejects.toBeInstanceOf(Transient);
      expect(await other.get(vm.ref)).not.toBeNull();
      driver.setUnreachable(false);
      expect(await driver.get(vm.ref)).not.toBeNull();
    });
  });

  describe('create', () => {
    it('returns the same VM for the same spec (labels included) and refuses any difference', async () => {
      const { driver } = newDriver();
      const vm = await driver.create(spec('idem'));
      await driver.start(vm.ref);
      expect(await driver.create(spec('idem'))).toEqual({ ...vm, powerState: 'running' });
      await expect(driver.create(spec('idem', { memoryMiB: 4096 }))).rejects.toBeInstanceOf(Conflict);
      await expect(driver.create(spec('idem', { labels: { site: 'blog', task: 't-2' } }))).rejects.toBeInstanceOf(Conflict);
      expect(await driver.list()).toHaveLength(1);
    });

    it('treats missing labels as empty labels', async () => {
      const { driver } = newDriver();
      const vm = await driver.create(spec('no-labels', { labels: undefined }));
      expect(vm.labels).toEqual({});
      expect((await driver.create(spec('no-labels', { labels: {} }))).ref).toBe(vm.ref);
    });

    it('refuses an impossible spec with Fatal, since retrying cannot help', async () => {
      const { driver } = newDriver();
      await expect(driver.create(spec('bad', { vcpus: 0 }))).rejects.toBeInstanceOf(Fatal);
      await expect(driver.create(spec('', {}))).rejects.toBeInstanceOf(Fatal);
      expect(await driver.list()).toEqual([]);
    });
  });

  describe('snapshots and clones', () => {
    it('revert restores the power state and the hardware the snapshot captured', async () => {
      const { driver, store } = newDriver();
      const vm = await driver.create(spec('revert'));
      await driver.start(vm.ref);
      const snapshot = await driver.createSnapshot(vm.ref, 'running-2cpu');
      // Changed behind the driver's back, as an operator resizing the VM would.
      const record = (await store.get(vm.ref))!;
      await store.put({ ...record, vcpus: 8, labels: { site: 'other' } });
      await driver.powerOff(vm.ref);
      const reverted = await driver.revertSnapshot(vm.ref, snapshot.ref);
      expect(reverted).toEqual({ ...vm, powerState: 'running' });
      expect(await driver.get(vm.ref)).toEqual(reverted);
    });

    it('returns the existing snapshot when a retried step takes it again', async () => {
      const { driver } = newDriver();
      const vm = await driver.create(spec('snap-idem'));
      const first = await driver.createSnapshot(vm.ref, 'daily');
      expect(await driver.createSnapshot(vm.ref, 'daily')).toEqual(first);
      expect(await driver.listSnapshots(vm.ref)).toHaveLength(1);
      await expect(driver.deleteSnapshot(vm.ref, 'simsnap-missing')).rejects.toBeInstanceOf(NotFound);
    });

    it('destroys a VM with its snapshots', async () => {
      const { driver, store } = newDriver();
      const vm = await driver.create(spec('destroy-snaps'));
      await driver.createSnapshot(vm.ref, 'one');
      await driver.destroy(vm.ref);
      expect(await store.get(vm.ref)).toBeNull();
      await expect(driver.listSnapshots(vm.ref)).rejects.toBeInstanceOf(NotFound);
    });

    it('clones only a stopped VM, finds its clone again on retry, and refuses a name taken by another VM', async () => {
      const { driver } = newDriver();
      const source = await driver.create(spec('clone-src'));
      await driver.createSnapshot(source.ref, 'kept-by-source');
      await driver.start(source.ref);
      await expect(driver.clone(source.ref, 'clone-dst')).rejects.toBeInstanceOf(Conflict);
      await driver.powerOff(source.ref);
      const copy = await driver.clone(source.ref, 'clone-dst');
      expect(copy).toEqual({ ...source, ref: copy.ref, name: 'clone-dst' });
      expect(await driver.listSnapshots(copy.ref)).toEqual([]);
      expect((await driver.clone(source.ref, 'clone-dst')).ref).toBe(copy.ref);
      await driver.create(spec('clone-taken', { vcpus: 1 }));
      await expect(driver.clone(source.ref, 'clone-taken')).rejects.toBeInstanceOf(Conflict);
    });

    it("records a VM's seed without the private host keys; a clone given none keeps its source's, as a disk copy would", async () => {
      const { driver, store } = newDriver();
      const hostKeys = [{ type: 'ed25519' as const, privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n-----END OPENSSH PRIVATE KEY-----\n', publicKey: 'ssh-ed25519 AAAAprod prod\n' }];
      const source = await driver.create({ ...spec('seeded'), seed: { hostname: 'prod.example.org', users: [{ name: 'ada', sshKeys: ['ssh-ed25519 AAAAada'] }], hostKeys } });
      const recorded = { hostname: 'prod.example.org', users: [{ name: 'ada', sshKeys: ['ssh-ed25519 AAAAada'] }], hostKeys: [{ type: 'ed25519', publicKey: 'ssh-ed25519 AAAAprod prod' }] };
      expect(await driver.seedOf(source.ref)).toEqual(recorded);
      expect(JSON.stringify(await store.get(source.ref))).not.toContain('secret');
      expect(await driver.seedOf((await driver.clone(source.ref, 'seeded-copy')).ref)).toEqual(recorded);
      expect(await driver.seedOf((await driver.create(spec('unseeded'))).ref)).toBeNull();
    });
  });

  describe('latency', () => {
    // Fake timers: the assertions are about order, never about wall-clock time.
    it('takes latencyMs per operation, reporting half-way progress', async () => {
      vi.useFakeTimers();
      const { driver } = newDriver({ latencyMs: 1000 });
      const creating = driver.create(spec('slow'));
      await vi.advanceTimersByTimeAsync(1000);
      const vm = await creating;

      const seen: number[] = [];
      let settled = false;
      const starting = driver.start(vm.ref, { onProgress: (fraction) => seen.push(fraction) }).finally(() => (settled = true));
      await vi.advanceTimersByTimeAsync(499);
      expect({ settled, seen }).toEqual({ settled: false, seen: [0] });
      await vi.advanceTimersByTimeAsync(1);
      expect({ settled, seen }).toEqual({ settled: false, seen: [0, 0.5] });
      expect((await driver.get(vm.ref))?.powerState).toBe('stopped');
      await vi.advanceTimersByTimeAsync(499);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await starting).toMatchObject({ powerState: 'running' });
      expect(seen).toEqual([0, 0.5, 1]);
    });

    it('waits out the shutdown timeout for a hung guest before pulling the plug', async () => {
      vi.useFakeTimers();
      const { driver } = newDriver();
      const vm = await driver.create(spec('hung'));
      await driver.start(vm.ref);
      await driver.simulateHungGuest(vm.ref);
      let settled = false;
      const stopping = driver.shutdown(vm.ref, { timeoutMs: 60_000 }).finally(() => (settled = true));
      await vi.advanceTimersByTimeAsync(59_999);
      expect(settled).toBe(false);
      expect((await driver.get(vm.ref))?.powerState).toBe('running');
      await vi.advanceTimersByTimeAsync(1);
      expect(await stopping).toMatchObject({ powerState: 'stopped' });
    });

    it('shuts a cooperative guest down without waiting for the timeout', async () => {
      vi.useFakeTimers();
      const { driver } = newDriver({ latencyMs: 10 });
      const creating = driver.create(spec('quick'));
      await vi.advanceTimersByTimeAsync(10);
      const vm = await creating;
      const starting = driver.start(vm.ref);
      await vi.advanceTimersByTimeAsync(10);
      await starting;
      let settled = false;
      const stopping = driver.shutdown(vm.ref, { timeoutMs: 60_000 }).finally(() => (settled = true));
      await vi.advanceTimersByTimeAsync(10);
      expect(settled).toBe(true);
      expect(await stopping).toMatchObject({ powerState: 'stopped' });
    });
  });

  it('gives up with Transient when other workers keep changing the VM under it', async () => {
    const store = new MemorySimVmStore();
    const driver = new SimDriver({ store });
    const vm = await driver.create(spec('contended'));
    // Every write loses the race, as if another worker always wrote first.
    const contended = new SimDriver({ store: { ...bindStore(store), put: async () => false } });
    await expect(contended.start(vm.ref)).rejects.toThrow(Transient);
    await driver.start(vm.ref);
    await expect(contended.destroy(vm.ref)).rejects.toThrow(Transient);
    expect((await driver.get(vm.ref))?.powerState).toBe('running');
  });

  it('reports a failing store as Transient, keeping the database error', async () => {
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    const store = { ...bindStore(new MemorySimVmStore()), get: async () => Promise.reject(refused) };
    const error = await new SimDriver({ store }).get('sim-x').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Transient);
    expect(error).toMatchObject({ upstream: refused, message: expect.stringContaining('ECONNREFUSED') });
  });

  it('refuses every call once closed', async () => {
    const { driver } = newDriver();
    await driver.close();
    await expect(driver.list()).rejects.toBeInstanceOf(Fatal);
  });
});

describe('SqlSimVmStore', () => {
  it('writes $n placeholders for PostgreSQL and ? for SQLite or MikroORM', async () => {
    const seen: string[] = [];
    const capture = (dialect: SqlExecutor['dialect'], placeholders?: SqlExecutor['placeholders']): SqlExecutor => ({
      dialect,
      placeholders,
      execute: async (sql) => {
        seen.push(sql);
        return [];
      },
    });
    await new SqlSimVmStore(capture('postgresql')).get('r');
    expect(seen.at(-1)).toMatch(/WHERE ref = \$1$/);
    await new SqlSimVmStore(capture('sqlite')).get('r');
    expect(seen.at(-1)).toMatch(/WHERE ref = \?$/);
    await new SqlSimVmStore(capture('postgresql', '?')).get('r');
    expect(seen.at(-1)).toMatch(/WHERE ref = \?$/);
    expect(seen.filter((sql) => sql.startsWith('CREATE TABLE IF NOT EXISTS sim_vms'))).toHaveLength(3);
  });

  it('refuses a table name that is not a plain identifier', () => {
    const executor: SqlExecutor = { dialect: 'sqlite', execute: async () => [] };
    expect(() => new SqlSimVmStore(executor, { tableName: 'sim_vms; DROP TABLE users' })).toThrow(/table name/);
  });
});
