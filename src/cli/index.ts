#!/usr/bin/env node
// Entry point of the `weightroom` bin.
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    console.error(`weightroom: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
