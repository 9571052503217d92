"""Pooling (max, average, adaptive average; 1-D and 2-D; functional and modules) against PyTorch:
values, indices, gradients, grad_fn names, float64 gradcheck/gradgradcheck, errors and reprs."""

from __future__ import annotations

import bibun
import numpy as np
import pytest
from bibun.autograd import gradcheck, gradgradcheck
from conftest import rng_for

CASES = [
    # (function name, input shape, kwargs)
    ("max_pool2d", (2, 3, 7, 6), {"kernel_size": 2}),
    ("max_pool2d", (2, 3, 7, 6), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ("max_pool2d", (2, 2, 9, 8), {"kernel_size": (2, 3), "stride": (1, 2), "padding": (1, 1), "dilation": 2}),
    ("max_pool2d", (3, 5, 5), {"kernel_size": 2, "stride": 1}),  # unbatched
    ("max_pool2d", (1, 2, 5, 5), {"kernel_size": 2, "ceil_mode": True}),
    ("avg_pool2d", (2, 3, 7, 6), {"kernel_size": 2}),
    ("avg_pool2d", (2, 3, 7, 6), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ("avg_pool2d", (2, 3, 7, 6), {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    ("avg_pool2d", (2, 3, 7, 6), {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 1), "ceil_mode": True,
                                  "count_include_pad": False}),
    ("avg_pool2d", (2, 3, 6, 6), {"kernel_size": 2, "divisor_override": 3}),
    ("avg_pool2d", (3, 5, 4), {"kernel_size": 2, "stride": 1, "padding": 1}),  # unbatched
    ("adaptive_avg_pool2d", (2, 3, 7, 6), {"output_size": (3, 4)}),
    ("adaptive_avg_pool2d", (2, 3, 5, 5), {"output_size": 7}),
    ("adaptive_avg_pool2d", (2, 3, 5, 6), {"output_size": (None, 4)}),
    ("adaptive_avg_pool2d", (3, 5, 6), {"output_size": 2}),  # unbatched
    ("adaptive_avg_pool2d", (2, 3, 5, 6), {"output_size": 1}),  # a mean, as PyTorch
    ("max_pool1d", (2, 3, 9), {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2}),
    ("max_pool1d", (3, 9), {"kernel_size": 2, "ceil_mode": True}),
    ("avg_pool1d", (2, 3, 9), {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    ("avg_pool1d", (3, 8), {"kernel_size": 2}),
    ("adaptive_avg_pool1d", (2, 3, 9), {"output_size": 4}),
    ("adaptive_avg_pool1d", (3, 7), {"output_size": 3}),
]


def case_id(case) -> str:
    return f"{case[0]}-{case[1]}-{case[2]}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pool_forward_and_gradients_match_torch(compare_with_torch, case, dtype):
    name, shape, kwargs = case

    def fn(lib, x):
        return getattr(lib.nn.functional, name)(x, **kwargs)

    b_out, t_out = compare_with_torch(fn, rng_for(case).randn(*shape), dtype=dtype, atol=1e-6, rtol=1e-5)
    assert b_out.grad_fn.name() == t_out.grad_fn.name()


@pytest.mark.parametrize("case", [c for c in CASES if c[0].startswith("max")], ids=case_id)
def test_max_pool_indices_match_torch(torch, case):
    name, shape, kwargs = case
    x = rng_for("idx", case).randn(*shape)
    b_out, b_idx = getattr(bibun.nn.functional, name)(bibun.tensor(x), **kwargs, return_indices=True)
    t_out, t_idx = getattr(torch.nn.functional, name)(torch.tensor(x), **kwargs, return_indices=True)
    np.testing.assert_array_equal(b_out.numpy(), t_out.numpy())
    np.testing.assert_array_equal(b_idx.numpy(), t_idx.numpy())
    assert str(b_idx.dtype) == "bibun.int64"


@pytest.mark.parametrize("case", [CASES[i] for i in (1, 2, 3, 6, 7, 9, 11, 13, 16, 18, 20)], ids=case_id)
def test_pool_gradcheck_and_gradgradcheck_float64(case):
    name, shape, kwargs = case
    # Distinct values keep max pooling away from ties, where it is not differentiable.
    values = rng_for("gc", case).permutation(int(np.prod(shape))).reshape(shape) / 10.0
    x = bibun.tensor(values, requires_grad=True)

    def fn(x):
        return getattr(bibun.nn.functional, name)(x, **kwargs)

    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize("name,kwargs", [
    ("max_pool2d", {"kernel_size": 2, "stride": 1}),
    ("avg_pool2d", {"kernel_size": 2, "stride": 1, "padding": 1}),
    ("adaptive_avg_pool2d", {"output_size": 3}),
])
def test_pool_double_backward_matches_torch(torch, name, kwargs):
    xv = rng_for("double", name).permutation(2 * 2 * 4 * 4).reshape(2, 2, 4, 4) / 7.0

    def run(lib):
        x = lib.tensor(xv, requires_grad=True)
        y = getattr(lib.nn.functional, name)(x, **kwargs)
        (g,) = lib.autograd.grad((y.pow(3)).sum(), (x,), create_graph=True)
        (g * g).sum().backward()
        return g.grad_fn.name(), x.grad.numpy()

    (b_name, b_grad), (t_name, t_grad) = run(bibun), run(torch)
    assert b_name == t_name
    np.testing.assert_allclose(b_grad, t_grad, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name,kwargs", [
    ("max_pool2d", {"kernel_size": 2}),
    ("max_pool2d", {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("avg_pool2d", {"kernel_size": 2}),
    ("avg_pool2d", {"kernel_size": 3, "stride": 1, "padding": 1, "count_include_pad": False}),
])
@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_integer_pooling_matches_torch(torch, name, kwargs, dtype):
    if name == "avg_pool2d" and dtype == "int32":
        pytest.skip("PyTorch has no int32 avg_pool2d (its error is checked in test_pool_errors_match_torch)")
    shape = (2, 3, 6) if name.endswith("1d") else (2, 3, 6, 5)
    x = rng_for("int", name, kwargs).randint(-50, 50, shape)
    got = getattr(bibun.nn.functional, name)(bibun.tensor(x, dtype=getattr(bibun, dtype)), **kwargs)
    want = getattr(torch.nn.functional, name)(torch.tensor(x, dtype=getattr(torch, dtype)), **kwargs)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_max_pool_propagates_nan_like_torch(torch):
    x = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)
    x[0, 0, 1, 2] = np.nan
    got = bibun.nn.functional.max_pool2d(bibun.tensor(x), 2, return_indices=True)
    want = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(got[0].numpy(), want[0].numpy())
    np.testing.assert_array_equal(got[1].numpy(), want[1].numpy())


def test_pooling_non_contiguous_input_matches_torch(compare_with_torch):
    def fn(lib, x):
        return lib.nn.functional.max_pool2d(x.transpose(1, 3), 2) + lib.nn.functional.avg_pool2d(
            x.transpose(1, 3), 2)

    compare_with_torch(fn, rng_for("nc").randn(2, 6, 4, 3), dtype="float64", atol=1e-12)


def test_pooling_empty_batch_matches_torch(compare_with_torch):
    for name in ("max_pool2d", "avg_pool2d"):
        compare_with_torch(lambda lib, x, name=name: getattr(lib.nn.functional, name)(x, 2),
                           np.zeros((0, 2, 4, 4)), dtype="float32")
    compare_with_torch(lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, 2), np.zeros((0, 2, 4, 4)),
                       dtype="float32")


ERROR_CASES = [
    lambda lib: lib.nn.functional.max_pool2d(lib.randn(2, 3, 8, 8), 2, padding=2),
    lambda lib: lib.nn.functional.max_pool2d(lib.randn(2, 3, 8, 8), 2, padding=-1),
    lambda lib: lib.nn.functional.max_pool2d(lib.randn(2, 3, 8, 8), 20),
    lambda lib: lib.nn.functional.max_pool2d(lib.randn(2, 3, 8, 8), 0),
    lambda lib: lib.nn.functional.max_pool2d(lib.randn(2, 3, 8, 8), 0, stride=1),
    lambda lib: lib.nn.functional.max_pool2d(lib.randn(2, 3, 8, 8), 2, dilation=0),
    lambda lib: lib.nn.functional.max_pool2d(lib.randn(8, 8), 2),
    lambda lib: lib.nn.functional.max_pool2d(lib.randn(2, 0, 8, 8), 2),
    lambda lib: lib.nn.functional.max_pool2d(lib.randn(2, 3, 8, 8), (2, 2, 2)),
    lambda lib: lib.nn.functional.avg_pool2d(lib.randn(2, 3, 8, 8), 2, padding=2),
    lambda lib: lib.nn.functional.avg_pool2d(lib.randn(2, 3, 8, 8), 20),
    lambda lib: lib.nn.functional.avg_pool2d(lib.randn(2, 3, 8, 8), 2, divisor_override=0),
    lambda lib: lib.nn.functional.avg_pool2d(lib.randn(2, 3, 8, 8), (2, 2, 2)),
    lambda lib: lib.nn.functional.adaptive_avg_pool2d(lib.randn(8, 8), 2),
    lambda lib: lib.nn.functional.adaptive_avg_pool2d(lib.randn(2, 3, 8, 8).long(), 2),
    lambda lib: lib.nn.functional.adaptive_avg_pool2d(lib.randn(2, 3, 8, 8), (2,)),
    lambda lib: lib.nn.functional.adaptive_avg_pool2d(lib.randn(2, 3, 0, 8), 2),
    lambda lib: lib.nn.functional.max_pool2d(lib.randn(2, 3, 8, 8), 2, stride=-1),
    lambda lib: lib.nn.functional.max_pool2d(lib.randn(2, 3, 8, 8).bool(), 2),
    lambda lib: lib.nn.functional.avg_pool2d(lib.randn(2, 3, 8, 8).bool(), 2),
    lambda lib: lib.nn.functional.avg_pool2d(lib.randn(2, 3, 8, 8).int(), 2),
    lambda lib: lib.nn.functional.max_pool1d(lib.randn(2, 3, 8).long(), 2),
    lambda lib: lib.nn.functional.max_pool1d(lib.randn(2, 3, 0), 2),
    lambda lib: lib.nn.functional.max_pool1d(lib.randn(8), 2),
    lambda lib: lib.nn.functional.avg_pool1d(lib.randn(8), 2),
    lambda lib: lib.nn.functional.adaptive_avg_pool1d(lib.randn(8), 2),
]


@pytest.mark.parametrize("index", range(len(ERROR_CASES)))
def test_pool_errors_match_torch(torch, index):
    fn = ERROR_CASES[index]
    with pytest.raises(Exception) as want:
        fn(torch)
    with pytest.raises(type(want.value)) as got:
        fn(bibun)
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.MaxPool2d(2),
    lambda lib: lib.nn.MaxPool2d((2, 3), stride=1, padding=1, dilation=2, return_indices=True, ceil_mode=True),
    lambda lib: lib.nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    lambda lib: lib.nn.AdaptiveAvgPool2d((None, 3)),
    lambda lib: lib.nn.AdaptiveAvgPool2d(4),
    lambda lib: lib.nn.MaxPool1d(3, stride=2),
    lambda lib: lib.nn.AvgPool1d(3),
    lambda lib: lib.nn.AdaptiveAvgPool1d(2),
])
def test_pool_module_repr_and_forward_match_torch(torch, make):
    b, t = make(bibun), make(torch)
    assert repr(b) == repr(t)
    shape = (2, 3, 9) if "1d" in repr(t) else (2, 3, 9, 8)
    x = rng_for("module", repr(t)).randn(*shape)
    got, want = b(bibun.tensor(x)), t(torch.tensor(x))
    if isinstance(want, tuple):
        np.testing.assert_array_equal(got[1].numpy(), want[1].numpy())
        got, want = got[0], want[0]
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
