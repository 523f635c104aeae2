import type { Action } from '../../role/planned-step.js';
import type { StepScope } from '../step-scope.js';
import { fileState, ownedAsWanted, sha256, WRITE_FILE } from './file-state.js';
import type { PendingWork } from './pending-work.js';

type FileAction = Extract<Action, { kind: 'file' }>;
type DirectoryAction = Extract<Action, { kind: 'directory' }>;
type LinkAction = Extract<Action, { kind: 'link' }>;

const EXISTS = '[ -e "$1" ] || [ -L "$1" ]';
const REMOVE = 'rm -f "$1"';

async function absent(scope: StepScope, path: string): Promise<PendingWork> {
  const target = scope.path(path);
  if ((await scope.probe(EXISTS, [target])).exitCode !== 0) return null;
  return () => scope.act(`removing ${path}`, REMOVE, [target]);
}

export async function fileWork(action: FileAction, scope: StepScope): Promise<PendingWork> {
  if ('absent' in action) return absent(scope, action.path);
  const state = await fileState(scope, action.path, 'file');
  if (state && state.sha256 === sha256(action.content) && ownedAsWanted(state, action)) return null;
  return () => scope.act(`writing ${action.path}`, WRITE_FILE, [scope.path(action.path), action.mode, action.owner, action.group], action.content);
}

export async function directoryWork(action: DirectoryAction, scope: StepScope): Promise<PendingWork> {
  const state = await fileState(scope, action.path, 'directory');
  if (state && ownedAsWanted(state, action)) return null;
  return () =>
    scope.act(`making directory ${action.path}`, 'set -eu; mkdir -p "$1"; chmod "$2" "$1"; chown "$3:$4" "$1"', [scope.path(action.path), action.mode, action.owner, action.group]);
}

export async function linkWork(action: LinkAction, scope: StepScope): Promise<PendingWork> {
  if ('absent' in action) return absent(scope, action.path);
  const current = await scope.probe('readlink "$1"', [scope.path(action.path)]);
  if (current.exitCode === 0 && current.stdout === action.target) return null;
  return () =>
    scope.act(`linking ${action.path} to ${action.target}`, 'set -eu; mkdir -p "$(dirname "$2")"; ln -sfn "$1" "$2"', [action.target, scope.path(action.path)]);
}
