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


def test_integer_pow_with_negative_tensor_exponent_computes_like_torch_without_crashing():
    # PyTorch computes integer ** negative integer tensor exponents (1, -1 or 0); only a number
    # exponent raises.
    _runs_without_crash(
        "import bibun\n"
        "assert (bibun.tensor([2, 3, 1, -1]) ** bibun.tensor([1, -1, -2, -3])).tolist() == [2, 0, 1, -1]\n"
    )


def test_equal_matches_torch():
    torch = pytest.importorskip("torch")
    for lib in (torch, bibun):
        a = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        assert lib.equal(a, a.clone()) is True
        assert lib.equal(a, a.t()) is False
        assert lib.equal(a, lib.tensor([1.0, 2.0])) is False


def test_sizes_whose_product_overflows_raise_instead_of_wrapping_to_a_tiny_tensor():
    # numel_of once wrapped 2**32 * 2**32 to 0: empty() returned a 0-byte storage with huge strides,
    # and indexing it read far out of bounds (segfault). Found by the hardening fuzz pass (issue 8).
    _runs_without_crash(
        "import bibun\n"
        "for shape in [(2**32, 2**32), (2**31, 2**31, 4), (0, 2**32, 2**32)]:\n"
        "    try:\n"
        "        t = bibun.empty(*shape)\n"
        "    except RuntimeError as e:\n"
        "        assert 'overflow' in str(e), e\n"
        "    else:\n"
        "        raise SystemExit(f'no error for {shape}: numel {t.numel()}')\n"
        "try:\n"
        "    bibun.zeros(1).expand(2**31, 2**31, 4)\n"
        "except RuntimeError as e:\n"
        "    assert 'numel: integer multiplication overflow' in str(e), e\n"
        "else:\n"
        "    raise SystemExit('expand: no error')\n"
        "assert bibun.zeros(0).view(0, 1).expand(0, 2**62).shape == (0, 2**62)\n"
    )


def test_expanded_view_of_a_base_written_in_place_sums_its_gradient():
    # AsStridedBackward0 of an expanded view (stride 0) copied the gradient into the base layout, so
    # only one of the elements sharing a memory location counted (3 instead of 9 here). Found by
    # tests/test_fuzz_programs.py (issue 8).
    torch = pytest.importorskip("torch")
    got = []
    for lib in (torch, bibun):
        x = lib.tensor([[1.0], [2.0]], dtype=lib.float64)
        v = x.expand(2, 3)  # a view taken before x had any history
        w = lib.tensor(3.0, dtype=lib.float64, requires_grad=True)
        x.mul_(w)  # x (and so v, through AsStridedBackward0) now depends on w
        weights = lib.arange(6.0, dtype=lib.float64).view(2, 3)
        (g,) = lib.autograd.grad((v * weights).sum(), w, create_graph=True)
        got.append(g.item())
    assert got[1] == got[0] == 27.0
