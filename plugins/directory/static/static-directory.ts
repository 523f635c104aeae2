import { readFile } from 'node:fs/promises';
import { DirectoryUnavailable, type Directory, type DirectorySnapshot } from '../directory.js';
import { parseDirectoryFile } from './directory-file.js';

/**
 * People and groups from a YAML file: the embedded default, and a stand-in where no LDAP exists.
 * The file is read again at every snapshot, so an edit counts without a restart.
 */
export class StaticDirectory implements Directory {
  readonly kind = 'static';

  constructor(readonly file: string) {}

  async snapshot(): Promise<DirectorySnapshot> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      throw new DirectoryUnavailable(`cannot read the directory file ${this.file}: ${(error as Error).message}`, { cause: error });
    }
    return parseDirectoryFile(text, this.file);
  }

  async close() {}
}
