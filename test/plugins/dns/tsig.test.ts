import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeOverTcp } from '../../../plugins/dns/rfc2136/tcp-exchange.js';
import { signRequest, type TsigKey, verifyResponse } from '../../../plugins/dns/rfc2136/tsig.js';
import { encodeQuery } from '../../../plugins/dns/rfc2136/update-message.js';
import { Fatal } from '../../../plugins/plugin-errors.js';
import { type BindServer, startBind } from '../../support/bind-server.js';

let bind: BindServer;
let key: TsigKey;
beforeAll(async () => {
  bind = await startBind({ zones: ['tsig.test'] });
  key = { name: bind.keys.sha512.name, algorithm: bind.keys.sha512.algorithm, secret: Buffer.from(bind.keys.sha512.secret, 'base64') };
});
afterAll(() => bind?.stop());

/** A signed SOA query, and BIND's signed answer to it. */
async function signedExchange() {
  const request = signRequest(encodeQuery(0x1234, 'tsig.test', 'A'), key);
  const response = await exchangeOverTcp({ host: bind.host, port: bind.port, timeoutMs: 5000 }, request.message);
  return { request, response };
}

describe('TSIG (RFC 8945) against BIND 9', () => {
  it('accepts the signature of a real answer', async () => {
    const { request, response } = await signedExchange();
    expect(verifyResponse(response, request, key, 'bind')).toBe(0);
  });

  it('notices an answer altered after signing', async () => {
    const { request, response } = await signedExchange();
    const altered = Buffer.from(response);
    altered[3] ^= 0x01; // the RCODE bits of the header
    expect(() => verifyResponse(altered, request, key, 'bind')).toThrow(new Fatal('the TSIG signature of the answer from bind does not verify with key hostgraph-sha512: the answer was altered or forged'));
  });

  it('notices an answer to another request', async () => {
    const { response } = await signedExchange();
    const other = signRequest(encodeQuery(0x1234, 'tsig.test', 'A'), key, Date.now() - 1000);
    expect(() => verifyResponse(response, other, key, 'bind')).toThrow(/does not verify/);
  });

  it('notices an answer signed with another secret', async () => {
    const { request, response } = await signedExchange();
    expect(() => verifyResponse(response, request, { ...key, secret: Buffer.alloc(64, 1) }, 'bind')).toThrow(/does not verify/);
  });

  it('refuses an answer signed too long ago', async () => {
    const { request, response } = await signedExchange();
    expect(() => verifyResponse(response, request, key, 'bind', Date.now() + 3_600_000)).toThrow(/too far from this machine's clock/);
  });

  it('refuses an unsigned answer', async () => {
    const { request } = await signedExchange();
    const unsigned = await exchangeOverTcp({ host: bind.host, port: bind.port, timeoutMs: 5000 }, encodeQuery(0x1234, 'tsig.test', 'A'));
    expect(() => verifyResponse(unsigned, request, key, 'bind')).toThrow(new Fatal('the answer from bind is not signed with TSIG, so it cannot be trusted'));
  });
});
