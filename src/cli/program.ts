// The weightroom command line program. Commands (train, evaluate, predict, …) arrive with later issues; for
// now --help, --version and `info` (which backend computes).
import { Command } from 'commander';
import { backendInfo } from '../backend/index.js';
import { VERSION } from '../version.js';
import { registerIoCommands } from './commands/io.js';
import { registerTrainCommands } from './commands/train.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('weightroom')
    .description(
      'PyTorch-style image classification for TypeScript: train, fine-tune, save and load weights.',
    )
    .version(VERSION, '-v, --version', 'print the version')
    .showHelpAfterError();
  program
    .command('info')
    .description('show the version, the active compute backend and the Node.js runtime')
    .action(() => {
      const b = backendInfo();
      console.log(`weightroom ${VERSION}`);
      console.log(`backend:    ${b.name}${b.name === 'js' ? ' (reference TypeScript kernels)' : ''}`);
      const isa =
        b.name === 'native'
          ? `${b.isa} (CPU runs: ${b.available.join(', ')})`
          : b.nativeError
            ? `none (native backend unavailable: ${b.nativeError})`
            : `none (native backend with ${b.isa} available, not selected)`;
      console.log(`isa:        ${isa}`);
      console.log(`threads:    ${b.threads}`);
      if (b.name === 'native')
        console.log(
          `gc marking: ${b.gcOnMainThread ? 'main thread (concurrent marking off: it would take a core from the kernels)' : 'V8 default (concurrent)'}`,
        );
      console.log(`node:       ${process.version} on ${process.platform}-${process.arch}`);
    });
  registerTrainCommands(program);
  registerIoCommands(program);
  return program;
}
