/**
 * A failure XAPI reported, in its own terms: the error code and its parameters as the XenAPI
 * reference lists them (`VM_BAD_POWER_STATE [vm, expected, actual]`), and the call that got it.
 */
export class XapiError extends Error {
  constructor(
    readonly code: string,
    readonly params: readonly string[],
    readonly method: string,
  ) {
    super(params.length ? `${code} [${params.join(', ')}]` : code);
    this.name = 'XapiError';
  }

  /** `error_info` of a failed task, or the `error` of a JSON-RPC answer: the code first, then its parameters. */
  static fromErrorInfo(errorInfo: readonly unknown[], method: string): XapiError {
    const [code, ...params] = errorInfo.map(String);
    return new XapiError(code ?? 'UNKNOWN_ERROR', params, method);
  }
}

export function isXapiError(error: unknown, code?: string): error is XapiError {
  return error instanceof XapiError && (code === undefined || error.code === code);
}

/** The request did not get an XAPI answer: the host is unreachable, silent, or not speaking JSON-RPC. */
export class XapiTransportError extends Error {
  constructor(
    message: string,
    /** Whether trying again later can help (a down host) or not (a certificate XAPI's url does not match). */
    readonly transient: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'XapiTransportError';
  }
}
