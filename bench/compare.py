"""bibun against PyTorch on the workloads of issue 7 (W1-W8), alternating the libraries in one run.

Each in-process workload is timed in rounds; in every round each library runs the same code once
(which library goes first alternates), and a figure is the median over rounds. Both libraries use the
same number of threads (``torch.set_num_threads(bibun.get_num_threads())``) and the garbage collector
is off while timing. The memory workloads (W6's peak RSS, W7) run each library in a fresh child
process of this script, so one library's memory never counts against the other.

Prints a table (figure, bibun, PyTorch, ratio bibun/PyTorch, the issue's target) and then one JSON line
per workload. ``--quick`` finishes in under two minutes; see bench/README.md for how to read it.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# Imported in main(): a memory child process imports only the library it measures.
bibun: Any = None
torch: Any = None
LIBS: list[ModuleType] = []


# ---------------------------------------------------------------------------------------------
# Timing


def _timed(fn: Callable[[], Any]) -> float:
    """Seconds ``fn`` takes, with the garbage collector collected before and off during the call."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        gc.enable()


def alternate(rounds: int, run: Callable[[ModuleType], dict[str, float]]) -> dict[str, dict[str, float]]:
    """Medians over ``rounds`` of every figure ``run(lib)`` returns, per library, libraries alternating."""
    samples: dict[str, dict[str, list[float]]] = {lib.__name__: {} for lib in LIBS}
    for lib in LIBS:  # warm-up
        run(lib)
    for r in range(rounds):
        order = LIBS if r % 2 == 0 else LIBS[::-1]
        for lib in order:
            for key, value in run(lib).items():
                samples[lib.__name__].setdefault(key, []).append(value)
    return {name: {k: statistics.median(v) for k, v in figs.items()} for name, figs in samples.items()}


# ---------------------------------------------------------------------------------------------
# Workloads. Each returns {figure: {"bibun": x, "torch": y}} plus optional extra entries.


def w1_per_op_overhead(quick: bool) -> dict:
    """A 10,000-op chain of add/mul with tensor and scalar operands on (2,2) float32 tensors."""
    n = 10_000

    def chain(lib: ModuleType, x: Any, t1: Any, t2: Any) -> Any:
        y = x
        for _ in range(n // 4):
            y = y + t1
            y = y * 0.5
            y = y * t2
            y = y + 1.0
        return y

    def run(lib: ModuleType) -> dict[str, float]:
        x = lib.ones(2, 2, requires_grad=True)
        t1, t2 = lib.full((2, 2), 0.1), lib.ones(2, 2)
        box: list[Any] = []
        fwd = _timed(lambda: box.append(chain(lib, x, t1, t2)))
        out = box.pop().sum()
        bwd = _timed(out.backward)
        del out
        with lib.no_grad():
            nograd = _timed(lambda: chain(lib, x, t1, t2))
        return {"forward us/op": fwd / n * 1e6, "backward us/node": bwd / (n + 1) * 1e6,
                "no_grad forward us/op": nograd / n * 1e6}

    return alternate(7 if quick else 21, run)


def w2_seed_loop(quick: bool) -> dict:
    from seed_loop import seed_loop

    iters = 500 if quick else 2000
    return alternate(9 if quick else 31, lambda lib: {"us/iter": seed_loop(lib, iters) / iters / 1e3})


def _mlp(lib: ModuleType, sizes: tuple[int, ...], seed: int = 0) -> Any:
    """A ReLU MLP with the same (numpy-drawn) initial weights in either library."""
    rng = np.random.RandomState(seed)
    layers: list[Any] = []
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        lin = lib.nn.Linear(fan_in, fan_out)
        bound = 1 / np.sqrt(fan_in)
        with lib.no_grad():
            lin.weight.copy_(lib.from_numpy(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)))
            lin.bias.copy_(lib.from_numpy(rng.uniform(-bound, bound, fan_out).astype(np.float32)))
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(lib.nn.ReLU())
    return lib.nn.Sequential(*layers)


def _mlp_steps(lib: ModuleType, steps: int, model: Any = None) -> Callable[[], None]:
    """W3's training step (batch 64, 784-256-10, relu, cross_entropy, SGD), ``steps`` times."""
    model = model or _mlp(lib, (784, 256, 10))
    rng = np.random.RandomState(1)
    x = lib.from_numpy(rng.standard_normal((64, 784)).astype(np.float32))
    y = lib.from_numpy(rng.randint(0, 10, 64).astype(np.int64))
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    F = lib.nn.functional

    def go() -> None:
        for _ in range(steps):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()

    return go


def w3_mlp_step(quick: bool) -> dict:
    steps = 20
    runners = {lib.__name__: _mlp_steps(lib, steps) for lib in LIBS}
    return alternate(5 if quick else 21, lambda lib: {"ms/step": _timed(runners[lib.__name__]) / steps * 1e3})


def w4_elementwise(quick: bool) -> dict:
    """(a*b+c).sum() forward+backward on 10M float32; bandwidth against a memcpy of 40 MB."""
    n = 10_000_000
    rng = np.random.RandomState(2)
    arrays = [rng.standard_normal(n).astype(np.float32) for _ in range(3)]
    inputs = {lib.__name__: [lib.from_numpy(a.copy()).requires_grad_() for a in arrays] for lib in LIBS}
    src, dst = arrays[0], np.empty_like(arrays[0])

    def run(lib: ModuleType) -> dict[str, float]:
        a, b, c = inputs[lib.__name__]
        for t in (a, b, c):
            t.grad = None
        seconds = _timed(lambda: (a * b + c).sum().backward())
        copy = _timed(lambda: np.copyto(dst, src))
        # The least memory traffic the step can have: forward reads a, b, c once; backward reads a and b
        # and writes three gradients: 8 arrays of 4n bytes. memcpy moves 2 arrays (read + write).
        return {"ms": seconds * 1e3, "GB/s": 8 * 4 * n / seconds / 1e9, "memcpy GB/s": 2 * 4 * n / copy / 1e9}

    return alternate(3 if quick else 11, run)


def w5_matmul(quick: bool) -> dict:
    """1024^3 float32 matmul forward+backward (three GEMMs); GFLOP/s against numpy's matmul."""
    n = 1024
    rng = np.random.RandomState(3)
    an, bn = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
    inputs = {lib.__name__: (lib.from_numpy(an.copy()).requires_grad_(), lib.from_numpy(bn.copy()).requires_grad_())
              for lib in LIBS}

    def run(lib: ModuleType) -> dict[str, float]:
        a, b = inputs[lib.__name__]
        a.grad = b.grad = None
        # numpy's OpenBLAS threads spin for about 0.1 s after the previous round's numpy matmul and
        # would take a core from whichever library is timed next: let them go to sleep first.
        time.sleep(0.3)
        seconds = _timed(lambda: (a @ b).sum().backward())
        numpy_seconds = _timed(lambda: an @ bn)
        return {"ms": seconds * 1e3, "GFLOP/s": 3 * 2 * n**3 / seconds / 1e9,
                "numpy GFLOP/s": 2 * n**3 / numpy_seconds / 1e9}

    return alternate(3 if quick else 11, run)


def _children(workload: str, arg: int) -> dict:
    """Runs ``--child workload`` in a fresh process per library; their JSON figures."""
    out: dict[str, dict[str, float]] = {}
    for lib in LIBS:
        cmd = [sys.executable, os.path.abspath(__file__), "--child", workload, "--lib", lib.__name__,
               "--n", str(arg), "--threads", str(bibun.get_num_threads())]
        res = subprocess.run(cmd, capture_output=True, text=True, check=True)
        out[lib.__name__] = json.loads(res.stdout.strip().splitlines()[-1])
    return out


def _status_mib(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _rss_mib() -> float:
    return _status_mib("VmRSS")


def _peak_rss_mib() -> float:
    # VmHWM, not getrusage's ru_maxrss: the latter survives fork+exec and would count the parent.
    return _status_mib("VmHWM")


def child_deep_chain(lib: ModuleType, n: int) -> dict[str, float]:
    x = lib.ones(2, requires_grad=True)
    base = _rss_mib()
    start = time.perf_counter()
    y = x
    for _ in range(n):
        y = y * 1.0000001
    y.sum().backward()
    seconds = time.perf_counter() - start
    del y
    return {"s": seconds, "peak RSS MiB": _peak_rss_mib(), "peak over import MiB": _peak_rss_mib() - base}


def child_mlp_memory(lib: ModuleType, steps: int) -> dict[str, float]:
    model = _mlp(lib, (784, 256, 10))
    base = _rss_mib()
    _mlp_steps(lib, steps, model)()
    return {"peak RSS MiB": _peak_rss_mib(), "peak over import MiB": _peak_rss_mib() - base}


def w6_deep_graph(quick: bool) -> dict:
    return _children("deep", 200_000 if quick else 1_000_000)


def w7_memory(quick: bool) -> dict:
    return _children("mlp", 100)


def _digits_training(lib: ModuleType, epochs: int) -> Callable[[], None]:
    """The demo's MLP (64-64-10, SGD momentum 0.9, lr 0.1, batch 32) on the bundled digits."""
    from bibun.demo_train import load_digits

    pixels, labels = load_digits()
    data = lib.utils.data.TensorDataset(lib.from_numpy(pixels / np.float32(16.0)), lib.from_numpy(labels))

    def go() -> None:
        lib.manual_seed(0)
        loader = lib.utils.data.DataLoader(data, batch_size=32, shuffle=True)
        model = _mlp(lib, (64, 64, 10))
        opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for _ in range(epochs):
            for x, y in loader:
                opt.zero_grad()
                lib.nn.functional.cross_entropy(model(x), y).backward()
                opt.step()

    return go


def w8_training(quick: bool) -> dict:
    runners = {lib.__name__: _digits_training(lib, 5) for lib in LIBS}
    return alternate(1 if quick else 5, lambda lib: {"s": _timed(runners[lib.__name__])})


# (workload, function, {figure: (target ratio bibun/torch, "<=" or ">=")})
WORKLOADS: list[tuple[str, Callable[[bool], dict], dict[str, float]]] = [
    ("W1 per-op overhead", w1_per_op_overhead,
     {"forward us/op": 0.35, "backward us/node": 0.35, "no_grad forward us/op": 0.35}),
    ("W2 seed loop", w2_seed_loop, {"us/iter": 0.35}),
    ("W3 MLP step", w3_mlp_step, {"ms/step": 1.0}),
    ("W4 elementwise 10M", w4_elementwise, {"ms": 0.5}),
    ("W5 matmul 1024", w5_matmul, {}),
    ("W6 deep graph", w6_deep_graph, {"s": 0.5, "peak RSS MiB": 1.0}),
    ("W7 memory, 100 MLP steps", w7_memory, {"peak RSS MiB": 1.0}),
    ("W8 digits training, 5 epochs", w8_training, {"s": 1.0}),
]


def _extra_targets(name: str, figs: dict) -> list[str]:
    """The targets that compare bibun against the same run's hardware reference, not PyTorch."""
    b = figs.get("bibun", {})
    if name.startswith("W4") and b:
        return [f"  bibun at {100 * b['GB/s'] / b['memcpy GB/s']:.0f}% of memcpy bandwidth (target >= 80%)"]
    if name.startswith("W5") and b:
        return [f"  bibun at {100 * b['GFLOP/s'] / b['numpy GFLOP/s']:.0f}% of numpy's GFLOP/s (target >= 90%)"]
    return []


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer rounds and a 200,000-op W6 (under 2 minutes)")
    p.add_argument("--only", default="", help="comma-separated workloads to run, e.g. W1,W3")
    p.add_argument("--no-torch", action="store_true", help="time bibun alone")
    p.add_argument("--threads", type=int, default=None, help="threads for both libraries")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    p.add_argument("--lib", default=None, help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args()

    global bibun, torch
    if args.child:  # a fresh process measuring one library
        import importlib

        lib = importlib.import_module(args.lib)
        lib.set_num_threads(args.threads)
        fn = child_deep_chain if args.child == "deep" else child_mlp_memory
        print(json.dumps(fn(lib, args.n)))
        return

    import bibun

    if args.threads:
        bibun.set_num_threads(args.threads)
    if not args.no_torch:
        try:
            import torch
        except ImportError:  # bibun alone; ratios are then not printed
            torch = None
    if torch is not None:
        torch.set_num_threads(bibun.get_num_threads())

    LIBS.append(bibun)
    if torch is not None:
        LIBS.append(torch)
    only = {w.strip().upper() for w in args.only.split(",") if w.strip()}
    print(f"# bibun {bibun.__version__}" + (f", torch {torch.__version__}" if len(LIBS) > 1 else "")
          + f", {bibun.get_num_threads()} threads, {'quick' if args.quick else 'full'} run")
    print(f"{'workload / figure':<44}{'bibun':>12}{'torch':>12}{'ratio':>8}  target")
    lines = []
    for name, fn, targets in WORKLOADS:
        if only and name.split()[0] not in only:
            continue
        figs = fn(args.quick)
        print(name)
        for key, value in figs["bibun"].items():
            t = figs.get("torch", {}).get(key)
            ratio = value / t if t else float("nan")
            target = targets.get(key)
            mark = "" if target is None or t is None else (f"<= {target}  " + ("met" if ratio <= target else "MISSED"))
            print(f"  {key:<42}{value:>12.4g}{(t if t is not None else float('nan')):>12.4g}{ratio:>8.3f}  {mark}")
        for line in _extra_targets(name, figs):
            print(line)
        lines.append(json.dumps({"workload": name, "quick": args.quick, **figs}))
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
