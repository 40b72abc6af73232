// models: the zoo (torchvision's architectures and names), the registry, and transfer-learning helpers.
export { list, entry, type ArchEntry, type Classifier } from './registry.js';
export * from './zoo.js';
export type { ModelOptions } from './common.js';
export { SimpleCNN, simpleCnn, type SimpleCnnOptions } from './simple-cnn.js';
export { ResNet, BasicBlock, Bottleneck, type ResNetOptions } from './resnet.js';
export { VGG, type VGGOptions } from './vgg.js';
export { AlexNet, SqueezeNet, Fire } from './classic.js';
export {
  listWeights,
  weightsInfo,
  torchHome,
  checkpointsDir,
  cachedWeightsFile,
  resolveWeightsFile,
  buildWithWeights,
  pretrained,
  imagenetClasses,
  type WeightsInfo,
  type ResolveOptions,
} from './pretrained.js';
export {
  replaceHead,
  freeze,
  unfreeze,
  discriminativeGroups,
  parameterSummary,
  headPath,
  type FreezeOptions,
  type ParamGroup,
} from './transfer.js';
export {
  MobileNetV2,
  MobileNetV3,
  InvertedResidual,
  InvertedResidualV3,
  Conv2dNormActivation,
  SqueezeExcitation,
  type MobileNetV2Options,
  type MobileNetV3Options,
} from './mobilenet.js';
export { EfficientNet, MBConv, StochasticDepth, type EfficientNetOptions } from './efficientnet.js';
export {
  GoogLeNet,
  Inception,
  BasicConv2d,
  googlenet,
  type GoogLeNetOptions,
  type GoogLeNetOutputs,
} from './googlenet.js';
export {
  Inception3,
  InceptionA,
  InceptionB,
  InceptionC,
  InceptionD,
  InceptionE,
  type Inception3Options,
  type InceptionOutputs,
} from './inception.js';
