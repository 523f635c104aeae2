import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { VimUnavailableError, VimProtocolError, readSoapFault } from './vim-errors.js';
import { child, children, parseXml } from './xml-reader.js';
import type { Xml } from './xml-writer.js';

export interface SoapTransportOptions {
  /** The SDK endpoint, e.g. `https://vcenter.example.edu/sdk`. */
  url: URL;
  /** Accept any TLS certificate. */
  insecure: boolean;
  /** A request that gets no answer for this long fails as a connection error. */
  timeoutMs: number;
}

const ENVELOPE_START =
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"' +
  ' xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
  '<soapenv:Body>';
const ENVELOPE_END = '</soapenv:Body></soapenv:Envelope>';

/**
 * Posts SOAP envelopes to one vSphere endpoint over kept-alive connections and carries the session
 * cookie (`vmware_soap_session`) that Login sets. Answers with the body's response element; a SOAP
 * fault throws VimFault, anything else that is not SOAP throws a connection or protocol error.
 */
export class SoapTransport {
  readonly #url: URL;
  readonly #timeoutMs: number;
  readonly #agent: HttpAgent;
  readonly #cookies = new Map<string, string>();

  constructor(options: SoapTransportOptions) {
    this.#url = options.url;
    this.#timeoutMs = options.timeoutMs;
    this.#agent =
      options.url.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, rejectUnauthorized: !options.insecure })
        : new HttpAgent({ keepAlive: true });
  }

  /** Forgets the session cookie, so the next Login starts a new session. */
  forgetSession(): void {
    this.#cookies.clear();
  }

  async call(soapAction: string, body: Xml): Promise<Element> {
    const { status, text } = await this.#post(soapAction, ENVELOPE_START + body.text + ENVELOPE_END);
    let soapBody: Element | undefined;
    try {
      soapBody = child(parseXml(text).documentElement, 'Body');
    } catch {
      // Not XML: a proxy's error page, or not a vSphere endpoint at all.
    }
    if (!soapBody) {
      const problem = `${this.#url.href} answered HTTP ${status} without a SOAP envelope`;
      if (status >= 500) throw new VimUnavailableError(problem);
      throw new VimProtocolError(`${problem}; is it a vSphere SDK endpoint (https://vcenter/sdk)?`);
    }
    const response = children(soapBody)[0];
    if (!response) throw new VimProtocolError(`${this.#url.href} answered an empty SOAP body`);
    if (response.localName === 'Fault') throw readSoapFault(response);
    return response;
  }

  close(): void {
    this.#agent.destroy();
  }

  #post(soapAction: string, envelope: string): Promise<{ status: number; text: string }> {
    const send = this.#url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const fail = (error: Error) =>
        reject(new VimUnavailableError(`cannot reach ${this.#url.origin}: ${error.message}`, { cause: error }));
      const request = send(
        this.#url,
        {
          method: 'POST',
          agent: this.#agent,
          timeout: this.#timeoutMs,
          headers: {
            'content-type': 'text/xml; charset=utf-8',
            soapaction: soapAction,
            ...(this.#cookies.size > 0 ? { cookie: [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ') } : {}),
          },
        },
        (response) => {
          this.#keepCookies(response);
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', fail);
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${this.#timeoutMs} ms`)));
      request.on('error', fail);
      request.end(envelope);
    });
  }

  #keepCookies(response: IncomingMessage): void {
    for (const header of response.headers['set-cookie'] ?? []) {
      const [pair] = header.split(';');
      const separator = pair.indexOf('=');
      if (separator > 0) this.#cookies.set(pair.slice(0, separator).trim(), pair.slice(separator + 1).trim());
    }
  }
}
