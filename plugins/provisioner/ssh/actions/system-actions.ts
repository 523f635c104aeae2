import type { Action } from '../../role/planned-step.js';
import type { StepScope } from '../step-scope.js';
import type { PendingWork } from './pending-work.js';

type PackagesAction = Extract<Action, { kind: 'packages' }>;
type ServiceAction = Extract<Action, { kind: 'service' }>;
type CommandAction = Extract<Action, { kind: 'command' }>;

/** Packages and services go through `hostgraph-system` (tools/debian/hostgraph-system says what it answers). */
const SYSTEM = 'exec hostgraph-system "$@"';

export async function packagesWork(action: PackagesAction, scope: StepScope): Promise<PendingWork> {
  const names = [...action.install, ...action.remove];
  const output = await scope.read('asking which packages are installed', SYSTEM, ['packages', 'status', ...names]);
  const installed = new Set(
    output
      .split('\n')
      .map((line) => line.trim().split(' '))
      .filter(([, status]) => status === 'installed')
      .map(([name]) => name),
  );
  const missing = action.install.filter((name) => !installed.has(name));
  const present = action.remove.filter((name) => installed.has(name));
  if (missing.length + present.length === 0) return null;
  return async () => {
    if (missing.length > 0) await scope.act(`installing ${missing.join(' ')}`, SYSTEM, ['packages', 'install', ...missing]);
    if (present.length > 0) await scope.act(`removing ${present.join(' ')}`, SYSTEM, ['packages', 'remove', ...present]);
  };
}

export async function serviceWork(action: ServiceAction, scope: StepScope): Promise<PendingWork> {
  const run = (verb: string) => scope.act(`${verb} of service ${action.name}`, SYSTEM, ['service', verb, action.name]);
  if (action.state === 'reloaded' || action.state === 'restarted') {
    const verb = action.state === 'reloaded' ? 'reload' : 'restart';
    return () => run(verb);
  }
  const status = (await scope.read(`asking about service ${action.name}`, SYSTEM, ['service', 'status', action.name])).trim();
  // Nothing to stop in a service that is not installed.
  if (status === 'absent' && (action.state === 'stopped' || action.optional)) return null;
  const [active, enabled] = status.split(' ');
  const verbs: string[] = [];
  if (action.enabled !== undefined && (enabled === 'enabled') !== action.enabled) verbs.push(action.enabled ? 'enable' : 'disable');
  if (action.state === 'started' && active !== 'active') verbs.push('start');
  if (action.state === 'stopped' && active === 'active') verbs.push('stop');
  if (verbs.length === 0) return null;
  return async () => {
    for (const verb of verbs) await run(verb);
  };
}

export async function commandWork(action: CommandAction, scope: StepScope): Promise<PendingWork> {
  if (action.unless !== undefined && (await scope.probe(action.unless)).exitCode === 0) return null;
  return () => scope.act(`the command`, action.run, [], action.stdin);
}
