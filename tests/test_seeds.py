"""The seed scripts run with `torch` resolving to bibun and print what PyTorch 2.13 prints.

Each script runs twice in this process: once with the real torch, once with `torch` and its submodules
aliased to bibun in ``sys.modules`` (restored afterwards, so the real torch is untouched). Both runs draw
their random numbers from the same numpy RandomState, so every printed line must match after masking
object addresses and writing PyTorch's ``torch.`` as ``bibun.``."""

from __future__ import annotations

import contextlib
import importlib
import io
import re
import runpy
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import bibun
from conftest import to_numpy

SEEDS = [
    "seed000_blitz_autograd.py",
    "seed001_autogradqs.py",
    "seed002_blitz_tensor_autograd.py",
    "seed003_celu_mlp.py",
    "seed004_autogradqs_notebook.py",
]
LOCAL_DIR = Path(__file__).resolve().parent / "seeds"
SHARED_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds" / "scripts"
TORCH_SUBMODULES = ["nn", "nn.functional", "autograd"]


def seed_path(name: str) -> Path:
    for directory in (LOCAL_DIR, SHARED_DIR):
        if (directory / name).is_file():
            return directory / name
    pytest.skip(f"seed script {name} is in neither {LOCAL_DIR} nor {SHARED_DIR}")


def _same_numbers_factory(lib: Any, rs: np.random.RandomState, draw: Any, name: str):
    """A stand-in for a ``lib`` factory that draws ``draw(rs, shape)`` and builds it with ``lib.tensor``."""

    def factory(*size: Any, dtype: Any = None, requires_grad: bool = False, **kwargs: Any) -> Any:
        if "size" in kwargs:
            size = (kwargs.pop("size"),)
        device = kwargs.pop("device", None)
        if kwargs or device not in (None, "cpu"):
            raise TypeError(f"test {name}: unsupported arguments {sorted(kwargs)} device={device!r}")
        if len(size) == 1 and isinstance(size[0], (tuple, list)):
            size = tuple(size[0])
        values = np.asarray(draw(rs, tuple(size)), dtype=np.float64)
        dtype = dtype or lib.float32
        if values.size == 0:  # nested lists lose empty shapes
            return lib.zeros(values.shape, dtype=dtype, requires_grad=requires_grad)
        return lib.tensor(values.tolist(), dtype=dtype, requires_grad=requires_grad)

    return factory


def _standard_normal(rs: np.random.RandomState, shape: tuple[int, ...]) -> np.ndarray:
    return rs.standard_normal(shape).astype(np.float32)


def _uniform(rs: np.random.RandomState, shape: tuple[int, ...]) -> np.ndarray:
    return rs.random_sample(shape).astype(np.float32)


def same_numbers_randn(lib: Any, seed: int, rs: np.random.RandomState | None = None):
    """A stand-in for ``lib.randn`` drawing from one numpy RandomState, built with ``lib.tensor``."""
    return _same_numbers_factory(lib, rs or np.random.RandomState(seed), _standard_normal, "randn")


def same_numbers_rand(lib: Any, seed: int, rs: np.random.RandomState | None = None):
    """A stand-in for ``lib.rand``: uniform [0, 1) numbers from the RandomState."""
    return _same_numbers_factory(lib, rs or np.random.RandomState(seed), _uniform, "rand")


def same_numbers_empty(lib: Any, seed: int, rs: np.random.RandomState | None = None):
    """A stand-in for ``lib.empty``: zeros, so "uninitialised" memory is the same in both libraries. It
    draws nothing, so it does not shift the random stream."""
    return _same_numbers_factory(lib, rs or np.random.RandomState(seed), lambda _, shape: np.zeros(shape), "empty")


def same_numbers_randn_like(lib: Any, seed: int, rs: np.random.RandomState | None = None):
    """A stand-in for ``lib.randn_like(t, dtype=...)``: ``t``'s shape, its dtype unless given."""
    randn = same_numbers_randn(lib, seed, rs)

    def randn_like(t: Any, *, dtype: Any = None, requires_grad: bool = False, **kwargs: Any) -> Any:
        return randn(*tuple(t.shape), dtype=dtype or t.dtype, requires_grad=requires_grad, **kwargs)

    return randn_like


# name -> stand-in factory; all share one RandomState per run, drawn in the script's order
SAME_NUMBER_FACTORIES = {
    "randn": same_numbers_randn,
    "rand": same_numbers_rand,
    "randn_like": same_numbers_randn_like,
    "empty": same_numbers_empty,
}


@contextlib.contextmanager
def torch_resolving_to_bibun() -> Iterator[None]:
    """Point ``torch`` and the submodules the seeds use at bibun; put the previous entries back after.

    Other real ``torch.*`` entries stay: hiding them would make torch re-import itself on its next lazy
    import. A script reaching a submodule bibun lacks fails on the attribute lookup on bibun instead.
    """
    names = ["torch"] + [f"torch.{sub}" for sub in TORCH_SUBMODULES]
    saved = {k: sys.modules[k] for k in names if k in sys.modules}
    try:
        sys.modules["torch"] = bibun
        for sub in TORCH_SUBMODULES:
            sys.modules[f"torch.{sub}"] = importlib.import_module(f"bibun.{sub}")
        yield
    finally:
        for k in names:
            sys.modules.pop(k, None)
        sys.modules.update(saved)


def run_script(path: Path, lib: Any, seed: int) -> tuple[str, dict[str, Any]]:
    """Run a seed script with ``lib``'s random factories (and ``empty``) replaced by stand-ins drawing from
    one RandomState: what it printed, and its globals. Only functions ``lib`` has are replaced, so a
    script calling one bibun lacks still fails on it."""
    rs = np.random.RandomState(seed)
    originals = {name: getattr(lib, name) for name in SAME_NUMBER_FACTORIES if hasattr(lib, name)}
    for name in originals:
        setattr(lib, name, SAME_NUMBER_FACTORIES[name](lib, seed, rs))
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            script_globals = runpy.run_path(str(path), run_name="__main__")
    finally:
        for name, original in originals.items():
            setattr(lib, name, original)
    return out.getvalue(), script_globals


def run_with_bibun(path: Path, seed: int) -> str:
    with torch_resolving_to_bibun():
        printed, script_globals = run_script(path, bibun, seed)
    assert script_globals["torch"] is bibun, "the script's `import torch` did not resolve to bibun"
    return printed


def normalize(text: str) -> list[str]:
    return re.sub(r"0x[0-9a-fA-F]+", "0x…", text).splitlines()


_NUMBER = re.compile(r"-?\d+\.?\d*(?:e[+-]\d+)?")


def assert_same_output(got: list[str], want: list[str]) -> None:
    """Lines must be equal, except that printed float32 values may differ in their last digit
    (BLAS summation order and libm differ by an ulp from PyTorch's): such lines must have the
    same text around the numbers and numbers equal to 1e-3 relative."""
    assert len(got) == len(want), "\n".join(got)
    for g, w in zip(got, want):
        if g == w:
            continue
        assert _NUMBER.sub("#", g) == _NUMBER.sub("#", w), f"{g!r} != {w!r}"
        for a, b in zip(_NUMBER.findall(g), _NUMBER.findall(w)):
            assert float(a) == pytest.approx(float(b), rel=1e-3, abs=1e-12), f"{g!r} != {w!r}"


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", SEEDS)
def test_seed_script_prints_what_pytorch_prints(name, seed, torch):
    path = seed_path(name)
    want = normalize(run_script(path, torch, seed)[0].replace("torch.", "bibun."))
    got = normalize(run_with_bibun(path, seed))
    assert len(want) > 5
    assert_same_output(got, want)


def test_alias_resolves_to_bibun_and_is_removed_afterwards(torch):
    real = sys.modules["torch"]
    with torch_resolving_to_bibun():
        import torch as aliased
        import torch.nn.functional as aliased_f

        assert aliased is bibun
        assert aliased_f is bibun.nn.functional
        assert aliased.nn.functional is bibun.nn.functional
        assert sys.modules["torch.autograd"] is bibun.autograd
    assert sys.modules["torch"] is real is torch
    assert sys.modules["torch.nn.functional"].__name__ == "torch.nn.functional"


@pytest.mark.parametrize("args", [(2, 2), ((2, 2),), ([5, 3],), (3,)])
def test_same_numbers_randn_gives_both_libraries_equal_tensors(args, torch):
    kwargs = {"requires_grad": True}
    b = same_numbers_randn(bibun, 5)(*args, **kwargs)
    t = same_numbers_randn(torch, 5)(*args, **kwargs)
    assert tuple(b.shape) == tuple(t.shape) and b.requires_grad and t.requires_grad
    np.testing.assert_array_equal(to_numpy(b), to_numpy(t))


def test_seed000_output_without_torch():
    """Golden lines of seed 000 that do not depend on random numbers (PyTorch 2.13's text)."""
    lines = run_with_bibun(seed_path("seed000_blitz_autograd.py"), 0).splitlines()
    assert lines[:3] == ["tensor([[1., 1.],", "        [1., 1.]], requires_grad=True)", "tensor([[3., 3.],"]
    assert re.fullmatch(r"<AddBackward0 object at 0x[0-9a-fA-F]+>", lines[4])
    assert "tensor(27., grad_fn=<MeanBackward0>)" in lines[6]
    assert lines[7:9] == ["False", "True"]
    assert re.fullmatch(r"<SumBackward0 object at 0x[0-9a-fA-F]+>", lines[9])
    assert lines[10:12] == ["tensor([[4.5000, 4.5000],", "        [4.5000, 4.5000]])"]
    assert lines[-6:-1] == ["True", "True", "False", "True", "False"]
    assert lines[-1] == "tensor(True)"


@pytest.mark.parametrize("name", SEEDS)
def test_local_seed_copy_matches_the_shared_script(name):
    if not (SHARED_DIR / name).is_file():
        pytest.skip(f"no shared seed scripts at {SHARED_DIR}")
    assert (LOCAL_DIR / name).read_text() == (SHARED_DIR / name).read_text()


@pytest.mark.parametrize("name", ["rand", "randn", "empty"])
@pytest.mark.parametrize("args", [(2, 2), ((2, 3),), ([5, 3],), (3,), ((),), (0, 2)])
def test_same_number_factories_give_both_libraries_equal_tensors(name, args, torch):
    made = []
    for lib in (bibun, torch):
        made.append(SAME_NUMBER_FACTORIES[name](lib, 7)(*args, dtype=lib.float64))
    b, t = made
    assert tuple(b.shape) == tuple(t.shape)
    assert str(b.dtype).rsplit(".", 1)[-1] == str(t.dtype).rsplit(".", 1)[-1] == "float64"
    np.testing.assert_array_equal(to_numpy(b), to_numpy(t))


def test_same_number_rand_is_uniform_in_unit_interval(torch):
    values = to_numpy(same_numbers_rand(torch, 3)(1000))
    assert values.dtype == np.float32 and values.min() >= 0.0 and values.max() < 1.0 and values.std() > 0.2


@pytest.mark.parametrize("dtype", [None, "float32", "float64"])
def test_same_number_randn_like_keeps_shape_and_takes_dtype(dtype, torch):
    made = []
    for lib in (bibun, torch):
        like = lib.zeros(3, 2, dtype=lib.float64)
        kwargs = {"dtype": getattr(lib, dtype)} if dtype else {}
        made.append(same_numbers_randn_like(lib, 4)(like, **kwargs))
    b, t = made
    assert tuple(b.shape) == tuple(t.shape) == (3, 2)
    assert str(b.dtype).rsplit(".", 1)[-1] == str(t.dtype).rsplit(".", 1)[-1] == (dtype or "float64")
    np.testing.assert_array_equal(to_numpy(b), to_numpy(t))


def test_factories_share_one_stream_in_call_order(torch):
    outs = []
    for lib in (bibun, torch):
        rs = np.random.RandomState(11)
        first = same_numbers_rand(lib, 11, rs)(2)
        second = same_numbers_randn(lib, 11, rs)(2)
        outs.append(np.concatenate([to_numpy(first), to_numpy(second)]))
    np.testing.assert_array_equal(outs[0], outs[1])
    rs = np.random.RandomState(11)
    np.testing.assert_array_equal(outs[1][:2], rs.random_sample(2).astype(np.float32))
