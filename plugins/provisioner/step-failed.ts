import { Fatal } from '../plugin-errors.js';

/** How many of a failing step's last lines its message quotes; `output` keeps them all. */
const QUOTED_LINES = 30;

/** A step of a role failed on the VM: which one, how, and everything it printed. */
export class StepFailed extends Fatal {
  constructor(
    readonly role: string,
    readonly step: string,
    readonly exitCode: number,
    readonly output: string[],
    what: string,
  ) {
    const tail = output.slice(-QUOTED_LINES);
    const omitted = output.length - tail.length;
    super(
      `role ${role}, step "${step}": ${what} exited with ${exitCode}` +
        (tail.length > 0 ? `:\n${omitted > 0 ? `[${omitted} earlier lines]\n` : ''}${tail.join('\n')}` : ' and printed nothing'),
    );
  }
}
