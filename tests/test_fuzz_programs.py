"""Property test: random programs (ops, views, slices with steps, expands, in-place writes on views,
over 0-d, empty, size-1 and non-contiguous inputs of every dtype) give the same values, errors and
gradients under bibun and PyTorch. The generator and interpreter live in tests/fuzz_programs.py; the
long run (>= 100,000 programs) is fuzz/run_programs.py."""

from __future__ import annotations

from typing import Any

import pytest

hypothesis = pytest.importorskip("hypothesis")
import bibun
from fuzz_programs import Program, program_strategy, run_program
from hypothesis import HealthCheck, Phase, given, settings

torch = pytest.importorskip("torch")


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)
@given(program=program_strategy(max_steps=8))
def test_random_programs_agree_with_pytorch(program: Program) -> None:
    run_program(torch, bibun, program)


def test_the_interpreter_can_fail() -> None:
    # A program whose bibun result is tampered with must be reported: the check is not vacuous.
    from fuzz_programs import InputSpec, Mismatch

    program = Program([InputSpec((2, 3), "float32", True, "transposed", 7)], [("mul_scalar", 0, 0, 0)])
    assert run_program(torch, bibun, program) == 1

    class Tampered:
        def __getattr__(self, name: str) -> Any:
            if name == "tensor":
                return lambda data, dtype=None: bibun.tensor(data, dtype=dtype) + 1
            return getattr(bibun, name)

    with pytest.raises(Mismatch):
        run_program(torch, Tampered(), program)
