# Generates src/models/weights-meta.json and data/imagenet-classes.json from torchvision 0.14's WeightsEnums
# (Debian python3-torchvision):  /usr/bin/python3 scripts/gen-weights-meta.py
# Per architecture and weights name: file name, URL, sha256 prefix (from the file name, as torch.hub checks it),
# number of classes, preprocessing (resize, crop, mean, std, interpolation) and reported accuracy.
import json
import os
import re

import torchvision.models as tvm
from torchvision.models import get_model_weights, list_models

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

ARCHS = [
    'resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'resnext50_32x4d', 'resnext101_32x8d',
    'wide_resnet50_2', 'wide_resnet101_2', 'vgg11', 'vgg11_bn', 'vgg13', 'vgg13_bn', 'vgg16', 'vgg16_bn', 'vgg19',
    'vgg19_bn', 'alexnet', 'squeezenet1_0', 'squeezenet1_1', 'mobilenet_v2', 'mobilenet_v3_small',
    'mobilenet_v3_large', 'googlenet', 'inception_v3',
] + ['efficientnet_b%d' % i for i in range(8)]


def num(v):
    return None if v is None or v != v else v


def main():
    out = {}
    categories = None
    for arch in ARCHS:
        enum = get_model_weights(arch)
        entries = {}
        for w in enum:
            t = w.transforms.keywords if hasattr(w.transforms, 'keywords') else {}
            file = w.url.rsplit('/', 1)[1]
            m = re.search(r'-([a-f0-9]{8,})\.pth$', file)
            metrics = w.meta.get('_metrics', {}).get('ImageNet-1K', {})
            entries[w.name] = {
                'url': w.url,
                'file': file,
                'sha256Prefix': m.group(1) if m else None,
                'numClasses': len(w.meta['categories']) if w.meta['categories'] else None,
                'numParams': w.meta.get('num_params'),
                'minSize': list(w.meta.get('min_size', (1, 1))),
                'resize': t.get('resize_size', 256),
                'crop': t.get('crop_size', 224),
                'mean': list(t.get('mean', (0.485, 0.456, 0.406))),
                'std': list(t.get('std', (0.229, 0.224, 0.225))),
                'interpolation': str(t.get('interpolation', 'InterpolationMode.BILINEAR')).split('.')[-1].lower(),
                'acc1': num(metrics.get('acc@1')),
                'acc5': num(metrics.get('acc@5')),
            }
            categories = categories or (list(w.meta['categories']) if w.meta['categories'] else None)
        out[arch] = {'default': enum.DEFAULT.name, 'weights': entries}
    with open(os.path.join(ROOT, 'src', 'models', 'weights-meta.json'), 'w') as f:
        json.dump(out, f, indent=1)
    with open(os.path.join(ROOT, 'data', 'imagenet-classes.json'), 'w') as f:
        json.dump(categories, f)
    print('archs', len(out), 'weights', sum(len(v['weights']) for v in out.values()))


if __name__ == '__main__':
    main()
