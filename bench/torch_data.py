# The PyTorch side of bench/data.mjs: torch DataLoader throughput on the same data and transforms, 0/1/2 workers.
# Usage: /usr/bin/python3 bench/torch_data.py <torchvision root with FashionMNIST/raw> <jpeg folder> <images>
import json
import sys
import time

import torch
from torchvision import datasets, transforms as T

tv_root, folder, images = sys.argv[1], sys.argv[2], int(sys.argv[3])
torch.set_num_threads(1)


def measure(loader, max_images):
    n = 0
    t0 = time.perf_counter()
    for x, _ in loader:
        n += x.shape[0]
        if n >= max_images:
            break
    return n / (time.perf_counter() - t0)


out = []
for workers in (0, 1, 2):
    fm = datasets.FashionMNIST(tv_root, train=True, transform=T.Compose([T.ToTensor(), T.Normalize((0.286,), (0.353,))]))
    a = measure(torch.utils.data.DataLoader(fm, batch_size=64, shuffle=True, num_workers=workers), 20000)
    imf = datasets.ImageFolder(folder, transform=T.Compose([
        T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))]))
    b = measure(torch.utils.data.DataLoader(imf, batch_size=32, shuffle=True, num_workers=workers), images)
    out.append({'workers': workers, 'fashionMnist': a, 'imageFolderJpeg': b})
print(json.dumps(out))
