import { Fatal } from '../../plugin-errors.js';
import { checkParameterValue, type SiteUser } from './parameter-types.js';

/**
 * A role's step with its parameters filled in: what a provisioner carries out. Paths are the VM's
 * absolute paths; a provisioner with a target root other than `/` writes below that root.
 */
export type Action =
  | { kind: 'packages'; install: string[]; remove: string[] }
  | { kind: 'file'; path: string; content: string; mode: string; owner: string; group: string }
  | { kind: 'file'; path: string; absent: true }
  | { kind: 'directory'; path: string; mode: string; owner: string; group: string }
  | { kind: 'link'; path: string; target: string }
  | { kind: 'link'; path: string; absent: true }
  /** Exactly these people in `group`, with these uids and keys; with `prune`, other members lose their account. */
  | { kind: 'users'; users: SiteUser[]; group: string; prune: boolean }
  /**
   * `reloaded`/`restarted` are actions, not states: a role runs them only when notified. A
   * service that is not installed is already stopped; `optional` leaves it alone whatever the state.
   */
  | { kind: 'service'; name: string; state: 'started' | 'stopped' | 'reloaded' | 'restarted'; enabled?: boolean; optional?: boolean }
  /** `sh -c run`; satisfied when `unless` exits 0. Without `unless` it runs every time (`always`). */
  | { kind: 'command'; run: string; stdin?: string; unless?: string };

export type ActionKind = Action['kind'];
export const ACTION_KINDS: readonly ActionKind[] = ['packages', 'file', 'directory', 'link', 'users', 'service', 'command'];

export interface PlannedStep {
  role: string;
  name: string;
  action: Action;
  /** When this step changes something, the steps waiting for this notification run (even in a later run, should this one fail first). */
  notify?: string;
  /** Runs only while this notification is pending; the last such step of the role clears it. */
  whenNotified?: string;
  clearsNotification?: boolean;
}

/** Absolute, without `.`/`..` segments, without characters that would break a config line. */
export function checkPath(path: unknown, field: string): string {
  if (typeof path !== 'string' || !path.startsWith('/') || /[\0-\x1f\x7f]/.test(path) || path.split('/').some((part) => part === '.' || part === '..')) {
    throw new Error(`${field} ${JSON.stringify(path)} is not an absolute path without "." or ".."`);
  }
  return path.replace(/\/+$/, '') || '/';
}

const MODE = /^0?[0-7]{3,4}$/;
/** A user or group by name (resolved on the VM) or by number. */
const OWNER = /^(?:[a-z_][a-z0-9_-]{0,31}|\d{1,10})$/;
const SERVICE = /^[A-Za-z0-9][A-Za-z0-9@._-]*$/;
const SERVICE_STATES = ['started', 'stopped', 'reloaded', 'restarted'] as const;

function stringField(body: Record<string, unknown>, field: string, pattern?: RegExp, fallback?: string): string {
  const value = body[field] ?? fallback;
  if (typeof value !== 'string' || (pattern && !pattern.test(value))) throw new Error(`${field} ${JSON.stringify(value)} is not valid`);
  return value;
}

function onlyFields(body: Record<string, unknown>, kind: string, fields: string[]) {
  const unknown = Object.keys(body).filter((field) => !fields.includes(field));
  if (unknown.length > 0) throw new Error(`a ${kind} step has no field ${unknown.join(', ')} (it has ${fields.join(', ')})`);
}

const ownership = (body: Record<string, unknown>, defaultMode: string) => ({
  mode: stringField(body, 'mode', MODE, defaultMode).padStart(4, '0'),
  owner: stringField(body, 'owner', OWNER, 'root'),
  group: stringField(body, 'group', OWNER, 'root'),
});

/**
 * Checks a step body once its parameters are filled in, and gives it its type. `content` is what
 * the file step's `template` rendered to, when it has one.
 */
export function toAction(kind: ActionKind, body: Record<string, unknown>): Action {
  switch (kind) {
    case 'packages': {
      onlyFields(body, kind, ['install', 'remove']);
      const list = (field: string) => (body[field] === undefined ? [] : (checkParameterValue('packageNames', body[field]) as string[]));
      const install = list('install');
      const remove = list('remove');
      if (install.length + remove.length === 0 && body.install === undefined && body.remove === undefined) throw new Error('a packages step needs install or remove');
      return { kind, install, remove };
    }
    case 'file': {
      onlyFields(body, kind, ['path', 'content', 'template', 'mode', 'owner', 'group', 'absent']);
      const path = checkPath(body.path, 'path');
      if (body.absent === true) return { kind, path, absent: true };
      if (typeof body.content !== 'string') throw new Error('a file step needs content or template (or absent: true)');
      return { kind, path, content: body.content, ...ownership(body, '0644') };
    }
    case 'directory':
      onlyFields(body, kind, ['path', 'mode', 'owner', 'group']);
      return { kind, path: checkPath(body.path, 'path'), ...ownership(body, '0755') };
    case 'link': {
      onlyFields(body, kind, ['path', 'target', 'absent']);
      const path = checkPath(body.path, 'path');
      if (body.absent === true) return { kind, path, absent: true };
      const target = stringField(body, 'target');
      if (/[\0-\x1f\x7f]/.test(target) || target === '') throw new Error(`target ${JSON.stringify(target)} is not valid`);
      return { kind, path, target };
    }
    case 'users':
      onlyFields(body, kind, ['users', 'group', 'prune']);
      return {
        kind,
        users: checkParameterValue('users', body.users) as SiteUser[],
        group: stringField(body, 'group', /^[a-z_][a-z0-9_-]{0,31}$/),
        prune: body.prune === true,
      };
    case 'service': {
      onlyFields(body, kind, ['name', 'state', 'enabled', 'optional']);
      const state = stringField(body, 'state') as (typeof SERVICE_STATES)[number];
      if (!SERVICE_STATES.includes(state)) throw new Error(`service state ${JSON.stringify(state)} is not one of ${SERVICE_STATES.join(', ')}`);
      for (const flag of ['enabled', 'optional']) {
        if (body[flag] !== undefined && typeof body[flag] !== 'boolean') throw new Error(`service ${flag} is true or false`);
      }
      return {
        kind,
        name: stringField(body, 'name', SERVICE),
        state,
        ...(body.enabled === undefined ? {} : { enabled: body.enabled as boolean }),
        ...(body.optional === true ? { optional: true } : {}),
      };
    }
    case 'command': {
      onlyFields(body, kind, ['run', 'stdin', 'unless', 'always']);
      const run = stringField(body, 'run');
      const unless = body.unless === undefined ? undefined : stringField(body, 'unless');
      const stdin = body.stdin === undefined ? undefined : stringField(body, 'stdin');
      return { kind, run, ...(stdin === undefined ? {} : { stdin }), ...(unless === undefined ? {} : { unless }) };
    }
  }
}

/** Steps whose every run would report a change must say when they run, so that a second run changes nothing. */
export function checkIdempotent(kind: ActionKind, body: Record<string, unknown>, whenNotified: string | undefined): void {
  if (whenNotified !== undefined) return;
  if (kind === 'command' && body.unless === undefined && body.always !== true) {
    throw new Error('a command step needs unless (a check that exits 0 when nothing is to do), whenNotified, or always: true');
  }
  if (kind === 'service' && (body.state === 'reloaded' || body.state === 'restarted')) {
    throw new Error(`a service step that is ${body.state} every run is never unchanged: give it whenNotified`);
  }
}

export const planError = (role: string, step: string | null, message: string) =>
  new Fatal(`role ${role}${step === null ? '' : `, step "${step}"`}: ${message}`);
