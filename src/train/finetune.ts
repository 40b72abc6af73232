// Fine-tuning: start from pretrained weights (torchvision's by name, a torchvision .pth, or a weightroom run's
// model.pth), put a new head for the dataset's classes, freeze early stages, train the head faster.
import { existsSync } from 'node:fs';
import { buildWithWeights, pretrained } from '../models/pretrained.js';
import { entry, list } from '../models/registry.js';
import { discriminativeGroups, freeze, headPath, parameterSummary, replaceHead } from '../models/transfer.js';
import type { Classifier } from '../models/registry.js';
import { skipInit } from '../nn/init.js';
import { Linear } from '../nn/layers/linear.js';
import { Conv2d } from '../nn/layers/linear.js';
import { readStateDict } from './predict.js';
import { runTraining, type RunConfig, type RunResult } from './run.js';

export interface FinetuneOptions {
  /** 'DEFAULT' / 'IMAGENET1K_V1' (torchvision, from the torch.hub cache or downloaded) or a weights file. */
  weights: string;
  /** Freeze every top-level stage up to and including this one. */
  freeze: string | null;
  /** Head learning rate = lr × headLrMult; the trainable backbone uses lr. */
  headLrMult: number;
}

async function loadPretrained(
  arch: string,
  weights: string,
  sizing: Record<string, unknown>,
): Promise<Classifier> {
  if (/^[A-Z0-9_]+$/.test(weights)) {
    try {
      return buildWithWeights(arch, weights);
    } catch {
      return pretrained(arch, { weights });
    }
  }
  if (!existsSync(weights)) throw new Error(`finetune: weights file not found: ${weights}`);
  const sd = await readStateDict(weights);
  // size the head from the file (1000 for torchvision ImageNet files, the run's classes for weightroom runs)
  const head = headPath(
    skipInit(() => entry(arch).build({})),
    arch,
  );
  const hw = sd[`${head}.weight`];
  if (!hw) throw new Error(`finetune: ${weights} has no '${head}.weight'; is it a ${arch} state dict?`);
  const m = skipInit(() => entry(arch).build({ ...sizing, numClasses: hw.shape[0] }));
  m.loadStateDict(sd);
  return m;
}

export async function finetune(
  cfg: RunConfig,
  o: FinetuneOptions,
  log: (l: string) => void = (l) => console.log(l),
): Promise<RunResult> {
  const arch = cfg.model.replace(/-/g, '_');
  if (!list().includes(arch)) throw new Error(`unknown model '${cfg.model}'; valid: ${list().join(', ')}`);
  const lr = cfg.lr ?? (cfg.optimizer === 'sgd' ? 0.01 : 1e-4);
  return runTraining({ ...cfg, lr }, log, {
    rgb: arch !== 'simple_cnn',
    model: async (data) => {
      const sizing = arch === 'simple_cnn' ? { inChannels: data.inChannels, inputSize: data.inputSize } : {};
      const m = await loadPretrained(arch, o.weights, sizing);
      const head = m.getSubmodule(headPath(m, arch));
      const outF = head instanceof Linear ? head.outFeatures : head instanceof Conv2d ? head.outChannels : -1;
      if (outF !== data.numClasses) replaceHead(m, data.numClasses, { arch });
      if (o.freeze) freeze(m, { upTo: o.freeze, arch });
      const s = parameterSummary(m);
      log(
        `fine-tuning ${arch} from ${o.weights}: ${s.trainable.toLocaleString('en-US')} trainable / ${s.frozen.toLocaleString('en-US')} frozen parameters`,
      );
      return m;
    },
    paramGroups: (m) =>
      discriminativeGroups(m, lr * o.headLrMult, { backboneLr: lr, arch }).map((g) => ({
        params: g.params,
        lr: g.lr,
      })),
    notes: { finetunedFrom: o.weights, frozenUpTo: o.freeze, headLr: lr * o.headLrMult, backboneLr: lr },
  });
}
