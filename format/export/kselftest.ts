import type { ExportInput } from './common.js';

export function exportKselftest(input: ExportInput): string {
  return input.scenario.name ?? '';
}
