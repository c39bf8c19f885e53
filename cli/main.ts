/**
 * The scopecheck command line. Exit codes: 0 all good, 1 a property, an expectation or a diff
 * failed, 2 usage or input error.
 */
import { Command, CommanderError, Option } from 'commander';
import { InputError } from './io.js';
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

export const VERSION = '0.1.0';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
}

export const processIo: Io = {
  out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
  err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
  isTTY: Boolean(process.stderr.isTTY),
};

/** Shared option: --semantics (repeatable where a command takes several). */
export const semanticsOption = (multiple: boolean) =>
  new Option(
    multiple ? '-s, --semantics <name...>' : '-s, --semantics <name>',
    'semantics: abi6 … abi11, pathname-scope-patch, or a path to a .ts/.js semantics module',
  );

export const errataOption = () =>
  new Option('--errata <mask>', 'errata mask to use instead of the semantics\' own (bit N-1 = erratum N fixed; 0 = none)').argParser(
    (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new InputError(`--errata: "${v}" is not a non-negative integer`);
      return n;
    },
  );

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command();
  program
    .name('scopecheck')
    .description('Model checker for the IPC scoping semantics of Linux Landlock')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError();
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
    if (e instanceof InputError) {
      io.err(`scopecheck: ${e.message}`);
      return 2;
    }
    throw e;
  }
  return code;
}
