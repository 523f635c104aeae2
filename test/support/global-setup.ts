import type { TestProject } from 'vitest/node';
import { chmodSync, mkdirSync } from 'node:fs';
import { providePostgres, provideRedis, STATE } from './servers.js';

declare module 'vitest' {
  interface ProvidedContext {
    redisUrl: string;
    postgresUrl: string;
  }
}

/** Makes a Redis and a PostgreSQL server available to every test file, and stops what it started. */
export default async function setup(project: TestProject) {
  // Servers that drop privileges (QEMU as libvirt-qemu, slapd, postgres) must reach their folders in here.
  mkdirSync(STATE, { recursive: true });
  chmodSync(STATE, 0o755);
  const [redis, postgres] = await Promise.all([provideRedis(), providePostgres()]);
  project.provide('redisUrl', redis.url);
  project.provide('postgresUrl', postgres.url);
  // Child processes and helpers that read the environment see the same servers.
  process.env.TEST_REDIS_URL = redis.url;
  process.env.TEST_DATABASE_URL = postgres.url;
  return async () => {
    await redis.stop();
    await postgres.stop();
  };
}
