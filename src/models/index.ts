// models: the zoo (torchvision's architectures and names), the registry, and transfer-learning helpers.
export { list, get, entry, type ArchEntry, type Classifier } from './registry.js';
export type { ModelOptions } from './common.js';
export { SimpleCNN, simpleCnn, type SimpleCnnOptions } from './simple-cnn.js';
export {
  ResNet,
  BasicBlock,
  Bottleneck,
  resnet18,
  resnet34,
  resnet50,
  resnet101,
  resnet152,
  resnext50_32x4d,
  resnext101_32x8d,
  wideResnet50_2,
  wideResnet101_2,
  type ResNetOptions,
} from './resnet.js';
export {
  VGG,
  vgg11,
  vgg11_bn,
  vgg13,
  vgg13_bn,
  vgg16,
  vgg16_bn,
  vgg19,
  vgg19_bn,
  type VGGOptions,
} from './vgg.js';
export { AlexNet, SqueezeNet, Fire, alexnet, squeezenet1_0, squeezenet1_1 } from './classic.js';
