// Types of examples/transfer-digits.mjs (for the smoke test under `tsc --strict`).
import type { Image, Tensor } from '../src/index.js';

export const DIGITS_PNG: string;
export const CACHE_DIR: string;
export const PER_CLASS_TOTAL: number;

export interface Digits {
  /** uint8 pixels of the 20×20 tiles, tile after tile. */
  pixels: Uint8Array;
  /** The class of each tile (its row block on the sheet). */
  labels: Int32Array;
  length: number;
}
export function loadDigits(path?: string): Promise<Digits>;

export class DigitTiles<X = Tensor> {
  constructor(digits: Digits, transform: (img: Image, ctx?: unknown) => X);
  readonly digits: Digits;
  readonly length: number;
  get(index: number, ctx?: unknown): [X, number];
}

export function splitPerClass(
  labels: Int32Array,
  perClass: number,
  testPerClass: number | undefined,
  seed: number,
): { train: number[]; test: number[] };

export interface PretrainResult {
  stateDict: Record<string, Tensor>;
  fashionTestAcc: number;
  seconds: number;
  epochs: number;
  images: number;
  cached: boolean;
}

export interface Row {
  name: string;
  trainable: number;
  frozen: number;
  accuracy: number;
  macroF1: number;
  trainAcc: number;
  seconds: number;
}

export interface MainOptions {
  epochs?: number;
  perClass?: number;
  testPerClass?: number;
  pretrainEpochs?: number;
  pretrainLimit?: number;
  batchSize?: number;
  lr?: number;
  backboneLrFactor?: number;
  seed?: number;
  cacheDir?: string | null;
  log?: (line: string) => void;
}

export function main(o?: MainOptions): Promise<{
  rows: Row[];
  table: string;
  setup: string;
  pretrain: PretrainResult;
  totalSeconds: number;
}>;
