/**
 * An XAPI error as the fake raises it: the code and its parameters, exactly as the XenAPI reference
 * (ocaml/idl/datamodel_errors.ml) lists them, e.g. `HANDLE_INVALID [class, handle]`.
 */
export class XapiFailure extends Error {
  readonly params: string[];

  constructor(
    readonly code: string,
    ...params: string[]
  ) {
    super(`${code} [${params.join(', ')}]`);
    this.name = 'XapiFailure';
    this.params = params;
  }

  /** The `error_info` of a task, and the JSON-RPC 1.0 `error`: the code, then its parameters. */
  get errorInfo(): string[] {
    return [this.code, ...this.params];
  }
}
