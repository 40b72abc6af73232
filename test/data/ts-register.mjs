// `node --import ./ts-register.mjs`: installs ts-hooks.mjs (for worker threads running the TypeScript sources).
import { register } from 'node:module';
register('./ts-hooks.mjs', import.meta.url);
