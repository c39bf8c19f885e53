/**
 * scopecheck kernel build: a minimal kernel for the replayer from a (patched) Linux tree.
 */
import type { Command } from 'commander';
import { buildKernel } from '../kernel/build-kernel.js';
import { intOption } from './options.js';
import type { Io } from './options.js';

export function registerKernel(program: Command, io: Io): void {
  const kernel = program.command('kernel').description('kernels for the replayer');
  kernel
    .command('build')
    .description('configure (tinyconfig + what the replayer needs) and build a bzImage out of tree')
    .requiredOption('--source <dir>', 'the Linux source tree (e.g. with your patch applied)')
    .option('--build-dir <dir>', 'where to build (default: ~/.cache/scopecheck/kernel-build/<tree>)')
    .addOption(intOption('--jobs <n>', 'make -j (default: the cores)', 1))
    .action((o: { source: string; buildDir?: string; jobs?: number }) => {
      const image = buildKernel({ source: o.source, buildDir: o.buildDir, jobs: o.jobs, log: (s) => io.err(s) });
      io.out(`built ${image}`);
      io.out(`record on it:  scopecheck record scenarios/ -o my-kernel.jsonl --kernel-image ${image}`);
      io.out(`then compare:  scopecheck diff my-kernel.jsonl --semantics ./my-proposal.ts`);
    });
}
