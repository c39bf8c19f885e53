/** The semantics interface, kept at its version-1 path for modules that import it from here. */
export * from '../hooks.js';
