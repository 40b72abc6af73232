// Registry entries of the mobile / efficient / inception families: torchvision's names, default input sizes
// (the crop of torchvision's weights transforms), head paths and trainable top-level stages in forward order.
import type { ArchEntry, Classifier } from './registry.js';
import {
  efficientnetB0,
  efficientnetB1,
  efficientnetB2,
  efficientnetB3,
  efficientnetB4,
  efficientnetB5,
  efficientnetB6,
  efficientnetB7,
} from './efficientnet.js';
import { googlenet } from './googlenet.js';
import { inceptionV3 } from './inception.js';
import { mobilenetV2, mobilenetV3Large, mobilenetV3Small } from './mobilenet.js';

type Build = (o: Record<string, unknown>) => Classifier;

const featuresClassifier = (build: Build, head: string, size = 224): ArchEntry => ({
  build,
  inputShape: [3, size, size],
  head,
  stages: ['features', 'classifier'],
});

// aux heads are listed where they run in training (after the block they read from); absent ones match nothing
const GOOGLENET_STAGES = [
  ...['conv1', 'conv2', 'conv3', 'inception3a', 'inception3b', 'inception4a', 'aux1'],
  ...['inception4b', 'inception4c', 'inception4d', 'aux2', 'inception4e', 'inception5a', 'inception5b', 'fc'],
];
const INCEPTION_V3_STAGES = [
  ...['Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3', 'Conv2d_3b_1x1', 'Conv2d_4a_3x3'],
  ...['Mixed_5b', 'Mixed_5c', 'Mixed_5d', 'Mixed_6a', 'Mixed_6b', 'Mixed_6c', 'Mixed_6d', 'Mixed_6e'],
  ...['AuxLogits', 'Mixed_7a', 'Mixed_7b', 'Mixed_7c', 'fc'],
];

export const MOBILE_ARCHS: Record<string, ArchEntry> = {
  mobilenet_v2: featuresClassifier(mobilenetV2, 'classifier.1'),
  mobilenet_v3_small: featuresClassifier(mobilenetV3Small, 'classifier.3'),
  mobilenet_v3_large: featuresClassifier(mobilenetV3Large, 'classifier.3'),
  efficientnet_b0: featuresClassifier(efficientnetB0, 'classifier.1', 224),
  efficientnet_b1: featuresClassifier(efficientnetB1, 'classifier.1', 240),
  efficientnet_b2: featuresClassifier(efficientnetB2, 'classifier.1', 288),
  efficientnet_b3: featuresClassifier(efficientnetB3, 'classifier.1', 300),
  efficientnet_b4: featuresClassifier(efficientnetB4, 'classifier.1', 380),
  efficientnet_b5: featuresClassifier(efficientnetB5, 'classifier.1', 456),
  efficientnet_b6: featuresClassifier(efficientnetB6, 'classifier.1', 528),
  efficientnet_b7: featuresClassifier(efficientnetB7, 'classifier.1', 600),
  googlenet: { build: googlenet, inputShape: [3, 224, 224], head: 'fc', stages: GOOGLENET_STAGES },
  inception_v3: { build: inceptionV3, inputShape: [3, 299, 299], head: 'fc', stages: INCEPTION_V3_STAGES },
};
