/**
 * What every command shares: the output channels (Io) and the options that parse the same way
 * everywhere. Commands import this file, never cli/main.ts.
 */
import { Option } from 'commander';
import { InputError } from '../common/errors.js';

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

/** --semantics (repeatable where a command takes several). */
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

/** An integer option (>= min); a bad value names the long flag. */
export const intOption = (flag: string, what: string, min = 0) =>
  new Option(flag, what).argParser((v: string) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new InputError(`${/--[a-z-]+/.exec(flag)?.[0] ?? flag}: "${v}" is not an integer >= ${min}`);
    return n;
  });
