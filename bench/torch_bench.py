# PyTorch side of weightroom's benchmarks (bench/index.mjs runs it): one measurement per process, printed as a
# JSON object on the last line. Usage: torch_bench.py <sgemm|cnn|resnet-train|resnet-infer> --threads N ...
import argparse
import json
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def timed(fn, min_time, warmup):
    """Mean seconds per call over a window of at least min_time, after warmup calls."""
    for _ in range(warmup):
        fn()
    n, t0 = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        dt = time.perf_counter() - t0
        if dt >= min_time:
            return dt / n


def sgemm(args):
    out = []
    for spec in args.sizes.split(","):
        m, n, k = (int(v) for v in spec.split("x"))
        a, b, c = torch.randn(m, k), torch.randn(k, n), torch.empty(m, n)
        best = min(timed(lambda: torch.mm(a, b, out=c), args.min_time / 3, 2) for _ in range(3))
        out.append({"m": m, "n": n, "k": k, "gflops": 2 * m * n * k / best / 1e9})
    return {"sgemm": out}


def small_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10),
    )


def train_rate(model, x, y, min_time, warmup, lr=0.01):
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    model.train()

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    return x.shape[0] / timed(step, min_time, warmup)


def cnn(args):
    torch.manual_seed(0)
    x, y = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
    return {"imagesPerSec": train_rate(small_cnn(), x, y, args.min_time, 3)}


def resnet18(classes):
    import torchvision

    return torchvision.models.resnet18(num_classes=classes)


def resnet_train(args):
    torch.manual_seed(0)
    x = torch.randn(args.batch, 3, args.size, args.size)
    y = torch.randint(0, 10, (args.batch,))
    rate = train_rate(resnet18(10), x, y, args.min_time, 2)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"imagesPerSec": rate, "peakRssBytes": rss}


def resnet_infer(args):
    torch.manual_seed(0)
    model = resnet18(1000).eval()
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        sec = timed(lambda: model(x), args.min_time, 3)
    return {"latencyMs": sec * 1e3}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("bench", choices=["sgemm", "cnn", "resnet-train", "resnet-infer"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--sizes", default="256x256x256")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--min-time", type=float, default=2.0)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    fn = {"sgemm": sgemm, "cnn": cnn, "resnet-train": resnet_train, "resnet-infer": resnet_infer}[args.bench]
    res = fn(args)
    res.update({"torch": torch.__version__, "threads": torch.get_num_threads()})
    print(json.dumps(res))


if __name__ == "__main__":
    main()
