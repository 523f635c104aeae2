/**
 * A command line for the remote POSIX shell that ssh runs commands with. Every argument is
 * single-quoted, so nothing in it (a VM name, a path, a snapshot name) is ever read by the shell:
 * inside single quotes only `'` itself is special, and it is closed, escaped and reopened.
 */
export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('shellCommand: no program given');
  return argv.map(shellQuote).join(' ');
}

export function shellQuote(argument: string): string {
  if (argument.includes('\0')) throw new Error('shellQuote: an argument cannot contain a NUL byte');
  return `'${argument.replaceAll("'", `'\\''`)}'`;
}
