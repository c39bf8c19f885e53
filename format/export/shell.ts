import type { ExportInput } from './common.js';

export function exportShell(input: ExportInput): string {
  return input.scenario.name ?? '';
}
