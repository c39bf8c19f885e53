/**
 * The one error taxonomy of scopecheck. Every module at an edge (files, the replayer, qemu, user
 * modules) turns its failures into a ScopecheckError of one kind; cli/main.ts alone turns kinds
 * into exit codes and one-line messages:
 *
 * - input: a file, a scenario or an option is not what it should be (exit 2, names file, step, field or option);
 * - environment: the machine lacks something or refused (exit 2, says what to do);
 * - internal: a bug of scopecheck (exit 2, with the stack, since it is ours to fix).
 *
 * Pure: no I/O.
 */
export type ErrorKind = 'input' | 'environment' | 'internal';

export class ScopecheckError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ScopecheckError';
  }
}

/** Bad input or usage (exit 2). */
export class InputError extends ScopecheckError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('input', message, options);
    this.name = 'InputError';
  }
}

/** The machine lacks something the command needs, or refused it (exit 2). */
export class EnvironmentError extends ScopecheckError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('environment', message, options);
    this.name = 'EnvironmentError';
  }
}

export const isScopecheckError = (e: unknown): e is ScopecheckError => e instanceof ScopecheckError;
