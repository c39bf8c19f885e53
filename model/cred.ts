/**
 * Whose domain a task acts with (kernel: security/landlock/cred.h).
 *
 * Credentials are per thread: a task's domain is the one its own thread holds. The applicable
 * subject for an access mask is the domain if some layer handles the mask, else none (the hook
 * allows at once); the layer reported is the youngest one handling it.
 */
import type { MaybeDomain } from './domain.js';

export type MaskKind = 'scope' | 'fs';

/** landlock_get_applicable_subject(): the youngest layer handling any bit of `mask`, or -1. */
export function applicableLayer(d: MaybeDomain, kind: MaskKind, mask: number): number {
  if (!d) return -1;
  for (let i = d.layers.length - 1; i >= 0; i--) if (d.layers[i]![kind] & mask) return i;
  return -1;
}
