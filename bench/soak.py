"""Soak tests (not part of the default suite; run by hand for the hardening note):

    python bench/soak.py mlp   [--iters 100000]     # RSS must stay flat (<= 1 MiB) after warm-up
    python bench/soak.py chain [--ops 10000000]     # a 10M-op graph runs backward and is freed

`mlp` trains a small MLP (nn.Linear, ReLU, cross-entropy, SGD with momentum) and samples the resident
set size every 10% of the run; `chain` builds one long chain of ops on a leaf, runs backward, frees the
graph (iteratively: a recursive teardown would overflow the stack) and reports time and RSS.
Exit status 1 when a check fails.

Both also report the bytes malloc has handed out and not taken back (glibc's mallinfo2: heap chunks in
use plus mmapped chunks), which tells a leak from the allocator keeping freed memory: RSS can step up
while nothing leaks. In the mlp loop CPython's interned-string dict is rebuilt every few ten thousand
iterations (pybind11 interns each parameter name it looks up among a call's keyword names, and a name
interned nowhere else is added and dropped again on every call), a ~1 MiB block that glibc serves first
by mmap and, once its dynamic mmap threshold has risen past it, from the heap, whose top it then keeps
(the trim threshold rises with it). After a 10^7-op chain is freed the heap is as before, but glibc keeps
the freed pages (PyTorch's RSS stays up the same way); malloc_trim(0) hands them back, which the chain
report shows. The checks: RSS and malloc'd bytes within 1 MiB after warm-up (mlp; one growth step of
that dict is ~0.5 MiB); malloc'd bytes back within 1 MiB of the start once the chain is freed.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import sys
import time

import bibun

MiB = 1 << 20


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
                     "fordblks", "keepcost")
    ]


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        return libc
    except (OSError, AttributeError):  # not glibc, or glibc < 2.33
        return None


LIBC = _libc()


def heap() -> int | None:
    """Bytes malloc has handed out and not taken back (heap chunks in use + mmapped chunks)."""
    if LIBC is None:
        return None
    info = LIBC.mallinfo2()
    return info.uordblks + info.hblkhd


def mib(n: int | None) -> str:
    return "n/a" if n is None else f"{n / MiB:.2f} MiB"


def soak_mlp(iters: int, warmup: int) -> bool:
    bibun.manual_seed(0)
    model = bibun.nn.Sequential(bibun.nn.Linear(16, 32), bibun.nn.ReLU(), bibun.nn.Linear(32, 4))
    opt = bibun.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = bibun.randn(8, 16)
    target = bibun.randint(0, 4, (8,))
    samples: list[tuple[int, int, int | None, float]] = []
    start = time.perf_counter()
    base = base_heap = None
    for i in range(1, iters + 1):
        opt.zero_grad()
        loss = bibun.nn.functional.cross_entropy(model(x), target)
        loss.backward()
        opt.step()
        if i == warmup:
            gc.collect()
            base, base_heap = rss(), heap()
        if i % max(iters // 10, 1) == 0 or i == warmup:
            samples.append((i, rss(), heap(), loss.item()))
    gc.collect()
    end, end_heap = rss(), heap()
    elapsed = time.perf_counter() - start
    print(f"mlp soak: {iters} iterations in {elapsed:.1f} s ({elapsed / iters * 1e6:.0f} us/iter)")
    for i, r, h, l in samples:
        print(f"  iter {i:>7}: RSS {r / MiB:8.2f} MiB   malloc'd {mib(h):>12}   loss {l:.4f}")
    if base is None:
        base, base_heap = samples[0][1], samples[0][2]
    growth = end - base
    ok = growth <= MiB
    print(f"RSS after warm-up ({warmup} iters): {base / MiB:.2f} MiB, at the end: {end / MiB:.2f} MiB, "
          f"growth {growth / 1024:.0f} KiB -> {'ok' if ok else 'FAIL (> 1 MiB)'}")
    if base_heap is not None and end_heap is not None:
        heap_growth = end_heap - base_heap
        heap_ok = heap_growth <= MiB
        ok &= heap_ok
        print(f"malloc'd after warm-up: {mib(base_heap)}, at the end: {mib(end_heap)}, "
              f"growth {heap_growth / 1024:.0f} KiB -> {'ok' if heap_ok else 'FAIL (> 1 MiB)'}")
    return ok


def soak_chain(ops: int) -> bool:
    gc.collect()
    start_rss, start_heap = rss(), heap()
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
    freed_rss, freed_heap = rss(), heap()
    print(f"chain of {ops} ops: built in {t1 - t0:.1f} s (RSS +{(built_rss - start_rss) / MiB:.0f} MiB), "
          f"backward {t2 - t1:.1f} s, freed in {t3 - t2:.1f} s "
          f"(RSS back to +{(freed_rss - start_rss) / MiB:.0f} MiB); "
          f"grad {'ok' if ok else 'WRONG: ' + str(x.grad.tolist())}")
    if start_heap is not None and freed_heap is not None:
        leaked = freed_heap - start_heap
        heap_ok = leaked <= MiB
        ok &= heap_ok
        LIBC.malloc_trim(0)
        print(f"  malloc'd after the free: {leaked / 1024:+.0f} KiB from the start -> "
              f"{'ok' if heap_ok else 'FAIL (> 1 MiB)'}; RSS after malloc_trim(0): "
              f"{(rss() - start_rss) / MiB:+.0f} MiB")
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
