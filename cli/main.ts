/**
 * The scopecheck command line, imported by nobody but bin/scopecheck.js (and the tests that run it).
 * Exit codes: 0 all good, 1 a property, an expectation or a diff failed, 2 usage, input or
 * environment error (common/errors.ts: the error's kind decides, here and nowhere else).
 */
import { Command, CommanderError } from 'commander';
import { isScopecheckError } from '../common/errors.js';
import { oneLine } from '../format/export/common.js';
import { processIo, VERSION, type Io } from './options.js';
import { registerCheck } from './cmd-check.js';
import { registerCompare } from './cmd-compare.js';
import { registerCorpus } from './cmd-corpus.js';
import { registerDiff } from './cmd-diff.js';
import { registerExport } from './cmd-export.js';
import { registerFuzz } from './cmd-fuzz.js';
import { registerKernel } from './cmd-kernel.js';
import { registerRecord } from './cmd-record.js';
import { registerReplay } from './cmd-replay.js';
import { registerRun } from './cmd-run.js';
import { registerValidate } from './cmd-validate.js';

export { processIo, VERSION, type Io } from './options.js';

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command();
  program
    .name('scopecheck')
    .description('Model checker for the IPC scoping semantics of Linux Landlock')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerCheck(program, io, setExit);
  registerRun(program, io, setExit);
  registerReplay(program, io, setExit);
  registerRecord(program, io, setExit);
  registerDiff(program, io, setExit);
  registerCorpus(program, io);
  registerFuzz(program, io, setExit);
  registerCompare(program, io, setExit);
  registerKernel(program, io);
  registerExport(program, io);
  registerValidate(program, io, setExit);
  return program;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = Math.max(code, c);
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    // Input and environment errors: one line (per problem), exit 2. Anything else is a bug of
    // scopecheck: its stack, exit 2 as well.
    if (isScopecheckError(e) && e.kind !== 'internal') {
      // One line, whatever a file put into the message: control characters shown as "?", bounded.
      const line = oneLine(e.message);
      io.err(`scopecheck: ${line.length > 2000 ? `${line.slice(0, 2000)}…` : line}`);
      return 2;
    }
    io.err(`scopecheck: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 2;
  }
  return code;
}
