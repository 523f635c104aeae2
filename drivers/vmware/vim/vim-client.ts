import { LazyResult } from './lazy-result.js';
import { moRef, type MoRef } from './managed-object.js';
import { SoapTransport } from './soap-transport.js';
import { VimFault, isFault } from './vim-errors.js';
import { child, childText, readMoRef } from './xml-reader.js';
import { el, element, moRefElement, type Xml, type XmlContent } from './xml-writer.js';

export interface VimClientOptions {
  /** vCenter or ESXi: `https://vcenter.example.edu/sdk`; `/sdk` is added when the URL has no path. */
  url: string;
  username: string;
  password: string;
  /** Accept any TLS certificate (self-signed lab servers). Default false. */
  insecure?: boolean;
  /** Default 60 s. */
  requestTimeoutMs?: number;
  /** The vim25 release this client speaks (sent as `SOAPAction: urn:vim25/<version>`). Default 7.0, as govmomi. */
  apiVersion?: string;
}

/** The managers a session works with, from the ServiceInstance. */
export interface ServiceContent {
  rootFolder: MoRef;
  propertyCollector: MoRef;
  viewManager: MoRef;
  sessionManager: MoRef;
  /** The server's API release, e.g. `8.0.2.0`. */
  apiVersion: string;
}

const SERVICE_INSTANCE = moRef('ServiceInstance', 'ServiceInstance');

/**
 * A vSphere Web Services (vim25) session: logs in on first use, and logs in again once when the
 * server says the session is gone (`NotAuthenticated`: idle timeout, vCenter restart, an operator
 * terminating it), then repeats the request.
 */
export class VimClient {
  readonly url: URL;
  readonly username: string;
  readonly #password: string;
  readonly #soapAction: string;
  readonly #transport: SoapTransport;
  readonly #session = new LazyResult(() => this.#login());

  constructor(options: VimClientOptions) {
    this.url = sdkUrl(options.url);
    this.username = options.username;
    this.#password = options.password;
    this.#soapAction = `urn:vim25/${options.apiVersion ?? '7.0'}`;
    this.#transport = new SoapTransport({
      url: this.url,
      insecure: options.insecure ?? false,
      timeoutMs: options.requestTimeoutMs ?? 60_000,
    });
  }

  /** The ServiceInstance's managers; logs in when there is no session yet. */
  serviceContent(): Promise<ServiceContent> {
    return this.#session.get();
  }

  /** Calls `method` on `target` once, in the current session. */
  async request(method: string, target: MoRef, ...parameters: XmlContent[]): Promise<Element> {
    await this.serviceContent();
    return this.#call(method, target, parameters);
  }

  /** Calls `method` on `target`, logging in again once if the session has expired. */
  invoke(method: string, target: MoRef, ...parameters: XmlContent[]): Promise<Element> {
    return this.retryOnExpiredSession(() => this.request(method, target, ...parameters));
  }

  /**
   * Runs `work` (several requests that belong together, e.g. a view and its read) and runs it once
   * more in a new session when it fails with NotAuthenticated.
   */
  async retryOnExpiredSession<T>(work: () => Promise<T>): Promise<T> {
    const session = this.serviceContent();
    await session;
    try {
      return await work();
    } catch (error) {
      if (!isFault(error, 'NotAuthenticated')) throw error;
      // Concurrent requests that hit the same expired session share one new login.
      this.#session.forget(session);
      await this.serviceContent();
      return work();
    }
  }

  /** Ends the session (when there is one) and closes the connections. */
  async close(): Promise<void> {
    const session = this.#session.current;
    this.#session.forget();
    try {
      const content = await session;
      if (content) await this.#call('Logout', content.sessionManager, []);
    } catch {
      // Nothing to end: never logged in, or the server is gone.
    } finally {
      this.#transport.close();
    }
  }

  async #login(): Promise<ServiceContent> {
    this.#transport.forgetSession(); // vCenter refuses Login inside a session that is still valid
    const content = readServiceContent(await this.#call('RetrieveServiceContent', SERVICE_INSTANCE, []));
    try {
      await this.#call('Login', content.sessionManager, [el('userName', this.username), el('password', this.#password)]);
    } catch (error) {
      if (isFault(error, 'InvalidLogin')) {
        throw new VimFault('InvalidLogin', `${this.url.origin} refused the login of ${this.username}: wrong user name or password (${error.message})`);
      }
      throw error;
    }
    return content;
  }

  #call(method: string, target: MoRef, parameters: XmlContent[]): Promise<Element> {
    const body: Xml = element(method, { xmlns: 'urn:vim25' }, moRefElement('_this', target), ...parameters);
    return this.#transport.call(this.#soapAction, body);
  }
}

function sdkUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`vmware url must be an absolute URL such as https://vcenter.example.edu/sdk, got "${url}"`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`vmware url must be https:// (or http://), got "${url}"`);
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/sdk';
  return parsed;
}

function readServiceContent(response: Element): ServiceContent {
  const content = child(response, 'returnval');
  const reference = (name: string) => {
    const found = child(content, name);
    if (!found) throw new VimFault('SystemError', `the ServiceContent has no ${name}`);
    return readMoRef(found);
  };
  return {
    rootFolder: reference('rootFolder'),
    propertyCollector: reference('propertyCollector'),
    viewManager: reference('viewManager'),
    sessionManager: reference('sessionManager'),
    apiVersion: childText(child(content, 'about'), 'apiVersion') ?? 'unknown',
  };
}
