import { StringDecoder } from 'node:string_decoder';

/**
 * Cuts a stream of chunks into lines as they complete, so each line reaches the task's events the
 * moment the VM prints it; a UTF-8 character split across two chunks is kept whole.
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  #partial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    const lines = (this.#partial + this.#decoder.write(chunk)).split('\n');
    this.#partial = lines.pop()!;
    for (const line of lines) this.onLine(line.replace(/\r$/, ''));
  }

  /** The last line, when the stream ended without a newline. */
  end(): void {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = '';
    if (rest !== '') this.onLine(rest.replace(/\r$/, ''));
  }
}
