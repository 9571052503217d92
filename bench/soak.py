"""Soak tests (not part of the default suite; run by hand for the hardening note):

    python bench/soak.py mlp   [--iters 100000]     # RSS must stay flat (<= 1 MiB) after warm-up
    python bench/soak.py chain [--ops 10000000]     # a 10M-op graph runs backward and is freed

`mlp` trains a small MLP (nn.Linear, ReLU, cross-entropy, SGD with momentum) and samples the resident
set size every 10% of the run; `chain` builds one long chain of ops on a leaf, runs backward, frees the
graph (iteratively: a recursive teardown would overflow the stack) and reports time and RSS.
Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time

import bibun

MiB = 1 << 20


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def soak_mlp(iters: int, warmup: int) -> bool:
    bibun.manual_seed(0)
    model = bibun.nn.Sequential(bibun.nn.Linear(16, 32), bibun.nn.ReLU(), bibun.nn.Linear(32, 4))
    opt = bibun.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = bibun.randn(8, 16)
    target = bibun.randint(0, 4, (8,))
    samples: list[tuple[int, int, float]] = []
    start = time.perf_counter()
    base = None
    for i in range(1, iters + 1):
        opt.zero_grad()
        loss = bibun.nn.functional.cross_entropy(model(x), target)
        loss.backward()
        opt.step()
        if i == warmup:
            gc.collect()
            base = rss()
        if i % max(iters // 10, 1) == 0 or i == warmup:
            samples.append((i, rss(), loss.item()))
    gc.collect()
    end = rss()
    elapsed = time.perf_counter() - start
    print(f"mlp soak: {iters} iterations in {elapsed:.1f} s ({elapsed / iters * 1e6:.0f} us/iter)")
    for i, r, l in samples:
        print(f"  iter {i:>7}: RSS {r / MiB:8.2f} MiB   loss {l:.4f}")
    growth = end - (base if base is not None else samples[0][1])
    ok = growth <= MiB
    print(f"RSS after warm-up ({warmup} iters): {base / MiB:.2f} MiB, at the end: {end / MiB:.2f} MiB, "
          f"growth {growth / 1024:.0f} KiB -> {'ok' if ok else 'FAIL (> 1 MiB)'}")
    return ok


def soak_chain(ops: int) -> bool:
    start_rss = rss()
    x = bibun.ones(2, requires_grad=True)
    t0 = time.perf_counter()
    y = x
    for _ in range(ops):
        y = y + 1.0
    t1 = time.perf_counter()
    built_rss = rss()
    y.sum().backward()
    t2 = time.perf_counter()
    ok = x.grad.tolist() == [1.0, 1.0]
    del y
    gc.collect()
    t3 = time.perf_counter()
    freed_rss = rss()
    print(f"chain of {ops} ops: built in {t1 - t0:.1f} s (RSS +{(built_rss - start_rss) / MiB:.0f} MiB), "
          f"backward {t2 - t1:.1f} s, freed in {t3 - t2:.1f} s (RSS back to +{(freed_rss - start_rss) / MiB:.0f} MiB); "
          f"grad {'ok' if ok else 'WRONG: ' + str(x.grad.tolist())}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["mlp", "chain", "all"])
    ap.add_argument("--iters", type=int, default=100_000)
    ap.add_argument("--warmup", type=int, default=10_000)
    ap.add_argument("--ops", type=int, default=10_000_000)
    args = ap.parse_args()
    ok = True
    if args.what in ("mlp", "all"):
        ok &= soak_mlp(args.iters, args.warmup)
    if args.what in ("chain", "all"):
        ok &= soak_chain(args.ops)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
