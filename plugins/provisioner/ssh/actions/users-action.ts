import type { SiteUser } from '../../role/parameter-types.js';
import type { Action } from '../../role/planned-step.js';
import type { StepScope } from '../step-scope.js';
import { sha256 } from './file-state.js';
import type { PendingWork } from './pending-work.js';

type UsersAction = Extract<Action, { kind: 'users' }>;

/** The passwd and group files of the target, then one line per named user's authorized_keys: `<sha256> <mode> <uid>` or `missing`. */
const READ_ACCOUNTS = `set -eu
root=$1; shift
cat "$root/etc/passwd"; echo '#group'; cat "$root/etc/group"; echo '#keys'
for name in "$@"; do
  home=$(awk -F: -v name="$name" '$1 == name { print $6 }' "$root/etc/passwd")
  keys="\${root%/}$home/.ssh/authorized_keys"
  if [ -n "$home" ] && [ -f "$keys" ] && [ ! -L "$keys" ]; then echo "$(sha256sum < "$keys" | cut -d' ' -f1) $(stat -c '%a %u' "$keys")"; else echo missing; fi
done`;

/** useradd and friends, with --prefix when the target root is not / (shadow-utils edit $root/etc/* then). */
const ACCOUNT_TOOLS = `set -eu
root=$1; shift
on_root() { if [ "$root" = / ]; then "$@"; else tool=$1; shift; "$tool" --prefix "$root" "$@"; fi; }
field() { awk -F: -v name="$1" -v n="$2" '$1 == name { print $n }' "$root/etc/passwd"; }
`;

/**
 * Makes the user, or fixes its uid and group membership, then writes its authorized_keys. The
 * password field is `*`, not useradd's locking `!`: sshd refuses keys for a locked account.
 */
const ENSURE_USER = `${ACCOUNT_TOOLS}
name=$1 uid=$2 group=$3
grep -q "^$group:" "$root/etc/group" || on_root groupadd "$group"
if [ -z "$(field "$name" 1)" ]; then
  on_root useradd --create-home --uid "$uid" --user-group --groups "$group" --shell /bin/bash --password '*' "$name"
else
  [ "$(field "$name" 3)" = "$uid" ] || on_root usermod --uid "$uid" "$name"
  on_root usermod --append --groups "$group" "$name"
fi
gid=$(field "$name" 4)
ssh="\${root%/}$(field "$name" 6)/.ssh"
mkdir -p "$ssh"; chmod 700 "$ssh"; chown "$uid:$gid" "$ssh"
cat > "$ssh/authorized_keys.hostgraph-new"
chmod 600 "$ssh/authorized_keys.hostgraph-new"; chown "$uid:$gid" "$ssh/authorized_keys.hostgraph-new"
mv -f "$ssh/authorized_keys.hostgraph-new" "$ssh/authorized_keys"
echo "$name: uid $uid, $(grep -c . "$ssh/authorized_keys" || true) lines in authorized_keys"`;

/** The account goes; its home stays, since the site's files may be in it. */
const REMOVE_USER = `${ACCOUNT_TOOLS}
on_root userdel "$1"
echo "$1: account removed, home kept"`;

const GROUP_ONLY = `${ACCOUNT_TOOLS}
grep -q "^$1:" "$root/etc/group" || on_root groupadd "$1"`;

export const authorizedKeys = (user: SiteUser) =>
  ['# Managed by Hostgraph from the directory: changes here are overwritten.', ...user.sshKeys].join('\n') + '\n';

const parseTable = (text: string) => new Map(text.split('\n').filter((line) => line.includes(':')).map((line) => [line.split(':')[0], line.split(':')]));

export async function usersWork(action: UsersAction, scope: StepScope): Promise<PendingWork> {
  const root = scope.root;
  const output = await scope.read('reading the accounts', READ_ACCOUNTS, [root, ...action.users.map((user) => user.name)]);
  const [passwdText, rest] = output.split('\n#group\n');
  const [groupText, keysText] = rest.split('\n#keys');
  const passwd = parseTable(passwdText);
  const group = parseTable(groupText).get(action.group);
  const members = new Set(group?.[3]?.split(',').filter(Boolean) ?? []);
  const keyLines = keysText.trim().split('\n');

  const toEnsure = action.users.filter((user, index) => {
    const account = passwd.get(user.name);
    return account?.[2] !== String(user.uid) || !members.has(user.name) || keyLines[index] !== `${sha256(authorizedKeys(user))} 600 ${user.uid}`;
  });
  const wanted = new Set(action.users.map((user) => user.name));
  const toRemove = action.prune ? [...members].filter((name) => !wanted.has(name) && passwd.has(name)) : [];
  if (toEnsure.length === 0 && toRemove.length === 0 && group) return null;

  return async () => {
    if (!group) await scope.act(`adding group ${action.group}`, GROUP_ONLY, [root, action.group]);
    for (const user of toEnsure) await scope.act(`setting up user ${user.name}`, ENSURE_USER, [root, user.name, String(user.uid), action.group], authorizedKeys(user));
    for (const name of toRemove) await scope.act(`removing user ${name}`, REMOVE_USER, [root, name]);
  };
}
