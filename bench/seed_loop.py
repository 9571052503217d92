"""Times seed 000's autograd loop and a deep chain on bibun and on PyTorch, in one process.

The loop (PyTorch's 60-minute blitz, autograd part)::

    x = ones(2, 2, requires_grad=True); y = x + 2; z = y * y * 3; out = z.mean(); out.backward()

is timed in rounds that alternate the two libraries (which one goes first alternates too), after a
warm-up; each round times a batch of iterations with ``time.perf_counter_ns`` and the figure reported
is the median over rounds of the µs per iteration. Both libraries use the same number of threads
(``torch.set_num_threads(bibun.get_num_threads())``), and the garbage collector is off while timing.

The deep chain builds ``y = y * 1.0000001`` N times from a (2,) leaf that requires grad, runs
backward, then drops the graph; forward, backward and teardown are timed separately, in seconds.

Prints a table and, last, one JSON line with every figure (see bench/README.md).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import bibun

try:
    import torch
except ImportError:  # the bench still runs bibun alone
    torch = None


def seed_loop(lib: ModuleType, iters: int) -> int:
    """Runs the seed-000 loop `iters` times; returns the elapsed nanoseconds."""
    ones = lib.ones
    start = time.perf_counter_ns()
    for _ in range(iters):
        x = ones(2, 2, requires_grad=True)
        y = x + 2
        z = y * y * 3
        out = z.mean()
        out.backward()
    return time.perf_counter_ns() - start


def deep_chain(lib: ModuleType, n: int) -> dict[str, float]:
    """Forward, backward and teardown times (s) of a chain of `n` multiplies from a (2,) leaf."""
    x = lib.ones(2, requires_grad=True)
    t0 = time.perf_counter_ns()
    y = x
    for _ in range(n):
        y = y * 1.0000001
    t1 = time.perf_counter_ns()
    y.backward(lib.ones_like(y))
    t2 = time.perf_counter_ns()
    del y  # the last reference to the graph: its nodes are freed here
    t3 = time.perf_counter_ns()
    fwd, bwd, free = (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9
    return {"forward": fwd, "backward": bwd, "teardown": free, "total": fwd + bwd + free,
            "grad": float(x.grad.tolist()[0])}  # no indexing: bibun has none yet


def alternate(libs: dict[str, ModuleType], rounds: int, run: Callable[[ModuleType], Any]) -> dict[str, list[Any]]:
    """Calls run(lib) `rounds` times per library, alternating libraries and which one goes first."""
    results: dict[str, list[Any]] = {name: [] for name in libs}
    names = list(libs)
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            gc.collect()
            gc.disable()
            try:
                results[name].append(run(libs[name]))
            finally:
                gc.enable()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds per library (default 41, quick 9)")
    parser.add_argument("--iters", type=int, default=None,
                        help="loop iterations per round (default 2000, quick 500)")
    parser.add_argument("--deep", type=int, default=1_000_000, help="length of the deep chain (0 skips it)")
    parser.add_argument("--deep-rounds", type=int, default=None, help="deep-chain runs per library (default 3, quick 1)")
    parser.add_argument("--quick", action="store_true", help="fewer rounds and iterations (a smoke run)")
    parser.add_argument("--no-torch", action="store_true", help="time bibun only")
    args = parser.parse_args(argv)
    rounds = args.rounds or (9 if args.quick else 41)
    iters = args.iters or (500 if args.quick else 2000)
    deep_rounds = args.deep_rounds or (1 if args.quick else 3)

    threads = bibun.get_num_threads()
    libs: dict[str, ModuleType] = {"bibun": bibun}
    if torch is not None and not args.no_torch:
        torch.set_num_threads(threads)
        libs["torch"] = torch

    for lib in libs.values():  # warm-up: first calls, allocator, caches
        seed_loop(lib, max(iters, 1000))
    loop = alternate(libs, rounds, lambda lib: seed_loop(lib, iters) / iters / 1000.0)
    loop_us = {name: statistics.median(v) for name, v in loop.items()}
    spread = {name: (min(v), max(v)) for name, v in loop.items()}

    deep: dict[str, dict[str, float]] = {}
    if args.deep > 0:
        runs = alternate(libs, deep_rounds, lambda lib: deep_chain(lib, args.deep))
        for name, rs in runs.items():
            deep[name] = {k: statistics.median(r[k] for r in rs) for k in rs[0]}

    versions = {name: lib.__version__ for name, lib in libs.items()}
    print(f"seed-000 loop, {rounds} rounds x {iters} iterations, {threads} thread(s), "
          f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs")
    print(f"{'library':<8} {'version':<12} {'median us/iter':>15} {'min':>8} {'max':>8}")
    for name in libs:
        print(f"{name:<8} {versions[name]:<12} {loop_us[name]:>15.2f} {spread[name][0]:>8.2f} {spread[name][1]:>8.2f}")
    ratio = loop_us["bibun"] / loop_us["torch"] if "torch" in loop_us else None
    if ratio is not None:
        print(f"ratio bibun/torch: {ratio:.3f}  (below 1: bibun is faster)")
    deep_ratio = None
    if deep:
        print(f"\ndeep chain, {args.deep:,} multiplies, median of {deep_rounds} run(s), seconds")
        print(f"{'library':<8} {'forward':>9} {'backward':>9} {'teardown':>9} {'total':>9}  x.grad[0]")
        for name, d in deep.items():
            print(f"{name:<8} {d['forward']:>9.3f} {d['backward']:>9.3f} {d['teardown']:>9.3f} {d['total']:>9.3f}"
                  f"  {d['grad']:.6g}")
        if "torch" in deep:
            deep_ratio = deep["bibun"]["total"] / deep["torch"]["total"]
            print(f"ratio bibun/torch (total): {deep_ratio:.3f}")

    print(json.dumps({
        "bench": "seed_loop", "versions": versions, "threads": threads, "rounds": rounds, "iters": iters,
        "loop_us": loop_us, "loop_ratio": ratio, "deep_n": args.deep, "deep_rounds": deep_rounds,
        "deep_s": deep, "deep_ratio": deep_ratio,
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
