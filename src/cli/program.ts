// The weightroom command line program. Commands (train, evaluate, predict, …) arrive with later issues; for
// now --help, --version and `info` (which backend computes).
import { Command } from 'commander';
import { getBackend } from '../backend/index.js';
import { VERSION } from '../version.js';
import { registerIoCommands } from './commands/io.js';

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
      console.log(`weightroom ${VERSION}`);
      console.log(`backend:    ${getBackend().name} (reference TypeScript kernels)`);
      console.log(`node:       ${process.version} on ${process.platform}-${process.arch}`);
    });
  registerIoCommands(program);
  return program;
}
