#!/usr/bin/env node
'use strict';
// Logbook needs Node >= 24 (node:sqlite). npm scripts and npx use the project's own Node 24
// from node_modules/.bin; a system Node that is older gets a clear message instead of a crash.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`logbook needs Node.js >= 24 (this is ${process.version}). Run it as "npx logbook ..." from the checkout, which uses the project's Node 24.\n`);
  process.exit(1);
}
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('logbook is not built yet: run "npm run build" first.\n');
  process.exit(1);
}
require(entry);
