/**
 * A FAKE XAPI server for tests: no Xen hypervisor or XAPI toolstack can run on these machines, so
 * the Xen driver is tested against this. It is modelled on the XenAPI as documented and
 * implemented by xapi-project/xen-api, not on what the driver expects:
 *
 * - the wire: `POST /jsonrpc`, JSON-RPC 1.0 and 2.0 framing, errors as `{ code: 1, message: <XAPI
 *   error code>, data: [<params>] }` (2.0) or `[code, ...params]` (1.0), HTTP 500 with an HTML page
 *   for a malformed request (doc/content/xen-api/wire-protocol.md);
 * - sessions from session.login_with_password, the session reference first in every other call,
 *   SESSION_INVALID for an unknown one, MESSAGE_METHOD_UNKNOWN and MESSAGE_PARAMETER_COUNT_MISMATCH;
 * - `Async.*` calls that return a task reference at once, tasks whose progress advances over time
 *   and whose record ends success (`result` XML-RPC encoded), failure (`error_info`) or cancelled
 *   (taskHelper.ml), task.cancel and task.destroy;
 * - VMs, templates, snapshots, VBDs, VDIs, SRs, one host and its pool, with opaque references
 *   `OpaqueRef:<uuid>` and the VM state machine of xapi_vm_lifecycle.ml (VM_BAD_POWER_STATE
 *   [vm, expected, actual], OTHER_OPERATION_IN_PROGRESS, VM_IS_TEMPLATE, …), clone and snapshot as
 *   xapi_vm_clone.ml, revert as xapi_vm_snapshot.ml, provisioning as xapi_templates.ml.
 *
 * Not modelled: XML-RPC, event.from, networks and VIFs, pools of several hosts, RBAC, licensing,
 * and XAPI's delay before refusing a wrong password. Test hooks (reachability, stalls, expired
 * sessions, guests that ignore shutdown, injected failures, held tasks) stand for what a real pool
 * does to its clients at its own pace.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeHost, FakeHostTiming } from './fake-host.js';
import { seedPool } from './seed-pool.js';
import { StorageOperations } from './storage-operations.js';
import { XapiDispatcher } from './xapi-dispatcher.js';
import { XapiFailure } from './xapi-failure.js';
import { XapiObjects } from './xapi-objects.js';
import { TaskRunner } from './xapi-tasks.js';

export interface FakeXapiOptions {
  username?: string;
  password?: string;
  /** How long each VM or disk operation takes. Default 40 ms. */
  operationMs?: number;
  /** How long a clean shutdown waits for a guest to acknowledge. Default 60 s, xenopsd's default. */
  shutdownAckTimeoutMs?: number;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export class FakeXapi implements FakeHost {
  readonly objects = new XapiObjects();
  readonly tasks = new TaskRunner(this.objects);
  readonly timing: FakeHostTiming;
  readonly guestsIgnoringShutdown = new Set<string>();
  readonly username: string;
  readonly password: string;
  readonly #dispatcher: XapiDispatcher;
  readonly #server: Server;
  readonly #host: string;
  #port = 0;
  #stall: { released: Promise<void>; release(): void } | null = null;

  private constructor(options: FakeXapiOptions) {
    this.username = options.username ?? 'root';
    this.password = options.password ?? 'xapi-test-password';
    this.timing = { operationMs: options.operationMs ?? 40, shutdownAckTimeoutMs: options.shutdownAckTimeoutMs ?? 60_000 };
    this.#host = seedPool(this.objects, new StorageOperations(this)).host;
    this.#dispatcher = new XapiDispatcher(this, { username: this.username, password: this.password });
    this.#server = createServer((request, response) => void this.#handle(request, response));
    // Longer than any pause in a test, so an idle kept-alive connection is not closed under a client.
    this.#server.keepAliveTimeout = 60_000;
  }

  /** Starts the fake on a free loopback port. */
  static async start(options: FakeXapiOptions = {}): Promise<FakeXapi> {
    const fake = new FakeXapi(options);
    await fake.#listen(0);
    fake.#port = (fake.#server.address() as AddressInfo).port;
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Every method called so far, in order, as sent (with its Async. prefix). */
  get calls(): readonly string[] {
    return this.#dispatcher.calls;
  }

  hostRef(): string {
    return this.#host;
  }

  // ── Test hooks ────────────────────────────────────────────────────────────────────────────────

  /** Cuts the host off the network (connections refused, open ones reset) or puts it back; VMs and tasks carry on. */
  async setReachable(reachable: boolean): Promise<void> {
    if (reachable === this.#server.listening) return;
    if (reachable) return this.#listen(this.#port);
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  /** A host that accepts requests and does not answer them until released, like a toolstack stuck on a lock. */
  setStalled(stalled: boolean): void {
    if (stalled && !this.#stall) {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      this.#stall = { released, release };
    }
    if (!stalled && this.#stall) {
      this.#stall.release();
      this.#stall = null;
    }
  }

  /** Every session times out: the next call with one gets SESSION_INVALID. */
  expireSessions(): void {
    for (const [ref] of this.objects.session.entries()) this.objects.session.delete(ref);
  }

  /** `xe-toolstack-restart`: sessions are forgotten and open connections dropped; the VMs keep running. */
  restartToolstack(): void {
    this.expireSessions();
    this.#server.closeAllConnections();
  }

  /** The guest never acknowledges clean shutdown or reboot requests (a hung kernel, no PV drivers answering). */
  setGuestIgnoresShutdown(vm: string, ignores = true): void {
    this.objects.vm.get(vm);
    if (ignores) this.guestsIgnoringShutdown.add(vm);
    else this.guestsIgnoringShutdown.delete(vm);
  }

  /** The next call of `method` fails with this XAPI error (inside its task when called as Async.*). */
  failNextCall(method: string, code: string, ...params: string[]): void {
    this.#dispatcher.injectFailure(method, new XapiFailure(code, ...params));
  }

  /** Work stops advancing by itself: task progress moves only by `setTaskProgress` until `releaseTasks`. */
  holdTasks(): void {
    this.tasks.hold();
  }

  releaseTasks(): void {
    this.tasks.release();
  }

  /** Tasks of Async calls still pending, oldest first. */
  pendingTasks(): string[] {
    return this.objects.task.refsWhere((task) => task.status === 'pending');
  }

  setTaskProgress(task: string, progress: number): void {
    const job = this.tasks.job(task);
    if (!job) throw new Error(`fake XAPI: no task ${task} at work`);
    job.setProgress(progress);
  }

  async stop(): Promise<void> {
    this.tasks.stop();
    this.setStalled(false);
    await this.setReachable(false);
  }

  // ── Wire ──────────────────────────────────────────────────────────────────────────────────────

  #listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (this.#stall) await this.#stall.released;
    if (request.method !== 'POST' || request.url !== '/jsonrpc') {
      return sendHtml(response, 404, '<html><body><h1>HTTP 404 not found</h1>This fake serves JSON-RPC at /jsonrpc only.</body></html>');
    }
    let call: { jsonrpc?: unknown; method?: unknown; params?: unknown; id?: unknown };
    try {
      call = JSON.parse(await readBody(request)) as typeof call;
    } catch (error) {
      return sendInternalError(response, `Jsonrpc.Parse_error(${(error as Error).message})`);
    }
    const { method, params, id } = call ?? {};
    // XAPI accepts no notifications: a call without id is as malformed as one without method or params.
    if (typeof method !== 'string' || !Array.isArray(params) || id === undefined || id === null) {
      return sendInternalError(response, 'Jsonrpc.Malformed_method_request("{jsonrpc=...,method=...,id=...}")');
    }
    const v2 = call.jsonrpc === '2.0';
    let answer: Record<string, unknown>;
    try {
      const result = await this.#dispatcher.dispatch(method, params);
      answer = v2 ? { jsonrpc: '2.0', result, id } : { result, error: null, id };
    } catch (error) {
      const failure = error instanceof XapiFailure ? error : new XapiFailure('INTERNAL_ERROR', (error as Error).message);
      answer = v2
        ? { jsonrpc: '2.0', error: { code: 1, message: failure.code, data: failure.params }, id }
        : { result: null, error: failure.errorInfo, id };
    }
    const body = JSON.stringify(answer);
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) request.destroy(new Error('request too large'));
      else chunks.push(chunk);
    });
    request.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.once('error', reject);
  });
}

function sendHtml(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, { 'content-type': 'text/html', connection: 'close', 'cache-control': 'no-cache, no-store' }).end(html);
}

/** What XAPI sends for a request it cannot even parse. */
function sendInternalError(response: ServerResponse, detail: string): void {
  const escaped = detail.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  sendHtml(
    response,
    500,
    '<html><body><h1>HTTP 500 internal server error</h1>An unexpected error occurred; please wait a while and try again. ' +
      'If the problem persists, please contact your support representative.' +
      `<h1> Additional information </h1>${escaped}</body></html>`,
  );
}
