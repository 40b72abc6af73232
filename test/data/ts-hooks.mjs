// Test-only Node loader hooks so DataLoader worker threads can run the TypeScript sources: `.js` specifiers
// from .ts files resolve to the .ts file, and .ts files are transpiled (no type check) with TypeScript, cached
// on disk by content hash so later workers skip loading the compiler.
import { mkdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const CACHE = join(tmpdir(), 'weightroom-ts-cache');
let ts = null;

export async function resolve(specifier, context, next) {
  if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const url = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
    if (existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const path = fileURLToPath(url);
  const src = readFileSync(path, 'utf8');
  const cached = join(CACHE, createHash('sha1').update(path).update('\0').update(src).digest('hex') + '.js');
  if (existsSync(cached))
    return { format: 'module', source: readFileSync(cached, 'utf8'), shortCircuit: true };
  ts ??= (await import('typescript')).default;
  const out = ts.transpileModule(src, {
    fileName: path,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(cached, out.outputText);
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
