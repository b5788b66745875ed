// A tiny TypeScript runner for child processes and benchmarks: compiles .ts on require with
// the same swc settings as jest, and maps @logbook/<lib> to libs/<lib>/src like tsconfig.
// Usage: node -r ./libs/eventstore/src/testing/ts-register.cjs file.ts
/* global require, __dirname */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

const root = path.resolve(__dirname, '../../../..');

require.extensions['.ts'] = function compile(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};

const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveLogbook(request, ...rest) {
  const m = /^@logbook\/([^/]+)$/.exec(request);
  return resolve.call(this, m ? path.join(root, 'libs', m[1], 'src') : request, ...rest);
};
