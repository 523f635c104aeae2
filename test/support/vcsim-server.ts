import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { STATE, ensureInstalled } from './servers.js';

/** govmomi's vCenter simulator (VPX model) on loopback, with the test controls of `vcsim/main.go`. */
export interface Vcsim {
  /** `https://127.0.0.1:PORT/sdk`, a self-signed certificate. */
  url: string;
  username: string;
  password: string;
  /** Closes the port and every open connection, as a network cut would; `restore` reopens the same port. */
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** The guest of `vm` ignores ShutdownGuest from now on (the call succeeds; the VM stays on). */
  hangGuest(vm: string): Promise<void>;
  /** VMware Tools stop running in `vm`: ShutdownGuest fails with ToolsUnavailable. */
  stopGuestTools(vm: string): Promise<void>;
  /** A queued Task on `vm` that the test moves along; vcsim's own tasks end before their call returns. */
  createTask(vm: string): Promise<string>;
  setTaskProgress(task: string, percent: number): Promise<void>;
  setTaskState(task: string, state: 'running' | 'success'): Promise<void>;
  failTask(task: string, faultName: string, message: string): Promise<void>;
  stop(): Promise<void>;
}

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'vcsim', 'main.go');
const GOVMOMI = '/usr/share/gocode/src/github.com/vmware/govmomi/simulator';

export async function startVcsim(credentials = { username: 'hostgraph', password: 'vcsim-secret' }): Promise<Vcsim> {
  const binary = buildVcsim();
  // The simulator keeps its datastores in TMPDIR; a folder of its own is removed whole afterwards.
  const dir = join(STATE, `vcsim-${randomUUID().slice(0, 8)}`);
  mkdirSync(dir, { recursive: true });
  const child = spawn(binary, ['-username', credentials.username, '-password', credentials.password], {
    env: { ...process.env, TMPDIR: dir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  // One answer line per command line, in order.
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`vcsim exited: ${log}`);
    return value as string;
  };
  let queue: Promise<unknown> = Promise.resolve();
  const command = (line: string): Promise<string> => {
    const answer = queue.then(async () => {
      child.stdin.write(`${line}\n`);
      const reply = await nextLine();
      if (!reply.startsWith('ok')) throw new Error(`vcsim ${line}: ${reply}`);
      return reply.slice(2).trim();
    });
    queue = answer.catch(() => {});
    return answer;
  };

  try {
    const { url } = JSON.parse(await nextLine()) as { url: string };
    return {
      url,
      ...credentials,
      cut: async () => void (await command('cut')),
      restore: async () => void (await command('restore')),
      hangGuest: async (vm) => void (await command(`guest ${vm} hung`)),
      stopGuestTools: async (vm) => void (await command(`guest ${vm} without-tools`)),
      createTask: (vm) => command(`task-create ${vm}`),
      setTaskProgress: async (task, percent) => void (await command(`task-progress ${task} ${percent}`)),
      setTaskState: async (task, state) => void (await command(`task-state ${task} ${state}`)),
      failTask: async (task, faultName, message) => void (await command(`task-state ${task} error ${faultName} ${message}`)),
      stop: async () => {
        child.stdin.end(); // vcsim stops and removes its datastores when its input ends
        await exited;
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Builds main.go offline against Debian's govmomi, once per version of main.go. */
function buildVcsim(): string {
  ensureInstalled('/usr/bin/go', 'golang-go');
  ensureInstalled(GOVMOMI, 'golang-github-vmware-govmomi-dev');
  const hash = createHash('sha256').update(readFileSync(SOURCE)).digest('hex').slice(0, 16);
  const builds = join(STATE, 'vcsim-build');
  const binary = join(builds, hash, 'vcsim');
  if (existsSync(binary)) return binary;
  const workspace = join(builds, `${hash}-${randomUUID().slice(0, 8)}`);
  mkdirSync(workspace, { recursive: true });
  try {
    execFileSync('go', ['build', '-o', join(workspace, 'vcsim'), SOURCE], {
      env: {
        ...process.env,
        GO111MODULE: 'off',
        GOPATH: `${join(workspace, 'gopath')}:/usr/share/gocode`,
        GOPROXY: 'off',
        GOFLAGS: '',
        GOCACHE: join(builds, 'go-cache'),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    mkdirSync(dirname(binary), { recursive: true });
    // Renamed into place whole, so a concurrent run never starts a half-written binary.
    renameSync(join(workspace, 'vcsim'), binary);
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
  // Binaries of earlier versions of main.go are never used again.
  for (const entry of readdirSync(builds)) {
    if (/^[0-9a-f]{16}$/.test(entry) && entry !== hash) rmSync(join(builds, entry), { recursive: true, force: true });
  }
  return binary;
}
