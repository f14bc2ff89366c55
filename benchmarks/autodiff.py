"""Time forward plus backward of an MLP in vcbook's Tensor engine and in torch.

The network is 784 -> 128 -> ReLU -> 10 with a cross-entropy loss on a batch
of 256 random inputs, in the same dtype in both engines (float32 unless
``--dtype float64``), on the CPU. Both engines
run side by side in one process: each is warmed up, then timed over
``--repeats`` runs, and the script prints the medians and their ratio.

The comparison runs twice: with one thread in both libraries, and with
torch's default number of threads in both (OpenBLAS threads in NumPy, set
with threadpoolctl, and torch's intra-op threads). On a busy machine the
multithreaded times can jump tenfold, because BLAS threads wait for cores;
the script prints the load average next to each result, and results taken
with a load above the number of cores are not comparable.

Run it with ``python benchmarks/autodiff.py`` (``PYTHONPATH=src`` if vcbook is
not installed).
"""

import argparse
import os
import statistics
import time

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from vcbook.autodiff import Tensor, cross_entropy

BATCH, IN, HIDDEN, OUT = 256, 784, 128, 10


def make_data(dtype, seed=0):
    """Return inputs, labels and the two layers' weights and biases, in ``dtype``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(BATCH, IN)).astype(dtype)
    y = rng.integers(0, OUT, size=BATCH)
    params = []
    for fan_in, fan_out in ((IN, HIDDEN), (HIDDEN, OUT)):
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, size=(fan_out, fan_in)).astype(dtype))
        params.append(rng.uniform(-bound, bound, size=fan_out).astype(dtype))
    return x, y, params


def step_vcbook(x, y, params):
    """Run one forward and backward pass with vcbook's Tensor; return the loss."""
    W1, b1, W2, b2 = params
    for p in params:
        p.grad = None
    hidden = (x @ W1.T + b1).relu()  # (N, 128)
    loss = cross_entropy(hidden @ W2.T + b2, y)
    loss.backward()
    return float(loss.data)


def step_torch(x, y, params):
    """Run one forward and backward pass with torch.autograd; return the loss."""
    W1, b1, W2, b2 = params
    for p in params:
        p.grad = None
    hidden = torch.relu(x @ W1.T + b1)
    loss = torch.nn.functional.cross_entropy(hidden @ W2.T + b2, y)
    loss.backward()
    return float(loss.detach())


def median_seconds(step, args, repeats, warmup):
    """Return the median wall-clock time of ``step(*args)`` in seconds."""
    for _ in range(warmup):
        step(*args)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compare(ours, theirs, repeats, warmup, rounds=5):
    """Return the median times of both engines, interleaved in ``rounds``.

    Interleaving makes a slow spell of the machine affect both engines.
    """
    ours_times, torch_times = [], []
    for _ in range(rounds):
        ours_times.append(median_seconds(step_vcbook, ours, repeats // rounds, warmup))
        torch_times.append(
            median_seconds(step_torch, theirs, repeats // rounds, warmup)
        )
    return statistics.median(ours_times), statistics.median(torch_times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=200, help="timed runs per engine"
    )
    parser.add_argument(
        "--warmup", type=int, default=20, help="untimed runs per engine first"
    )
    parser.add_argument(
        "--dtype",
        choices=["float32", "float64"],
        default="float32",
        help="floating-point type of both engines",
    )
    args = parser.parse_args()

    x, y, params = make_data(np.dtype(args.dtype))
    ours = (Tensor(x), y, [Tensor(p, requires_grad=True) for p in params])
    theirs = (
        torch.from_numpy(x),
        torch.from_numpy(y),
        [torch.tensor(p, requires_grad=True) for p in params],
    )
    loss_ours = step_vcbook(*ours)
    loss_torch = step_torch(*theirs)

    print(f"MLP {IN} -> {HIDDEN} -> ReLU -> {OUT}, batch {BATCH}, {args.dtype}, CPU")
    print(f"numpy {np.__version__}, torch {torch.__version__}")
    print(f"loss: vcbook {loss_ours:.6f}, torch {loss_torch:.6f}")
    default_threads = torch.get_num_threads()
    for threads in sorted({1, default_threads}):
        # The same number of BLAS threads in NumPy (OpenBLAS) and in torch.
        torch.set_num_threads(threads)
        with threadpool_limits(limits=threads, user_api="blas"):
            t_ours, t_torch = compare(ours, theirs, args.repeats, args.warmup)
        load = os.getloadavg()[0]
        print(
            f"{threads} thread(s), load average {load:.2f} on {os.cpu_count()} cores: "
            f"vcbook Tensor {t_ours * 1e3:.3f} ms, torch.autograd {t_torch * 1e3:.3f} ms "
            f"per forward + backward (medians), ratio {t_ours / t_torch:.2f}"
        )
    torch.set_num_threads(default_threads)


if __name__ == "__main__":
    main()
