#!/usr/bin/env -S npx tsx
// graphql-js and Apollo read NODE_ENV as their modules load: outside development, graphql's
// cross-realm instanceof checks (a tenth of a request's CPU) are skipped. So set it first, then
// load the CLI. Tests run the code in-process without this, and keep the checks.
process.env.NODE_ENV ??= 'production';
// tsx turns source maps on, and Node then holds the map of every module it loads, sources and
// all: 28 MB of an idle server. Traces still name the .ts files; --enable-source-maps gives exact lines.
const sourceMapsAsked = [...process.execArgv, ...(process.env.NODE_OPTIONS?.split(/\s+/) ?? [])].includes('--enable-source-maps');
if (!sourceMapsAsked) process.setSourceMapsEnabled(false);
await import('./hostgraph-cli.js');
