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

SEEDS = ["seed000_blitz_autograd.py", "seed001_autogradqs.py", "seed004_autogradqs_notebook.py"]
LOCAL_DIR = Path(__file__).resolve().parent / "seeds"
SHARED_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds" / "scripts"
TORCH_SUBMODULES = ["nn", "nn.functional", "autograd"]


def seed_path(name: str) -> Path:
    for directory in (LOCAL_DIR, SHARED_DIR):
        if (directory / name).is_file():
            return directory / name
    pytest.skip(f"seed script {name} is in neither {LOCAL_DIR} nor {SHARED_DIR}")


def same_numbers_randn(lib: Any, seed: int):
    """A stand-in for ``lib.randn`` drawing from one numpy RandomState, built with ``lib.tensor``."""
    rs = np.random.RandomState(seed)

    def randn(*size: Any, dtype: Any = None, requires_grad: bool = False, **kwargs: Any) -> Any:
        if "size" in kwargs:
            size = (kwargs.pop("size"),)
        if kwargs:
            raise TypeError(f"test randn: unsupported arguments {sorted(kwargs)}")
        if len(size) == 1 and isinstance(size[0], (tuple, list)):
            size = tuple(size[0])
        values = rs.standard_normal(size).astype(np.float32)
        return lib.tensor(values.tolist(), dtype=dtype or lib.float32, requires_grad=requires_grad)

    return randn


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
    """Run a seed script with ``lib.randn`` replaced: what it printed, and its globals."""
    original = lib.randn
    lib.randn = same_numbers_randn(lib, seed)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            script_globals = runpy.run_path(str(path), run_name="__main__")
    finally:
        lib.randn = original
    return out.getvalue(), script_globals


def run_with_bibun(path: Path, seed: int) -> str:
    with torch_resolving_to_bibun():
        printed, script_globals = run_script(path, bibun, seed)
    assert script_globals["torch"] is bibun, "the script's `import torch` did not resolve to bibun"
    return printed


def normalize(text: str) -> list[str]:
    return re.sub(r"0x[0-9a-fA-F]+", "0x…", text).splitlines()


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", SEEDS)
def test_seed_script_prints_what_pytorch_prints(name, seed, torch):
    path = seed_path(name)
    want = normalize(run_script(path, torch, seed)[0].replace("torch.", "bibun."))
    got = normalize(run_with_bibun(path, seed))
    assert len(want) > 5
    assert got == want


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
