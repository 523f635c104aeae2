import { Agent } from 'node:https';
import * as acme from 'acme-client';

/**
 * acme-client sends every request through one axios instance shared by the process. A CA whose
 * TLS certificate is not publicly trusted (a university's, or pebble in the tests) gets an agent
 * that trusts its certificates, for requests to its own origin only; nothing else changes.
 * Returns the function that takes the agent away again.
 */
export function trustAcmeServer(directoryUrl: string, caCertificates: string[]): () => void {
  const origin = new URL(directoryUrl).origin;
  const agent = new Agent({ ca: caCertificates, keepAlive: true });
  const id = acme.axios.interceptors.request.use((request) => {
    if (request.url && new URL(request.url, origin).origin === origin) request.httpsAgent = agent;
    return request;
  });
  return () => {
    acme.axios.interceptors.request.eject(id);
    agent.destroy();
  };
}
