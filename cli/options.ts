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
    'semantics: abi6 … abi11, pathname-scope-patch, a kernel release whose traces are recorded (6.12.117, 6.18.15, 6.18.44, 7.0.13, 7.1.13, 7.2.13, 7.3.4), or a path to a .ts/.js semantics module',
  );

/** The errata mask: LANDLOCK_CREATE_RULESET_ERRATA is an int, a decimal mask of at most 31 bits here. */
export const errataOption = () => intOption('--errata <mask>', 'errata mask to use instead of the semantics\' own (bit N-1 = erratum N fixed; 0 = none)', 0, 2 ** 31 - 1);

/** An integer option, written in decimal, min <= n <= max; a bad value names the long flag. */
export const intOption = (flag: string, what: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  new Option(flag, what).argParser((v: string) => {
    const n = Number(v);
    const name = /--[a-z-]+/.exec(flag)?.[0] ?? flag;
    if (!/^[0-9]{1,16}$/.test(v) || !Number.isSafeInteger(n) || n < min) throw new InputError(`${name}: "${v.slice(0, 40)}" is not a decimal integer >= ${min}`);
    if (n > max) throw new InputError(`${name}: ${n} is more than ${max}`);
    return n;
  });
