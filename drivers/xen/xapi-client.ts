import { JsonRpcTransport, type JsonRpcTransportOptions } from './json-rpc-transport.js';
import { isXapiError } from './xapi-error.js';

export interface XapiClientOptions extends JsonRpcTransportOptions {
  username: string;
  password: string;
}

/** Sent with the login so the host's audit log says who logged in. */
const ORIGINATOR = 'hostgraph';
const API_VERSION = '1.0';

/**
 * Calls XAPI with a session: logs in on first use, passes the session reference as every call's
 * first parameter, and logs in again once when XAPI says SESSION_INVALID (the toolstack restarted
 * or the session expired). XAPI checks the session before doing anything, so repeating the call is
 * safe. Calls that run at the same time share one login.
 */
export class XapiClient {
  readonly #transport: JsonRpcTransport;
  readonly #username: string;
  readonly #password: string;
  #session: Promise<string> | null = null;
  /** The reference `#session` resolved to; null while a login is under way. */
  #sessionRef: string | null = null;

  constructor(options: XapiClientOptions) {
    this.#transport = new JsonRpcTransport(options);
    this.#username = options.username;
    this.#password = options.password;
  }

  get origin(): string {
    return this.#transport.origin;
  }

  async call<T>(method: string, ...args: unknown[]): Promise<T> {
    const session = await this.#login();
    try {
      return (await this.#transport.call(method, [session, ...args])) as T;
    } catch (error) {
      if (!isXapiError(error, 'SESSION_INVALID')) throw error;
      this.#forget(session);
      return (await this.#transport.call(method, [await this.#login(), ...args])) as T;
    }
  }

  /** Ends the session (best effort: a host that is gone has forgotten it anyway) and closes the connections. */
  async close(): Promise<void> {
    const session = this.#session;
    this.#session = null;
    this.#sessionRef = null;
    try {
      if (session) await this.#transport.call('session.logout', [await session]);
    } catch {
      // nothing to log out of
    } finally {
      this.#transport.close();
    }
  }

  #login(): Promise<string> {
    if (!this.#session) {
      this.#sessionRef = null;
      const login = this.#transport
        .call('session.login_with_password', [this.#username, this.#password, API_VERSION, ORIGINATOR])
        .then((session) => {
          if (this.#session === login) this.#sessionRef = String(session);
          return String(session);
        });
      // A failed login is not remembered: the next call tries again (the host may be back).
      login.catch(() => {
        if (this.#session === login) this.#session = null;
      });
      this.#session = login;
    }
    return this.#session;
  }

  /** Drops a session XAPI refused, unless a call running alongside already replaced it. */
  #forget(session: string): void {
    if (this.#sessionRef !== session) return;
    this.#session = null;
    this.#sessionRef = null;
  }
}
