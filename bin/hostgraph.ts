#!/usr/bin/env -S npx tsx
// graphql-js and Apollo read NODE_ENV as their modules load: outside development, graphql's
// cross-realm instanceof checks (a tenth of a request's CPU) are skipped. So set it first, then
// load the CLI. Tests run the code in-process without this, and keep the checks.
process.env.NODE_ENV ??= 'production';
await import('./hostgraph-cli.js');
