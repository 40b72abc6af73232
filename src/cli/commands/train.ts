// `weightroom train`, `evaluate`, `predict`, `compare-init`, `finetune` and `report`: the main job from the
// command line, with torchvision-like flags in kebab-case and errors that list the valid values.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { setNumThreads } from '../../backend/index.js';
import { DATASETS, INITS, OPTIMIZERS, SCHEDULERS } from '../../train/recipe.js';
import { runTraining, type RunConfig } from '../../train/run.js';
import { compareInits } from '../../train/compare.js';
import { evaluateWeights, predictImages } from '../../train/predict.js';
import { finetune } from '../../train/finetune.js';
import { writeReport } from '../../train/report.js';
import { formatConfusion, formatReport } from '../../train/metrics.js';
import { list as listModels } from '../../models/registry.js';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got '${v}'`);
  return n;
};
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got '${v}'`);
  return n;
};

function stamp(): string {
  return new Date().toISOString().replace(/[:T]/g, '-').replace(/\..*$/, '');
}

/** The flags shared by train, compare-init and finetune. */
function recipeOptions(cmd: Command, defaults: { epochs: number; model: string }): Command {
  return cmd
    .addOption(
      new Option('--model <name>', `architecture (${listModels().join(', ')})`).default(defaults.model),
    )
    .addOption(new Option('--dataset <name>', 'dataset').choices([...DATASETS]).default('fashion-mnist'))
    .option(
      '--data-dir <dir>',
      'dataset folder (default for fashion-mnist: the starter subset shipped with weightroom)',
    )
    .option('--epochs <n>', 'epochs', int('--epochs'), defaults.epochs)
    .option('--batch-size <n>', 'batch size', int('--batch-size'), 64)
    .option('--lr <x>', 'learning rate (default: the optimizer’s usual one)', num('--lr'))
    .addOption(new Option('--optimizer <name>', 'optimizer').choices([...OPTIMIZERS]).default('adam'))
    .option('--momentum <x>', 'momentum (sgd, rmsprop)', num('--momentum'))
    .option('--weight-decay <x>', 'L2 weight decay (decoupled for adamw)', num('--weight-decay'))
    .option('--l1 <x>', 'L1 penalty λ·Σ|w| over the weights', num('--l1'), 0)
    .option('--l2 <x>', 'explicit L2 penalty λ·Σw² added to the loss', num('--l2'), 0)
    .option('--dropout <p>', 'dropout probability of the model’s dropout layers', num('--dropout'))
    .addOption(
      new Option('--init <scheme>', 'weight initialisation').choices([...INITS]).default('pytorch-default'),
    )
    .addOption(
      new Option('--scheduler <name>', 'learning-rate schedule').choices([...SCHEDULERS]).default('cosine'),
    )
    .option(
      '--early-stopping <patience>',
      'stop after this many epochs without improvement',
      int('--early-stopping'),
    )
    .option(
      '--val-split <f>',
      'fraction of the training set held out for validation',
      num('--val-split'),
      0.1,
    )
    .option('--augment', 'random crops/flips on the training set', false)
    .option('--clip-grad-norm <x>', 'clip the global gradient norm', num('--clip-grad-norm'))
    .option('--image-size <n>', 'imagefolder: resize images to this square size', int('--image-size'), 64)
    .option('--seed <n>', 'random seed', int('--seed'), 0)
    .option('--threads <n>', 'compute threads (native backend)', int('--threads'))
    .option('--workers <n>', 'data-loading worker threads', int('--workers'), 0)
    .option('--no-progress', 'no live progress bar (one line per epoch)');
}

type Flags = Record<string, unknown>;

function configFrom(o: Flags, out: string): RunConfig {
  if (o.threads !== undefined) setNumThreads(o.threads as number);
  return {
    model: o.model as string,
    dataset: o.dataset as string,
    dataDir: (o.dataDir as string | undefined) ?? null,
    epochs: o.epochs as number,
    batchSize: o.batchSize as number,
    lr: o.lr as number | undefined,
    optimizer: o.optimizer as string,
    momentum: o.momentum as number | undefined,
    weightDecay: o.weightDecay as number | undefined,
    l1: o.l1 as number,
    l2: o.l2 as number,
    dropout: o.dropout as number | undefined,
    init: o.init as string,
    scheduler: o.scheduler as string,
    earlyStopping: (o.earlyStopping as number | undefined) ?? null,
    valSplit: o.valSplit as number,
    augment: Boolean(o.augment),
    seed: o.seed as number,
    numWorkers: o.workers as number,
    clipGradNorm: (o.clipGradNorm as number | undefined) ?? null,
    out,
    resume: (o.resume as string | undefined) ?? null,
    progress: o.progress === false ? false : undefined,
    imageSize: o.imageSize as number,
  };
}

export function registerTrainCommands(program: Command): void {
  recipeOptions(
    program
      .command('train')
      .description('train an image classifier (default: simple_cnn on the Fashion-MNIST starter set)'),
    {
      epochs: 5,
      model: 'simple_cnn',
    },
  )
    .option('--out <dir>', 'run directory (default runs/<timestamp>)')
    .option('--resume <checkpoint>', 'resume from a checkpoint.pth of an earlier run')
    .action(async (o: Flags) => {
      await runTraining(configFrom(o, (o.out as string | undefined) ?? join('runs', stamp())));
    });

  program
    .command('evaluate')
    .description('evaluate weights on a dataset split: metrics table and confusion matrix')
    .requiredOption('--weights <file>', 'a .pth/.safetensors state dict (e.g. <run>/model.pth)')
    .option('--model <name>', 'architecture', 'simple_cnn')
    .addOption(new Option('--dataset <name>', 'dataset').choices([...DATASETS]).default('fashion-mnist'))
    .option('--data-dir <dir>', 'dataset folder')
    .addOption(new Option('--split <name>', 'split').choices(['test', 'train']).default('test'))
    .option('--batch-size <n>', 'batch size', int('--batch-size'), 256)
    .option('--json', 'print one JSON object instead of tables', false)
    .action(async (o: Flags) => {
      const r = await evaluateWeights({
        weights: o.weights as string,
        model: o.model as string,
        dataset: o.dataset as string,
        dataDir: (o.dataDir as string | undefined) ?? null,
        split: o.split as 'test' | 'train',
        batchSize: o.batchSize as number,
      });
      if (o.json) {
        console.log(JSON.stringify(r));
        return;
      }
      console.log(
        `loss ${r.loss!.toFixed(4)}  accuracy ${(r.accuracy * 100).toFixed(2)} %  (${r.count} images)\n`,
      );
      console.log(formatReport(r));
      console.log(`\nconfusion matrix (rows: true class, columns: predicted)\n${formatConfusion(r)}`);
    });

  program
    .command('predict')
    .description('classify image files: class names and probabilities')
    .argument('<images...>', 'image files (PNG, JPEG, WebP, GIF)')
    .requiredOption('--weights <file>', 'a state dict, or a torchvision weights name like resnet18:DEFAULT')
    .option('--model <name>', 'architecture', 'simple_cnn')
    .addOption(
      new Option('--dataset <name>', 'the dataset the weights were trained on (class names, preprocessing)')
        .choices([...DATASETS, 'imagenet'])
        .default('fashion-mnist'),
    )
    .option('--top-k <k>', 'how many classes to show', int('--top-k'), 5)
    .option('--json', 'print JSON', false)
    .action(async (images: string[], o: Flags) => {
      const res = await predictImages(images, {
        weights: o.weights as string,
        model: o.model as string,
        dataset: o.dataset as string,
        topK: o.topK as number,
      });
      if (o.json) console.log(JSON.stringify(res));
      else
        for (const r of res)
          console.log(
            `${r.file}\n${r.top.map((t) => `  ${(t.probability * 100).toFixed(2).padStart(6)} %  ${t.name}`).join('\n')}`,
          );
    });

  recipeOptions(
    program
      .command('compare-init')
      .description('train the same model from several initialisations and compare'),
    {
      epochs: 3,
      model: 'simple_cnn',
    },
  )
    .requiredOption('--inits <list>', `comma-separated schemes (${INITS.join(', ')})`)
    .option('--target <acc>', 'validation accuracy whose epoch is reported', num('--target'), 0.85)
    .option('--out <dir>', 'run directory (default runs/compare-<timestamp>)')
    .action(async (o: Flags) => {
      const inits = String(o.inits)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      await compareInits(
        configFrom(o, (o.out as string | undefined) ?? join('runs', `compare-${stamp()}`)),
        inits,
        o.target as number,
      );
    });

  recipeOptions(
    program
      .command('finetune')
      .description('fine-tune pretrained weights on a dataset: new head, frozen stages, discriminative LRs'),
    {
      epochs: 3,
      model: 'resnet18',
    },
  )
    .requiredOption(
      '--weights <file>',
      'pretrained weights: a file (torchvision .pth or a weightroom run’s model.pth) or DEFAULT / IMAGENET1K_V1',
    )
    .option('--freeze <stage>', 'freeze every stage up to and including this one (e.g. layer3, features)')
    .option(
      '--head-lr-mult <x>',
      'head learning rate = lr × this; the backbone trains at lr',
      num('--head-lr-mult'),
      10,
    )
    .option('--out <dir>', 'run directory (default runs/finetune-<timestamp>)')
    .action(async (o: Flags) => {
      await finetune(configFrom(o, (o.out as string | undefined) ?? join('runs', `finetune-${stamp()}`)), {
        weights: o.weights as string,
        freeze: (o.freeze as string | undefined) ?? null,
        headLrMult: o.headLrMult as number,
      });
    });

  program
    .command('report')
    .description('(re)build <run-dir>/report.html from the run’s report.json')
    .argument('<run-dir>', 'a run directory written by train, finetune or compare-init')
    .action(async (dir: string) => {
      if (!existsSync(join(dir, 'report.json')))
        throw new Error(`report: ${join(dir, 'report.json')} not found; is '${dir}' a run directory?`);
      const out = await writeReport(dir);
      console.log(`wrote ${out}`);
    });
}
