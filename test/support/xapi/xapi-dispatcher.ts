import type { FakeHost } from './fake-host.js';
import { StorageOperations } from './storage-operations.js';
import { VmOperations } from './vm-operations.js';
import { XapiFailure } from './xapi-failure.js';
import type { Table } from './xapi-objects.js';
import { EPOCH, NULL_REF, xapiNow } from './xapi-records.js';
import type { Job } from './xapi-tasks.js';

/** One XenAPI message the fake implements. */
interface Message {
  /** Parameter names after the session reference, as in the XenAPI reference. */
  params: readonly string[];
  /** Values of trailing parameters added in later API versions, which clients may leave out. */
  defaults?: readonly unknown[];
  /** Whether `Async.<name>` exists: not for session and task messages, nor for field getters and setters. */
  async: boolean;
  run(job: Job, args: unknown[], session: string): Promise<unknown> | unknown;
}

export interface Credentials {
  username: string;
  password: string;
}

/**
 * Turns a JSON-RPC call into a XenAPI message, checking it as XAPI's generated server does, in its
 * order: the method exists (MESSAGE_METHOD_UNKNOWN [method]), the parameter count fits
 * (MESSAGE_PARAMETER_COUNT_MISMATCH [method, expected, received], not counting the session), the
 * session is valid (SESSION_INVALID [handle]); then the message runs, synchronously or as a task.
 */
export class XapiDispatcher {
  readonly #host: FakeHost;
  readonly #credentials: Credentials;
  readonly #messages: Map<string, Message>;
  readonly #injected: { method: string; failure: XapiFailure }[] = [];
  /** Every method called, in order, with its Async. prefix: what a test may check the client did. */
  readonly calls: string[] = [];

  constructor(host: FakeHost, credentials: Credentials) {
    this.#host = host;
    this.#credentials = credentials;
    const storage = new StorageOperations(host);
    this.#messages = new Map(Object.entries({ ...vmMessages(new VmOperations(host, storage)), ...this.#otherMessages(storage) }));
  }

  /** The next call of `method` (sync or async) fails with `failure`, from inside its task for an async call. */
  injectFailure(method: string, failure: XapiFailure): void {
    this.#injected.push({ method, failure });
  }

  async dispatch(method: string, params: unknown[]): Promise<unknown> {
    this.calls.push(method);
    const async = method.startsWith('Async.');
    const name = async ? method.slice('Async.'.length) : method;
    if (name === 'session.login_with_password' && !async) return this.#login(method, params);
    const message = this.#messages.get(name) ?? this.#fieldMessage(name);
    if (!message || (async && !message.async)) throw new XapiFailure('MESSAGE_METHOD_UNKNOWN', method);
    const received = params.length - 1;
    const required = message.params.length - (message.defaults?.length ?? 0);
    if (received < required || received > message.params.length) {
      throw new XapiFailure('MESSAGE_PARAMETER_COUNT_MISMATCH', method, String(required), String(received));
    }
    const session = params[0];
    if (typeof session !== 'string' || !this.#host.objects.session.find(session)) throw new XapiFailure('SESSION_INVALID', String(session));
    this.#host.objects.session.get(session).last_active = xapiNow();
    const args = [...params.slice(1), ...(message.defaults ?? []).slice(received - required)];
    // Everything from here on happens inside the task: an Async call reports these failures in error_info.
    const run = async (job: Job) => {
      this.#throwInjected(name);
      return message.run(job, args, session);
    };
    return async ? this.#host.tasks.startAsync(method, run) : this.#host.tasks.runSync(run);
  }

  /** session.login_with_password(uname, pwd, version, originator); version and originator may be left out. */
  #login(method: string, params: unknown[]): string {
    if (params.length < 2 || params.length > 4) throw new XapiFailure('MESSAGE_PARAMETER_COUNT_MISMATCH', method, '4', String(params.length));
    const [username, password, , originator] = params.map(String);
    // XAPI also sleeps a few seconds before refusing, against password guessing; the fake does not make tests wait.
    if (username !== this.#credentials.username || password !== this.#credentials.password) {
      throw new XapiFailure('SESSION_AUTHENTICATION_FAILED', username, 'Authentication failure');
    }
    return this.#host.objects.session.create({
      this_host: this.#host.hostRef(),
      this_user: NULL_REF,
      last_active: xapiNow(),
      pool: false,
      other_config: {},
      is_local_superuser: true,
      subject: NULL_REF,
      validation_time: EPOCH,
      auth_user_sid: '',
      auth_user_name: username,
      rbac_permissions: [],
      parent: NULL_REF,
      originator: originator ?? '',
    });
  }

  #throwInjected(method: string): void {
    const index = this.#injected.findIndex((injected) => injected.method === method);
    if (index < 0) return;
    const [{ failure }] = this.#injected.splice(index, 1);
    throw failure;
  }

  #otherMessages(storage: StorageOperations): Record<string, Message> {
    const { objects, tasks } = this.#host;
    return {
      'session.logout': {
        params: [],
        async: false,
        run: (_job, _args, session) => {
          objects.session.delete(session);
          return '';
        },
      },
      'VDI.destroy': { params: ['self'], async: true, run: (job, [self]) => storage.destroyVdi(job, ref(self)).then(() => '') },
      'VDI.resize': {
        params: ['vdi', 'size'],
        async: true,
        run: (job, [vdi, size]) => storage.resizeVdi(job, ref(vdi), int(size, 'size')).then(() => ''),
      },
      'task.cancel': {
        params: ['task'],
        async: false,
        run: (job, [task]) => {
          tasks.cancel(ref(task), job.task);
          return '';
        },
      },
      'task.destroy': {
        params: ['self'],
        async: false,
        run: (_job, [self]) => {
          objects.task.get(self);
          objects.task.delete(ref(self));
          return '';
        },
      },
    };
  }

  /** The messages XAPI generates from every class's fields: records, lookups, getters, and the writable maps and names. */
  #fieldMessage(name: string): Message | undefined {
    const [className, call] = name.split('.', 2);
    const table = this.#host.objects.tables().find((candidate) => candidate.className === className);
    if (!table || !call) return undefined;
    const objects = this.#host.objects;
    const record = (self: unknown) => objects.wireRecord(table, ref(self));
    switch (call) {
      case 'get_record':
        return { params: ['self'], async: false, run: (_job, [self]) => record(self) };
      case 'get_all':
        return { params: [], async: false, run: () => table.entries().map(([row]) => row) };
      case 'get_all_records':
        return { params: [], async: false, run: () => Object.fromEntries(table.entries().map(([row]) => [row, record(row)])) };
      case 'get_by_uuid':
        return {
          params: ['uuid'],
          async: false,
          run: (_job, [uuid]) => {
            const found = table.entries().find(([, row]) => row.uuid === uuid);
            if (!found) throw new XapiFailure('UUID_INVALID', className, String(uuid));
            return found[0];
          },
        };
      case 'get_by_name_label':
        return hasField(table, 'name_label')
          ? {
              params: ['label'],
              async: false,
              run: (_job, [label]) => table.refsWhere((row) => (row as { name_label?: string }).name_label === label),
            }
          : undefined;
      case 'set_other_config':
        return this.#setter(table, 'other_config', ['self', 'value'], (row, [value]) => (row.other_config = stringMap(value, 'value')));
      case 'add_to_other_config':
        return this.#setter(table, 'other_config', ['self', 'key', 'value'], (row, [key, value], self) => {
          if (Object.hasOwn(row.other_config, String(key))) {
            throw new XapiFailure('MAP_DUPLICATE_KEY', className, 'other_config', self, String(key));
          }
          row.other_config[String(key)] = String(value);
        });
      case 'remove_from_other_config':
        return this.#setter(table, 'other_config', ['self', 'key'], (row, [key]) => delete row.other_config[String(key)]);
      case 'set_name_label':
      case 'set_name_description': {
        const field = call.slice('set_'.length);
        return this.#setter(table, field, ['self', 'value'], (row, [value]) => ((row as unknown as Record<string, unknown>)[field] = String(value)));
      }
      default: {
        if (!call.startsWith('get_')) return undefined;
        const field = call.slice('get_'.length);
        return { params: ['self'], async: false, run: (_job, [self]) => fieldOf(record(self), field, name) };
      }
    }
  }

  /** A field setter or map operation: a plain write, for classes that have the field. */
  #setter(
    table: Table<{ uuid: string }>,
    field: string,
    params: string[],
    write: (row: WritableRow, args: unknown[], self: string) => unknown,
  ): Message | undefined {
    if (!hasField(table, field)) return undefined;
    return {
      params,
      async: false,
      run: (_job, [self, ...args]) => {
        write(table.get(self) as WritableRow, args, ref(self));
        return '';
      },
    };
  }
}

type WritableRow = { uuid: string; other_config: Record<string, string> };

/** The VM messages, with their parameters as the XenAPI reference lists them (datamodel_vm.ml). */
function vmMessages(vms: VmOperations): Record<string, Message> {
  const done = () => '';
  return {
    'VM.start': {
      params: ['vm', 'start_paused', 'force'],
      async: true,
      run: (job, [vm, paused]) => vms.start(job, ref(vm), bool(paused, 'start_paused')).then(done),
    },
    'VM.clean_shutdown': { params: ['vm'], async: true, run: (job, [vm]) => vms.cleanShutdown(job, ref(vm)).then(done) },
    'VM.hard_shutdown': { params: ['vm'], async: true, run: (job, [vm]) => vms.hardShutdown(job, ref(vm)).then(done) },
    'VM.clean_reboot': { params: ['vm'], async: true, run: (job, [vm]) => vms.cleanReboot(job, ref(vm)).then(done) },
    'VM.hard_reboot': { params: ['vm'], async: true, run: (job, [vm]) => vms.hardReboot(job, ref(vm)).then(done) },
    'VM.suspend': { params: ['vm'], async: true, run: (job, [vm]) => vms.suspend(job, ref(vm)).then(done) },
    'VM.resume': {
      params: ['vm', 'start_paused', 'force'],
      async: true,
      run: (job, [vm, paused]) => vms.resume(job, ref(vm), bool(paused, 'start_paused')).then(done),
    },
    'VM.clone': { params: ['vm', 'new_name'], async: true, run: (job, [vm, name]) => vms.clone(job, ref(vm), text(name, 'new_name')) },
    'VM.copy': {
      params: ['vm', 'new_name', 'sr'],
      async: true,
      run: (job, [vm, name, sr]) => vms.copy(job, ref(vm), text(name, 'new_name'), String(sr)),
    },
    'VM.snapshot': {
      params: ['vm', 'new_name', 'ignore_vdis'],
      defaults: [[]],
      async: true,
      run: (job, [vm, name, ignore]) => vms.snapshot(job, ref(vm), text(name, 'new_name'), refs(ignore, 'ignore_vdis')),
    },
    'VM.checkpoint': {
      params: ['vm', 'new_name'],
      async: true,
      run: (job, [vm, name]) => vms.checkpoint(job, ref(vm), text(name, 'new_name')),
    },
    'VM.revert': { params: ['snapshot'], async: true, run: (job, [snapshot]) => vms.revert(job, ref(snapshot)).then(done) },
    'VM.provision': { params: ['vm'], async: true, run: (job, [vm]) => vms.provision(job, ref(vm)).then(done) },
    'VM.destroy': { params: ['self'], async: true, run: (job, [self]) => vms.destroy(job, ref(self)).then(done) },
    'VM.set_VCPUs_max': {
      params: ['self', 'value'],
      async: true,
      run: (job, [self, value]) => vms.setVcpusMax(job, ref(self), int(value, 'value')).then(done),
    },
    'VM.set_VCPUs_at_startup': {
      params: ['self', 'value'],
      async: true,
      run: (job, [self, value]) => vms.setVcpusAtStartup(job, ref(self), int(value, 'value')).then(done),
    },
    'VM.set_memory_limits': {
      params: ['self', 'static_min', 'static_max', 'dynamic_min', 'dynamic_max'],
      async: true,
      run: (job, [self, ...limits]) => {
        const [staticMin, staticMax, dynamicMin, dynamicMax] = limits.map((limit, index) => int(limit, `memory limit ${index + 1}`));
        return vms.setMemoryLimits(job, ref(self), staticMin, staticMax, dynamicMin, dynamicMax).then(done);
      },
    },
  };
}

function hasField(table: Table<{ uuid: string }>, field: string): boolean {
  const [first] = table.entries();
  return first !== undefined && Object.hasOwn(first[1], field);
}

function fieldOf(record: Record<string, unknown>, field: string, method: string): unknown {
  if (!Object.hasOwn(record, field)) throw new XapiFailure('MESSAGE_METHOD_UNKNOWN', method);
  return record[field];
}

// Argument decoding. XAPI refuses a value of the wrong JSON type while unmarshalling the call; the
// fake names the parameter with FIELD_TYPE_ERROR, an approximation of XAPI's exact wording.

function ref(value: unknown): string {
  if (typeof value !== 'string') throw new XapiFailure('FIELD_TYPE_ERROR', 'ref');
  return value;
}

function refs(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw new XapiFailure('FIELD_TYPE_ERROR', name);
  return value;
}

function text(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new XapiFailure('FIELD_TYPE_ERROR', name);
  return value;
}

function bool(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new XapiFailure('FIELD_TYPE_ERROR', name);
  return value;
}

/** JSON-RPC ints are JSON numbers; the wire documentation also speaks of them "preserved as a string", so digits in a string pass. */
function int(value: unknown, name: string): number {
  const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw new XapiFailure('FIELD_TYPE_ERROR', name);
  return number;
}

function stringMap(value: unknown, name: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new XapiFailure('FIELD_TYPE_ERROR', name);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, String(item)]));
}
