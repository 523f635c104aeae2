import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Benchmark } from '../benchmark.js';
import { percentile } from '../support/percentile.js';
import { ExpectedHostKeys } from '../../plugins/provisioner/ssh/expected-host-keys.js';
import { SshSession } from '../../plugins/provisioner/ssh/ssh-session.js';
import { startSshd, type SshdServer } from '../../test/support/sshd-server.js';
import { sshProvisioner, targetOf, TestRoot } from '../../test/plugins/provisioner/test-host.js';
import { STEPS, writeTwentyStepRole } from './twenty-step-role.js';

const REPEATS = 5;
const BARE_SAMPLES = 20;

const accepted = (sshd: SshdServer) => readFileSync(sshd.logFile, 'utf8').split('\n').filter((line) => line.includes('Accepted publickey')).length;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}

/**
 * A 20-step role over SSH to the loopback sshd, as the provisioner runs it on a VM: wall time of
 * the first run (everything changes) and of repeated runs (nothing does), and the connections
 * each run opened, counted by the provisioner and by sshd's own log. For scale, what one script's
 * round trip on the run's shell and one whole connection cost on the same sshd.
 */
export const sshRole: Benchmark = {
  name: 'ssh-role',
  description: `a ${STEPS}-step role over one SSH connection to the local sshd: wall time and connections per run`,
  async run() {
    const sshd = await startSshd();
    const root = new TestRoot();
    try {
      const role = writeTwentyStepRole(join(root.path, 'roles'));
      const provisioner = sshProvisioner(sshd, root, { rolesDirectory: join(root.path, 'roles') });
      const parameters = { site: 'bench.hosting.test', settings: ['www.bench.hosting.test', 'api.bench.hosting.test'] };
      const runs: { ms: number; changed: number; connections: number; acceptedBySshd: number }[] = [];
      for (let round = 0; round <= REPEATS; round++) {
        const before = accepted(sshd);
        const { ms, result } = await timed(() => provisioner.run(targetOf(sshd), [{ role, parameters }]));
        if (result.steps.filter((step) => step.role === role).length !== STEPS) throw new Error(`the role ran ${result.steps.length} steps`);
        runs.push({ ms, changed: result.changed, connections: result.connections, acceptedBySshd: accepted(sshd) - before });
      }
      if (runs.slice(1).some((run) => run.changed !== 0)) throw new Error('a repeated run changed something: the role is not idempotent');

      const login = { host: sshd.host, port: sshd.port, username: sshd.username, privateKey: sshd.privateKey, hostKeys: new ExpectedHostKeys([sshd.hostPublicKey]), deadline: Date.now() + 30_000 };
      const connects: number[] = [];
      for (let i = 0; i < REPEATS; i++) connects.push((await timed(async () => (await SshSession.open(login)).close())).ms);
      const session = await SshSession.open(login);
      const scripts: number[] = [];
      for (let i = 0; i < BARE_SAMPLES; i++) scripts.push((await timed(() => session.run('true', []))).ms);
      session.close();

      const first = runs[0];
      const repeated = runs.slice(1).map((run) => run.ms);
      const repeatedMedian = percentile(repeated, 50);
      const scriptMedian = percentile(scripts, 50);
      const connectMedian = percentile(connects, 50);
      return {
        measurements: [
          { label: 'first run (every step changes), wall time', value: Math.round(first.ms), unit: 'ms' },
          { label: `repeated run (nothing changes), median of ${REPEATS}`, value: Math.round(repeatedMedian), unit: 'ms' },
          { label: 'connections opened per run, most in any run (provisioner)', value: Math.max(...runs.map((run) => run.connections)), unit: 'connections', target: { kind: 'below', bound: 2 } },
          { label: 'connections accepted per run, most in any run (sshd log)', value: Math.max(...runs.map((run) => run.acceptedBySshd)), unit: 'connections', target: { kind: 'below', bound: 2 } },
          { label: 'one bare script (`true`) on the run\'s shell, median', value: Number(scriptMedian.toFixed(1)), unit: 'ms' },
          { label: 'one connection: handshake, login, shell, median', value: Math.round(connectMedian), unit: 'ms' },
          { label: 'repeated run ÷ bare script (round trips\' worth per run)', value: Number((repeatedMedian / scriptMedian).toFixed(1)), unit: '×' },
          { label: 'a connection per step would add, relative to the repeated run', value: Number(((STEPS * connectMedian) / repeatedMedian).toFixed(1)), unit: '×' },
        ],
        details: { runs, connectsMs: connects.map(Math.round), scriptsMs: scripts.map((ms) => Number(ms.toFixed(1))), steps: STEPS },
      };
    } finally {
      root.remove();
      await sshd.stop();
    }
  },
};
