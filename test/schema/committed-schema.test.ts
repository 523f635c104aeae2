import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';

it('schema/ matches a fresh composition of the subgraphs (run npm run schema when it does not)', () => {
  expect(() => execFileSync('node_modules/.bin/tsx', ['bin/hostgraph.ts', 'schema', '--check'], { stdio: 'pipe' })).not.toThrow();
});
