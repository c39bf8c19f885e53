#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

// A closed pipe (e.g. `scopecheck run … | head`) ends the program quietly.
for (const s of [process.stdout, process.stderr])
  s.on('error', (e) => {
    if (e && e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`scopecheck: internal error: ${e && e.stack ? e.stack : e}\n`);
    process.exitCode = 2;
  },
);
