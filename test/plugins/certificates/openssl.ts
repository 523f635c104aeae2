import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { STATE } from '../../support/servers.js';

const run = promisify(execFile);

/** The real openssl, on files in a scratch folder: what an operator would run to check a certificate. */
export class OpenSsl {
  readonly directory = mkdtempSync(join(STATE, 'openssl-'));

  file(name: string, content: string): string {
    const path = join(this.directory, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  }

  /** What openssl prints, stdout and stderr together; a non-zero exit is part of the answer, not an error. */
  async run(...args: string[]): Promise<string> {
    try {
      const { stdout, stderr } = await run('openssl', args, { cwd: this.directory });
      return stdout + stderr;
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      return `${stdout}${stderr}exit ${(error as { code?: number }).code}`;
    }
  }
}
