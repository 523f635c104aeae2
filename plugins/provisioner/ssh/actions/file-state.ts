import { createHash } from 'node:crypto';
import type { StepScope } from '../step-scope.js';

/** A regular file's or directory's content digest (files only), mode and owners, as the VM reports them. */
export interface FileState {
  sha256: string | null;
  mode: number;
  uid: string;
  gid: string;
  user: string;
  group: string;
}

/** Prints nothing when `$1` is not a regular file (or, with $2 = d, a directory); a symlink never counts. */
const STAT = `
[ -L "$1" ] && exit 0
if [ "$2" = d ]; then [ -d "$1" ] || exit 0; echo -; else [ -f "$1" ] || exit 0; sha256sum < "$1" | cut -d' ' -f1; fi
stat -c '%a %u %g %U %G' "$1"`;

export async function fileState(scope: StepScope, path: string, type: 'file' | 'directory'): Promise<FileState | null> {
  const output = (await scope.read(`looking at ${path}`, STAT, [scope.path(path), type === 'directory' ? 'd' : 'f'])).trim();
  if (output === '') return null;
  const [digest, stat] = output.split('\n');
  const [mode, uid, gid, user, group] = stat.split(' ');
  return { sha256: digest === '-' ? null : digest, mode: Number.parseInt(mode, 8), uid, gid, user, group };
}

export const sha256 = (content: string) => createHash('sha256').update(content).digest('hex');

/** Mode and owners as a step wants them: owners by name or number, as the step gave them. */
export const ownedAsWanted = (state: FileState, wanted: { mode: string; owner: string; group: string }) =>
  state.mode === Number.parseInt(wanted.mode, 8) &&
  (state.user === wanted.owner || state.uid === wanted.owner) &&
  (state.group === wanted.group || state.gid === wanted.group);

/** Writes stdin next to the file and renames it over, so a reader never sees half a file. */
export const WRITE_FILE = `set -eu
mkdir -p "$(dirname "$1")"
new="$1.hostgraph-new"
cat > "$new"
chmod "$2" "$new"
chown "$3:$4" "$new"
mv -f "$new" "$1"`;
