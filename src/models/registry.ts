// The model registry: torchvision's architecture names → constructors, for models.list() / models.get(name).
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import { alexnet, squeezenet1_0, squeezenet1_1 } from './classic.js';
import { MOBILE_ARCHS } from './mobile-archs.js';
import {
  resnet101,
  resnet152,
  resnet18,
  resnet34,
  resnet50,
  resnext101_32x8d,
  resnext50_32x4d,
  wideResnet101_2,
  wideResnet50_2,
} from './resnet.js';
import { simpleCnn } from './simple-cnn.js';
import { vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn } from './vgg.js';

export type Classifier = Module<[Tensor], Tensor>;

export interface ArchEntry {
  /** Build the network; options are the constructor's (numClasses, dropout, …). */
  build: (opts: Record<string, unknown>) => Classifier;
  /** Input the architecture expects by default, [C, H, W]. */
  inputShape: [number, number, number];
  /** Dotted path of the classification head, for replaceHead(). */
  head: string;
  /** Top-level stages in forward order, for freeze({ upTo }). */
  stages: string[];
}

const RESNET_STAGES = ['conv1', 'bn1', 'layer1', 'layer2', 'layer3', 'layer4', 'fc'];
const resnet = (f: (o: Record<string, unknown>) => Classifier): ArchEntry => ({
  build: f,
  inputShape: [3, 224, 224],
  head: 'fc',
  stages: RESNET_STAGES,
});
const featuresClassifier = (f: (o: Record<string, unknown>) => Classifier, head: string): ArchEntry => ({
  build: f,
  inputShape: [3, 224, 224],
  head,
  stages: ['features', 'classifier'],
});

const CLASSIC_ARCHS: Record<string, ArchEntry> = {
  simple_cnn: {
    build: simpleCnn,
    inputShape: [1, 28, 28],
    head: 'classifier.4',
    stages: ['features', 'classifier'],
  },
  resnet18: resnet(resnet18),
  resnet34: resnet(resnet34),
  resnet50: resnet(resnet50),
  resnet101: resnet(resnet101),
  resnet152: resnet(resnet152),
  resnext50_32x4d: resnet(resnext50_32x4d),
  resnext101_32x8d: resnet(resnext101_32x8d),
  wide_resnet50_2: resnet(wideResnet50_2),
  wide_resnet101_2: resnet(wideResnet101_2),
  vgg11: featuresClassifier(vgg11, 'classifier.6'),
  vgg11_bn: featuresClassifier(vgg11_bn, 'classifier.6'),
  vgg13: featuresClassifier(vgg13, 'classifier.6'),
  vgg13_bn: featuresClassifier(vgg13_bn, 'classifier.6'),
  vgg16: featuresClassifier(vgg16, 'classifier.6'),
  vgg16_bn: featuresClassifier(vgg16_bn, 'classifier.6'),
  vgg19: featuresClassifier(vgg19, 'classifier.6'),
  vgg19_bn: featuresClassifier(vgg19_bn, 'classifier.6'),
  alexnet: featuresClassifier(alexnet, 'classifier.6'),
  squeezenet1_0: featuresClassifier(squeezenet1_0, 'classifier.1'),
  squeezenet1_1: featuresClassifier(squeezenet1_1, 'classifier.1'),
};

function all(): Record<string, ArchEntry> {
  return { ...CLASSIC_ARCHS, ...MOBILE_ARCHS };
}

/** Names of every architecture (torchvision's spelling, e.g. 'resnet18', 'efficientnet_b0', 'simple_cnn'). */
export function list(): string[] {
  return Object.keys(all());
}

/** Camel-case aliases accepted by get(): 'resnet18' and 'wideResnet50_2' both work. */
function normalise(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

export function entry(name: string): ArchEntry {
  const reg = all();
  const e = reg[name] ?? reg[normalise(name)];
  if (!e)
    throw new Error(`models: unknown architecture '${name}'; available: ${Object.keys(reg).join(', ')}`);
  return e;
}
