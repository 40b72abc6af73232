// The public constructors: torchvision's names, each accepting `weights` ('DEFAULT', 'IMAGENET1K_V1', …) to
// load pretrained weights from the torch.hub cache synchronously (see pretrained() to download).
import { alexnet as alexnet0, squeezenet1_0 as sq10, squeezenet1_1 as sq11 } from './classic.js';
import { buildWithWeights, type ResolveOptions } from './pretrained.js';
import { entry, type Classifier } from './registry.js';
import * as r from './resnet.js';
import * as v from './vgg.js';
import * as mb from './mobilenet.js';
import * as ef from './efficientnet.js';
import { googlenet as googlenet0 } from './googlenet.js';
import { inceptionV3 as inceptionV30 } from './inception.js';

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
export const mobilenetV2 = withWeights('mobilenet_v2', mb.mobilenetV2);
export const mobilenetV3Small = withWeights('mobilenet_v3_small', mb.mobilenetV3Small);
export const mobilenetV3Large = withWeights('mobilenet_v3_large', mb.mobilenetV3Large);
export const efficientnetB0 = withWeights('efficientnet_b0', ef.efficientnetB0);
export const efficientnetB1 = withWeights('efficientnet_b1', ef.efficientnetB1);
export const efficientnetB2 = withWeights('efficientnet_b2', ef.efficientnetB2);
export const efficientnetB3 = withWeights('efficientnet_b3', ef.efficientnetB3);
export const efficientnetB4 = withWeights('efficientnet_b4', ef.efficientnetB4);
export const efficientnetB5 = withWeights('efficientnet_b5', ef.efficientnetB5);
export const efficientnetB6 = withWeights('efficientnet_b6', ef.efficientnetB6);
export const efficientnetB7 = withWeights('efficientnet_b7', ef.efficientnetB7);
export const googlenet = withWeights('googlenet', googlenet0);
export const inceptionV3 = withWeights('inception_v3', inceptionV30);
