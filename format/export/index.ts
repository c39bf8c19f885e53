/**
 * The exporters: scenario + the model's outcomes → text in another format. Pure (the SVG export
 * gets its layout engine, Graphviz, in ExportInput.layout).
 */
import { exportC } from './c.js';
import type { ExportInput } from './common.js';
import { exportDot } from './dot.js';
import { exportKselftest } from './kselftest.js';
import { exportMermaid } from './mermaid.js';
import { exportShell } from './shell.js';
import { exportSvg } from './svg.js';

export type { ExportInput } from './common.js';
export type { Layout } from './svg.js';
export { exportC, exportDot, exportKselftest, exportMermaid, exportShell, exportSvg };

export const EXPORT_FORMATS = {
  c: exportC,
  kselftest: exportKselftest,
  shell: exportShell,
  mermaid: exportMermaid,
  svg: exportSvg,
  dot: exportDot,
} as const satisfies Record<string, (i: ExportInput) => string>;

export type ExportFormat = keyof typeof EXPORT_FORMATS;

export const isExportFormat = (s: string): s is ExportFormat => Object.hasOwn(EXPORT_FORMATS, s);

export function exportScenario(format: ExportFormat, input: ExportInput): string {
  return EXPORT_FORMATS[format](input);
}
