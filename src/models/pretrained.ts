// Pretrained weights: torchvision's file names, URLs and metadata; resolution from an explicit path, then
// $TORCH_HOME/hub/checkpoints (files PyTorch already downloaded are reused), then a checked download.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { loadBytes } from '../io/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { skipInit } from '../nn/init.js';
import { downloadFile } from '../util/download.js';
import meta from './weights-meta.json' with { type: 'json' };
import { entry, type Classifier } from './registry.js';

export interface WeightsInfo {
  arch: string;
  name: string;
  url: string;
  file: string;
  sha256Prefix: string | null;
  numClasses: number | null;
  numParams: number | null;
  minSize: number[];
  /** Preprocessing: resize the shorter side to `resize`, center-crop `crop`, normalise with mean/std. */
  resize: number;
  crop: number;
  mean: number[];
  std: number[];
  interpolation: string;
  /** Reported ImageNet-1K top-1 / top-5 accuracy (%). */
  acc1: number | null;
  acc5: number | null;
}

type Meta = Record<string, { default: string; weights: Record<string, Omit<WeightsInfo, 'arch' | 'name'>> }>;
const META = meta as Meta;

function archKey(arch: string): string {
  return arch.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Every published weights entry, or those of one architecture. */
export function listWeights(arch?: string): WeightsInfo[] {
  const archs = arch ? [archKey(arch)] : Object.keys(META);
  return archs.flatMap((a) => {
    const m = META[a];
    if (!m) return [];
    return Object.entries(m.weights).map(([name, w]) => ({ arch: a, name, ...w }));
  });
}

/** The weights entry for an architecture and a name ('DEFAULT', 'IMAGENET1K_V1', …). */
export function weightsInfo(arch: string, name = 'DEFAULT'): WeightsInfo {
  const a = archKey(arch);
  const m = META[a];
  if (!m) {
    throw new Error(
      `weights: torchvision publishes no pretrained weights for '${arch}'; available for: ${Object.keys(META).join(', ')}`,
    );
  }
  const n = name === 'DEFAULT' ? m.default : name.replace(/^.*_Weights\./, '');
  const w = m.weights[n];
  if (!w)
    throw new Error(
      `weights: '${name}' is not a weights name of ${a}; available: DEFAULT, ${Object.keys(m.weights).join(', ')}`,
    );
  return { arch: a, name: n, ...w };
}

/** torch.hub's home: $TORCH_HOME, else $XDG_CACHE_HOME/torch, else ~/.cache/torch. */
export function torchHome(): string {
  if (process.env.TORCH_HOME) return resolve(process.env.TORCH_HOME);
  return join(
    process.env.XDG_CACHE_HOME ? resolve(process.env.XDG_CACHE_HOME) : join(homedir(), '.cache'),
    'torch',
  );
}

/** Where torch.hub (and so weightroom) keeps downloaded weights. */
export function checkpointsDir(): string {
  return join(torchHome(), 'hub', 'checkpoints');
}

export interface ResolveOptions {
  /** An explicit weights file: used as is. */
  path?: string;
  /** Download when not cached (default true; the sync path never downloads). */
  download?: boolean;
  progress?: boolean;
  /** Replace the URL's origin and folder (e.g. a mirror), keeping the file name. */
  baseUrl?: string;
}

/** The local file of a weights entry, if present (explicit path, then the torch.hub cache). */
export function cachedWeightsFile(info: WeightsInfo, opts: ResolveOptions = {}): string | null {
  if (opts.path) {
    if (!existsSync(opts.path)) throw new Error(`weights: file not found: ${opts.path}`);
    return opts.path;
  }
  const p = join(checkpointsDir(), info.file);
  return existsSync(p) ? p : null;
}

/** The local file of a weights entry, downloading it into the torch.hub cache when missing. */
export async function resolveWeightsFile(info: WeightsInfo, opts: ResolveOptions = {}): Promise<string> {
  const cached = cachedWeightsFile(info, opts);
  if (cached) return cached;
  const dest = join(checkpointsDir(), info.file);
  if (opts.download === false) {
    throw new Error(
      `weights: ${info.file} (${info.arch} ${info.name}) is not in ${checkpointsDir()}; download ${info.url} there, or pass { path }`,
    );
  }
  const url = opts.baseUrl ? `${opts.baseUrl.replace(/\/$/, '')}/${info.file}` : info.url;
  try {
    await downloadFile(url, dest, { sha256: info.sha256Prefix, progress: opts.progress });
  } catch (e) {
    if (!(e instanceof Error) || !e.message.startsWith('could not download')) throw e;
    throw new Error(
      `${e.message}. Download it yourself and put it at ${dest} (folder ${dirname(dest)}), or pass an explicit file path`,
    );
  }
  return dest;
}

const AUX_HEADS: Record<string, string[]> = { googlenet: ['aux1', 'aux2'], inception_v3: ['AuxLogits'] };

function loadInto(model: Classifier, file: string, arch: string): Classifier {
  const sd = loadBytes<Record<string, Tensor>>(new Uint8Array(readFileSync(file)), { dtype: 'float32' });
  model.loadStateDict(sd);
  // like torchvision: the published files hold the auxiliary heads, the returned model drops them
  const aux = AUX_HEADS[arch];
  if (aux) {
    for (const name of aux) {
      model.registerModule(name, null);
      Object.assign(model, { [name]: null });
    }
    Object.assign(model, { auxLogits: false });
  }
  return model;
}

/**
 * Build `arch` with pretrained weights synchronously, from an explicit path or the torch.hub cache. The head
 * gets the weights' class count (as torchvision does); to change it, use replaceHead() afterwards.
 */
export function buildWithWeights(
  arch: string,
  weights: string,
  opts: Record<string, unknown> & ResolveOptions = {},
): Classifier {
  const info = weightsInfo(arch, weights);
  const file = cachedWeightsFile(info, opts);
  if (!file) {
    throw new Error(
      `weights: ${info.file} (${info.arch} ${info.name}) is not in ${checkpointsDir()}. ` +
        `Run \`await models.pretrained('${info.arch}', { weights: '${info.name}' })\` or \`npx weightroom download ${info.arch}\` ` +
        `to fetch it from ${info.url}, or put the file there yourself`,
    );
  }
  return loadInto(buildForWeights(arch, info, opts), file, info.arch);
}

function buildForWeights(arch: string, info: WeightsInfo, opts: Record<string, unknown>): Classifier {
  const rest = { ...opts };
  for (const k of ['weights', 'path', 'download', 'progress', 'baseUrl']) delete rest[k];
  if (info.numClasses !== null) {
    if (rest.numClasses !== undefined && rest.numClasses !== info.numClasses) {
      throw new Error(
        `${arch}: numClasses ${String(rest.numClasses)} does not match the ${info.numClasses} classes of ${info.name}; ` +
          'load the weights first, then replaceHead(model, numClasses)',
      );
    }
    rest.numClasses = info.numClasses;
  }
  // the weights overwrite every value: skip the random init (torchvision's init_weights=False)
  return skipInit(() =>
    entry(arch).build({
      ...rest,
      ...(arch.startsWith('inception') || arch === 'googlenet'
        ? { transformInput: true, auxLogits: true }
        : {}),
    }),
  );
}

/** Build `arch` with pretrained weights, downloading them into the torch.hub cache when needed. */
export async function pretrained(
  arch: string,
  opts: Record<string, unknown> & ResolveOptions & { weights?: string } = {},
): Promise<Classifier> {
  const info = weightsInfo(arch, opts.weights ?? 'DEFAULT');
  const file = await resolveWeightsFile(info, opts);
  return loadInto(buildForWeights(arch, info, opts), file, info.arch);
}

let classes: string[] | null = null;
/** The 1,000 ImageNet-1K class names, in torchvision's order. */
export function imagenetClasses(): string[] {
  classes ??= JSON.parse(
    readFileSync(new URL('../../data/imagenet-classes.json', import.meta.url), 'utf8'),
  ) as string[];
  return classes;
}
