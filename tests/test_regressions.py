"""Regression tests for bugs found in bibun (each names the bug it guards against)."""

import subprocess
import sys

import pytest

import bibun


def _runs_without_crash(code: str) -> subprocess.CompletedProcess:
    # In a child process: a segfault must fail the test, not kill the test run.
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"crashed or failed (rc={done.returncode}): {done.stderr[-2000:]}"
    return done


def test_equal_of_1d_tensors_does_not_crash_the_interpreter():
    # ops::equal once reduced into a 0-d output while the kernel expects the keepdim layout.
    out = _runs_without_crash(
        "import bibun; t = bibun.randn(3); print(t.equal(t), bibun.equal(t, t + 1), t.equal(bibun.ones(2)))"
    )
    assert out.stdout.split() == ["True", "False", "False"]


def test_integer_pow_with_negative_tensor_exponent_raises_instead_of_crashing():
    _runs_without_crash(
        "import bibun\n"
        "try:\n"
        "    bibun.tensor([2, 3]) ** bibun.tensor([1, -1])\n"
        "except RuntimeError as e:\n"
        "    assert 'negative integer powers' in str(e)\n"
        "else:\n"
        "    raise SystemExit('no error')\n"
    )


def test_equal_matches_torch():
    torch = pytest.importorskip("torch")
    for lib in (torch, bibun):
        a = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        assert lib.equal(a, a.clone()) is True
        assert lib.equal(a, a.t()) is False
        assert lib.equal(a, lib.tensor([1.0, 2.0])) is False
