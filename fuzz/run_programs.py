"""Long fuzz run: N random programs (tests/fuzz_programs.py) under bibun and PyTorch.

    python fuzz/run_programs.py --count 100000 --seed 0 [--stop-on-first]

Each disagreement is printed once per kind (op and message head) with the program that shows it;
the summary counts programs, steps that ran, and disagreements per kind. A crash of the interpreter
(segfault/abort) ends the run: rerun with --start at the reported index to reproduce it alone.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

import bibun
import torch
from fuzz_programs import Mismatch, random_program, run_program


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--max-steps", type=int, default=8)
    ap.add_argument("--stop-on-first", action="store_true")
    ap.add_argument("--progress", type=int, default=10_000)
    args = ap.parse_args()
    kinds: collections.Counter[str] = collections.Counter()
    known: list[str] = []
    steps = 0
    t0 = time.time()
    for n in range(args.start, args.start + args.count):
        program = random_program(np.random.default_rng([args.seed, n]), args.max_steps)
        sys.stderr.write(f"\r{n}") if n % 1000 == 0 else None
        try:
            steps += run_program(torch, bibun, program, known)
        except Mismatch as e:
            msg = str(e)
            head = msg.split(":", 2)
            kind = (head[0].split(" ", 2)[-1].split("(")[0] + ":" + head[1][:60]) if len(head) > 1 else msg[:80]
            if kinds[kind] == 0:
                print(f"--- program {n} ({kind}):\n{program}\n{msg[:1500]}\n", flush=True)
            kinds[kind] += 1
            if args.stop_on_first:
                break
        if args.progress and (n + 1 - args.start) % args.progress == 0:
            print(f"[{n + 1 - args.start} programs, {steps} steps ran, {sum(kinds.values())} mismatches, "
                  f"{time.time() - t0:.0f} s]", flush=True)
    total = sum(kinds.values())
    print(f"\n{args.count} programs, {steps} steps ran, {total} programs disagreed, {time.time() - t0:.0f} s")
    for kind, c in kinds.most_common():
        print(f"{c:8d}  {kind}")
    print("known issues tolerated (reported, see tests/fuzz_programs.py: known_issue):")
    for reason, c in collections.Counter(known).most_common():
        print(f"{c:8d}  {reason}")
    return 1 if total else 0


if __name__ == "__main__":
    raise SystemExit(main())
