/**
 * What a plugin's upstream (a DNS server, a CA, a VM over SSH) did wrong, as a task step needs to
 * know it: retry the step later, or give up and compensate. `message` keeps the upstream's words.
 */
export class PluginError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Try again later: the server is unreachable, timed out, or failed on its side. */
export class Transient extends PluginError {}

/** Retrying will not help: credentials refused, request refused, or the request itself is wrong. */
export class Fatal extends PluginError {}
