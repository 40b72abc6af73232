// The public constructors: torchvision's names, each accepting `weights` ('DEFAULT', 'IMAGENET1K_V1', …) to
// load pretrained weights from the torch.hub cache synchronously (see pretrained() to download).
import { alexnet as alexnet0, squeezenet1_0 as sq10, squeezenet1_1 as sq11 } from './classic.js';
import { buildWithWeights, type ResolveOptions } from './pretrained.js';
import { entry, type Classifier } from './registry.js';
import * as r from './resnet.js';
import * as v from './vgg.js';

type Opts<F> = F extends (o: infer O) => unknown ? O : never;

function withWeights<F extends (o: never) => Classifier>(
  arch: string,
  f: F,
): (o?: Opts<F> & ResolveOptions) => ReturnType<F> {
  return (o = {} as Opts<F> & ResolveOptions) => {
    const w = (o as { weights?: string | null }).weights;
    return (w ? buildWithWeights(arch, w, o as Record<string, unknown>) : f(o as never)) as ReturnType<F>;
  };
}

/** Build an architecture by name; `weights` loads pretrained weights (see buildWithWeights). */
export function get(name: string, opts: Record<string, unknown> & ResolveOptions = {}): Classifier {
  const w = opts.weights as string | null | undefined;
  return w ? buildWithWeights(name, w, opts) : entry(name).build(opts);
}

export const resnet18 = withWeights('resnet18', r.resnet18);
export const resnet34 = withWeights('resnet34', r.resnet34);
export const resnet50 = withWeights('resnet50', r.resnet50);
export const resnet101 = withWeights('resnet101', r.resnet101);
export const resnet152 = withWeights('resnet152', r.resnet152);
export const resnext50_32x4d = withWeights('resnext50_32x4d', r.resnext50_32x4d);
export const resnext101_32x8d = withWeights('resnext101_32x8d', r.resnext101_32x8d);
export const wideResnet50_2 = withWeights('wide_resnet50_2', r.wideResnet50_2);
export const wideResnet101_2 = withWeights('wide_resnet101_2', r.wideResnet101_2);
export const vgg11 = withWeights('vgg11', v.vgg11);
export const vgg11_bn = withWeights('vgg11_bn', v.vgg11_bn);
export const vgg13 = withWeights('vgg13', v.vgg13);
export const vgg13_bn = withWeights('vgg13_bn', v.vgg13_bn);
export const vgg16 = withWeights('vgg16', v.vgg16);
export const vgg16_bn = withWeights('vgg16_bn', v.vgg16_bn);
export const vgg19 = withWeights('vgg19', v.vgg19);
export const vgg19_bn = withWeights('vgg19_bn', v.vgg19_bn);
export const alexnet = withWeights('alexnet', alexnet0);
export const squeezenet1_0 = withWeights('squeezenet1_0', sq10);
export const squeezenet1_1 = withWeights('squeezenet1_1', sq11);
