"""Shrinks a disagreeing program from fuzz/run_programs.py output: drops steps and inputs while the
disagreement (Mismatch) persists, then prints the smallest program and its message.

    python fuzz/shrink.py "Program(inputs=[...], steps=[...])"
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

import bibun
import torch
from fuzz_programs import InputSpec, Mismatch, Program, run_program  # noqa: F401


def fails(p: Program) -> str | None:
    try:
        run_program(torch, bibun, p)
    except Mismatch as e:
        return str(e)
    except Exception:  # noqa: BLE001 - a shrunk program may break the interpreter's assumptions
        return None
    return None


def shrink(p: Program) -> Program:
    changed = True
    while changed:
        changed = False
        for i in range(len(p.steps)):
            q = Program(p.inputs, p.steps[:i] + p.steps[i + 1 :])
            if q.steps and fails(q):
                p, changed = q, True
                break
    return p


if __name__ == "__main__":
    program = eval(sys.argv[1])
    assert fails(program), "the program does not disagree"
    small = shrink(program)
    print(small)
    print(fails(small))
