import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { PRINCIPAL_HEADER } from '../../core/principal.js';
import { runtimeLogger } from '../../gateway/runtime-logger.js';

function capturedLogger(level: string) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger(level, {}, destination), lines };
}

describe("the Hive runtime's logs", () => {
  it('reach pino as JSON with their attributes, from child loggers too, with no header secret in them', () => {
    const { logger, lines } = capturedLogger('debug');
    const child = runtimeLogger(logger).child({ requestId: 'r-1' });
    child.debug({ subgraph: 'hosting', headers: { authorization: 'Bearer dev-secret', [PRINCIPAL_HEADER]: 'signed.principal' } }, 'fetching');
    child.debug({ request: { headers: { authorization: 'Bearer other-secret' } } }, 'nested');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ component: 'gateway-runtime', requestId: 'r-1', subgraph: 'hosting', msg: 'fetching' });
    const text = JSON.stringify(lines);
    for (const secret of ['dev-secret', 'signed.principal', 'other-secret']) expect(text).not.toContain(secret);
    expect(text).toContain('[Redacted]');
  });

  it('follow the pino level', () => {
    const { logger, lines } = capturedLogger('warn');
    const runtime = runtimeLogger(logger);
    runtime.info('not shown');
    runtime.warn('shown');
    expect(lines.map((line) => line.msg)).toEqual(['shown']);
  });
});
