import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { XapiError, XapiTransportError } from './xapi-error.js';

export interface JsonRpcTransportOptions {
  /** The host's address; calls are POSTed to `<url>/jsonrpc`. */
  url: string;
  /** How long one call may wait for its answer. */
  requestTimeoutMs: number;
  /** PEM certificates to trust for https (XAPI hosts ship self-signed ones). */
  ca?: string;
}

/** Network failures where the host may answer later; anything else (TLS trust, bad URL) will not mend by itself. */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN',
  'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET',
]);

/** Idle connections the host may have closed at once (after a toolstack restart, all of them). */
const MAX_STALE_CONNECTIONS = 8;

/** A proxy or load balancer in front of the host saying it is unavailable for now. */
const TRANSIENT_HTTP_STATUSES = new Set([502, 503, 504]);

/**
 * XAPI's JSON-RPC 2.0 wire format: one POST per call to `/jsonrpc`, positional `params`, and either
 * `result` or `error: { code, message: <XAPI error code>, data: [<params>] }` in the answer. XAPI
 * answers malformed requests with HTTP 500 and an HTML page, and old hosts without JSON-RPC answer
 * with XML; both are reported, not parsed.
 */
export class JsonRpcTransport {
  readonly #endpoint: URL;
  readonly #options: JsonRpcTransportOptions;
  readonly #agent: HttpAgent | HttpsAgent;
  #nextId = 1;

  constructor(options: JsonRpcTransportOptions) {
    const base = new URL(options.url);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new Error(`xen url must be http:// or https://, got ${options.url}`);
    }
    this.#endpoint = new URL('jsonrpc', base.href.endsWith('/') ? base : `${base.href}/`);
    this.#options = options;
    this.#agent = base.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, ca: options.ca }) : new HttpAgent({ keepAlive: true });
  }

  get origin(): string {
    return this.#endpoint.origin;
  }

  async call(method: string, params: readonly unknown[]): Promise<unknown> {
    const body = JSON.stringify({ jsonrpc: '2.0', method, params, id: this.#nextId++ });
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#post(method, body);
      } catch (error) {
        // A reset on a reused kept-alive connection, before any answer, almost always means the host
        // had closed it while idle and the request never arrived (the case Node documents with
        // `request.reusedSocket`): send it again on a fresh connection.
        if (!(error instanceof StaleConnection)) throw error;
        if (attempt >= MAX_STALE_CONNECTIONS) throw error.failure;
      }
    }
  }

  #post(method: string, body: string): Promise<unknown> {
    const send = this.#endpoint.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<unknown>((resolve, reject) => {
      let answered = false;
      const request = send(this.#endpoint, {
        method: 'POST',
        agent: this.#agent,
        headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      const timer = setTimeout(() => {
        request.destroy(
          new XapiTransportError(`no answer from XAPI at ${this.origin} to ${method} within ${this.#options.requestTimeoutMs} ms`, true),
        );
      }, this.#options.requestTimeoutMs);
      request.once('error', (error: Error & { code?: string }) => {
        clearTimeout(timer);
        if (error instanceof XapiTransportError) return reject(error);
        const failure = this.#networkError(method, error);
        const closedWhileIdle = request.reusedSocket && !answered && (error.code === 'ECONNRESET' || error.message === 'socket hang up');
        reject(closedWhileIdle ? new StaleConnection(failure) : failure);
      });
      request.once('response', (response) => {
        answered = true;
        readBody(response).then(
          (text) => {
            clearTimeout(timer);
            try {
              resolve(this.#answer(method, response, text));
            } catch (error) {
              reject(error);
            }
          },
          (error: unknown) => {
            clearTimeout(timer);
            reject(this.#networkError(method, error as Error));
          },
        );
      });
      request.end(body);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  #answer(method: string, response: IncomingMessage, text: string): unknown {
    const status = response.statusCode ?? 0;
    if (status !== 200) {
      throw new XapiTransportError(
        `XAPI at ${this.origin} answered ${method} with HTTP ${status}: ${plainText(text)}`,
        TRANSIENT_HTTP_STATUSES.has(status),
      );
    }
    if (!String(response.headers['content-type'] ?? '').startsWith('application/json')) {
      throw new XapiTransportError(
        `${this.#endpoint.href} did not answer in JSON (content-type ${response.headers['content-type']}); ` +
          'is it a XAPI host with JSON-RPC (XenServer 7.3 / XCP-ng 7.4 or later)?',
        false,
      );
    }
    let payload: { result?: unknown; error?: unknown };
    try {
      payload = JSON.parse(text) as typeof payload;
    } catch {
      throw new XapiTransportError(`XAPI at ${this.origin} answered ${method} with invalid JSON: ${text.slice(0, 200)}`, false);
    }
    const { error } = payload;
    if (error === undefined || error === null) return payload.result;
    // JSON-RPC 2.0 carries the XAPI error as { message: code, data: params }; 1.0 as [code, ...params].
    if (Array.isArray(error)) throw XapiError.fromErrorInfo(error, method);
    const { message, data } = error as { message?: unknown; data?: unknown };
    throw XapiError.fromErrorInfo([message, ...(Array.isArray(data) ? data : [])], method);
  }

  #networkError(method: string, error: Error & { code?: string }): XapiTransportError {
    const code = error.code ?? '';
    const transient = TRANSIENT_NETWORK_CODES.has(code) || error.message === 'socket hang up';
    const hint = code.includes('CERT') || code.includes('SELF_SIGNED') ? ' (give the pool certificate as the `ca` option)' : '';
    return new XapiTransportError(`cannot reach XAPI at ${this.origin} for ${method}: ${error.message}${hint}`, transient, { cause: error });
  }
}

/** The request died on a kept-alive connection the host had already closed. */
class StaleConnection extends Error {
  constructor(readonly failure: XapiTransportError) {
    super(failure.message);
  }
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.once('error', reject);
    response.once('aborted', () => reject(new Error('socket hang up')));
  });
}

/** XAPI's HTTP errors are HTML pages; their words are what matters. */
function plainText(html: string): string {
  return html.replace(/<[^>]*>/g, ' ').replace(/&quot;/g, '"').replace(/\s+/g, ' ').trim().slice(0, 300);
}
