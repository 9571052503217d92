"""Batch norm (F.batch_norm, nn.BatchNorm1d/2d) against PyTorch: training and evaluation values,
gradients, running statistics (momentum, cumulative average, unbiased variance), buffers,
state_dict, reprs, float64 gradcheck/gradgradcheck and errors."""

from __future__ import annotations

import bibun
import numpy as np
import pytest
from bibun.autograd import gradcheck, gradgradcheck
from conftest import rng_for

SHAPES = [(4, 3), (3, 2, 5), (2, 3, 4, 3)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batch_norm_forward_gradients_and_running_stats_match_torch(torch, compare_with_torch, shape, training,
                                                                      affine, dtype):
    rng = rng_for("bn", shape, training, affine, dtype)
    C = shape[1]
    x = rng.randn(*shape) * 2 + 1
    stats = {lib: (lib.tensor(rng_for("rm", shape).randn(C), dtype=getattr(lib, dtype)),
                   lib.tensor(rng_for("rv", shape).rand(C) + 0.5, dtype=getattr(lib, dtype)))
             for lib in (bibun, torch)}
    inputs = [x] + ([rng.randn(C), rng.randn(C)] if affine else [])

    def fn(lib, x, w=None, b=None):
        rm, rv = stats[lib]
        return lib.nn.functional.batch_norm(x, rm, rv, w, b, training=training, momentum=0.3, eps=1e-3)

    tol = 1e-5 if dtype == "float32" else 1e-10
    b_out, t_out = compare_with_torch(fn, *inputs, dtype=dtype, atol=tol, rtol=tol)
    assert b_out.grad_fn.name() == t_out.grad_fn.name() == "NativeBatchNormBackward0"
    for got, want in zip(stats[bibun], stats[torch]):
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=tol, rtol=tol)


def test_batch_norm_without_running_stats_uses_batch_statistics(compare_with_torch):
    def fn(lib, x, w, b):
        return lib.nn.functional.batch_norm(x, None, None, w, b, training=True)

    rng = rng_for("no-stats")
    compare_with_torch(fn, rng.randn(5, 3, 2), rng.randn(3), rng.randn(3), dtype="float64", atol=1e-10)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 3, 2)], ids=str)
def test_batch_norm_gradcheck_and_gradgradcheck_float64(shape, training):
    rng = rng_for("bn-gc", shape, training)
    x = bibun.tensor(rng.randn(*shape), requires_grad=True)
    w = bibun.tensor(rng.randn(shape[1]), requires_grad=True)
    b = bibun.tensor(rng.randn(shape[1]), requires_grad=True)
    rm, rv = bibun.zeros(shape[1], dtype=bibun.float64), bibun.ones(shape[1], dtype=bibun.float64) * 1.5

    def fn(x, w, b):
        return bibun.nn.functional.batch_norm(x, rm.clone(), rv.clone(), w, b, training=training)

    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_batch_norm_double_backward_matches_torch(torch):
    xv, wv = rng_for("bn-dd").randn(6, 3), rng_for("bn-dd-w").randn(3)

    def run(lib):
        x, w = lib.tensor(xv, requires_grad=True), lib.tensor(wv, requires_grad=True)
        y = lib.nn.functional.batch_norm(x, None, None, w, None, training=True)
        gx, gw = lib.autograd.grad((y.pow(3)).sum(), (x, w), create_graph=True)
        (gx.pow(2).sum() + gw.pow(2).sum()).backward()
        return x.grad.numpy(), w.grad.numpy()

    for got, want in zip(run(bibun), run(torch)):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("cls,shape", [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)),
                                       ("BatchNorm2d", (3, 3, 4, 2))])
@pytest.mark.parametrize("kwargs", [{}, {"momentum": None}, {"momentum": 0.5, "eps": 1e-3},
                                    {"affine": False}, {"track_running_stats": False}, {"bias": False}], ids=str)
def test_batchnorm_module_trains_and_evaluates_like_torch(torch, cls, shape, kwargs):
    b_mod, t_mod = getattr(bibun.nn, cls)(3, **kwargs), getattr(torch.nn, cls)(3, **kwargs)
    assert repr(b_mod) == repr(t_mod)
    assert list(b_mod.state_dict()) == list(t_mod.state_dict())
    if kwargs.get("affine", True):
        with torch.no_grad():
            t_mod.weight.uniform_(0.5, 1.5)
        b_mod.load_state_dict({k: bibun.tensor(v.numpy()) for k, v in t_mod.state_dict().items()})
    for step in range(3):
        x = rng_for("bn-module", cls, shape, step).randn(*shape) * (step + 1)
        got, want = b_mod(bibun.tensor(x)), t_mod(torch.tensor(x, dtype=torch.float32))
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), atol=1e-5, rtol=1e-5)
    for (name, got), want in zip(b_mod.state_dict().items(), t_mod.state_dict().values()):
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-5, rtol=1e-5, err_msg=name)
    b_mod.eval()
    t_mod.eval()
    x = rng_for("bn-eval", cls, shape).randn(*shape)
    np.testing.assert_allclose(b_mod(bibun.tensor(x, dtype=bibun.float32)).detach().numpy(),
                               t_mod(torch.tensor(x, dtype=torch.float32)).detach().numpy(), atol=1e-5, rtol=1e-5)


def test_batchnorm_state_dict_without_num_batches_tracked_loads_as_version_1():
    mod = bibun.nn.BatchNorm1d(2)
    state = {k: v for k, v in mod.state_dict().items() if k != "num_batches_tracked"}
    state = type(mod.state_dict())(state)
    state._metadata = {"": {"version": 1}}
    mod.load_state_dict(state)  # no missing-key error: version 1 files had no counter
    state._metadata = {"": {"version": 2}}
    with pytest.raises(RuntimeError, match="num_batches_tracked"):
        mod.load_state_dict(state)


ERROR_CASES = [
    lambda lib: lib.nn.functional.batch_norm(lib.randn(2, 3, 4), lib.zeros(4), lib.ones(4)),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(1, 3), None, None, training=True),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(2, 3), None, None, training=False),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(2, 3), lib.zeros(3), lib.ones(3), lib.ones(4)),
    lambda lib: lib.nn.functional.batch_norm(lib.randn(2, 3), lib.zeros(3), lib.ones(3), None, lib.ones(2)),
    lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(2, 3, 4, 5)),
    lambda lib: lib.nn.BatchNorm2d(3)(lib.randn(2, 3, 4)),
]


@pytest.mark.parametrize("index", range(len(ERROR_CASES)))
def test_batch_norm_errors_match_torch(torch, index):
    fn = ERROR_CASES[index]
    with pytest.raises(Exception) as want:
        fn(torch)
    with pytest.raises(type(want.value)) as got:
        fn(bibun)
    assert str(got.value) == str(want.value).replace("torch.", "bibun.")
