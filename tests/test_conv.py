"""Convolution (F.conv1d/conv2d, nn.Conv1d/Conv2d) against PyTorch: values, gradients, grad_fn,
float64 gradcheck and gradgradcheck, unbatched inputs, errors, module reprs and initialisation."""

from __future__ import annotations

import math

import bibun
import numpy as np
import pytest
from bibun.autograd import gradcheck, gradgradcheck
from conftest import rng_for

CONV2D_CASES = [
    # (input shape, weight shape, kwargs)
    ((2, 3, 7, 6), (4, 3, 3, 3), {}),
    ((2, 3, 7, 6), (4, 3, 3, 2), {"stride": 2}),
    ((1, 3, 8, 8), (2, 3, 3, 3), {"stride": (2, 1), "padding": (1, 2)}),
    ((2, 2, 9, 7), (3, 2, 3, 3), {"padding": 2, "dilation": 2}),
    ((2, 4, 6, 6), (6, 2, 3, 3), {"groups": 2, "padding": 1}),
    ((2, 4, 6, 5), (4, 1, 2, 3), {"groups": 4, "stride": (1, 2)}),
    ((2, 3, 6, 6), (4, 3, 4, 2), {"padding": "same"}),
    ((2, 3, 6, 6), (4, 3, 3, 3), {"padding": "same", "dilation": (2, 1)}),
    ((2, 3, 6, 6), (4, 3, 3, 3), {"padding": "valid"}),
    ((3, 6, 6), (4, 3, 3, 3), {"padding": 1}),  # unbatched
    ((0, 3, 6, 6), (4, 3, 3, 3), {}),  # empty batch
]
CONV1D_CASES = [
    ((2, 3, 10), (4, 3, 3), {}),
    ((2, 4, 9), (2, 2, 2), {"stride": 2, "padding": 1, "groups": 2}),
    ((2, 3, 9), (4, 3, 4), {"padding": "same", "dilation": 2}),
    ((3, 9), (2, 3, 3), {"dilation": 3}),  # unbatched
]


def case_id(case) -> str:
    return f"{case[0]}-{case[1]}-{case[2]}"


def _conv(lib, n: int):
    return lib.nn.functional.conv2d if n == 2 else lib.nn.functional.conv1d


@pytest.mark.parametrize("n,case", [(2, c) for c in CONV2D_CASES] + [(1, c) for c in CONV1D_CASES],
                         ids=lambda v: case_id(v) if isinstance(v, tuple) else str(v))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("with_bias", [True, False])
def test_conv_forward_and_gradients_match_torch(compare_with_torch, n, case, dtype, with_bias):
    in_shape, w_shape, kwargs = case
    rng = rng_for("conv", n, case, dtype)
    inputs = [rng.randn(*in_shape), rng.randn(*w_shape)]
    if with_bias:
        inputs.append(rng.randn(w_shape[0]))

    def fn(lib, x, w, b=None):
        return _conv(lib, n)(x, w, b, **kwargs)

    tol = 1e-4 if dtype == "float32" else 1e-10
    b_out, t_out = compare_with_torch(fn, *inputs, dtype=dtype, atol=tol, rtol=tol)
    assert b_out.grad_fn.name() == t_out.grad_fn.name()


@pytest.mark.parametrize("n,case", [(2, CONV2D_CASES[i]) for i in (1, 3, 4, 6, 9)] + [(1, CONV1D_CASES[1])],
                         ids=lambda v: case_id(v) if isinstance(v, tuple) else str(v))
def test_conv_gradcheck_and_gradgradcheck_float64(n, case):
    in_shape, w_shape, kwargs = case
    rng = rng_for("conv-gc", n, case)
    x = bibun.tensor(rng.randn(*in_shape) * 0.5, requires_grad=True)
    w = bibun.tensor(rng.randn(*w_shape) * 0.5, requires_grad=True)
    b = bibun.tensor(rng.randn(w_shape[0]), requires_grad=True)

    def fn(x, w, b):
        return _conv(bibun, n)(x, w, b, **kwargs)

    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_conv_double_backward_matches_torch(torch):
    rng = rng_for("conv-double")
    xv, wv = rng.randn(2, 2, 5, 5), rng.randn(3, 2, 3, 3)

    def run(lib):
        x = lib.tensor(xv, requires_grad=True)
        w = lib.tensor(wv, requires_grad=True)
        y = lib.nn.functional.conv2d(x, w, stride=2, padding=1)
        (gx, gw) = lib.autograd.grad((y * y).sum(), (x, w), create_graph=True)
        (gx.pow(2).sum() + (gw * gw).sum()).backward()
        return x.grad.detach().numpy(), w.grad.detach().numpy()

    for got, want in zip(run(bibun), run(torch)):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_conv_accepts_non_contiguous_inputs(compare_with_torch):
    rng = rng_for("conv-noncontig")

    def fn(lib, x, w):
        return lib.nn.functional.conv2d(x.transpose(2, 3), w.transpose(0, 1), padding=1)

    compare_with_torch(fn, rng.randn(2, 3, 6, 5), rng.randn(3, 4, 3, 3), dtype="float64", atol=1e-10)


def test_conv_integer_inputs_match_torch(torch):
    rng = rng_for("conv-int")
    xv, wv = rng.randint(-3, 4, (1, 2, 5, 5)), rng.randint(-3, 4, (2, 2, 3, 3))
    got = bibun.nn.functional.conv2d(bibun.tensor(xv), bibun.tensor(wv), padding=1)
    want = torch.nn.functional.conv2d(torch.tensor(xv), torch.tensor(wv), padding=1)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_array_equal(got.numpy(), want.numpy())


ERROR_CASES = [
    lambda lib: lib.nn.functional.conv2d(lib.randn(2, 3, 8, 8).double(), lib.randn(4, 3, 3, 3)),
    lambda lib: lib.nn.functional.conv2d(lib.randn(2, 3, 8, 8), lib.randn(4, 3, 3, 3), lib.randn(4).double()),
    lambda lib: lib.nn.functional.conv2d(lib.randn(2, 3, 8, 8), lib.randn(4, 2, 3, 3)),
    lambda lib: lib.nn.functional.conv2d(lib.randn(2, 3, 8, 8), lib.randn(4, 3, 9, 9)),
    lambda lib: lib.nn.functional.conv2d(lib.randn(2, 3, 8, 8), lib.randn(4, 3, 3, 3), groups=2),
    lambda lib: lib.nn.functional.conv2d(lib.randn(2, 3, 8, 8), lib.randn(4, 1, 3, 3), groups=3),
    lambda lib: lib.nn.functional.conv2d(lib.randn(2, 8, 8), lib.randn(4, 3, 3, 3)),
    lambda lib: lib.nn.functional.conv2d(lib.randn(8, 8), lib.randn(4, 3, 3, 3)),
    lambda lib: lib.nn.functional.conv2d(lib.randn(2, 3, 8, 8), lib.randn(4, 3, 3, 3), stride=0),
    lambda lib: lib.nn.functional.conv2d(lib.randn(2, 3, 8, 8), lib.randn(4, 3, 3, 3), padding=-1),
    lambda lib: lib.nn.functional.conv2d(lib.randn(2, 3, 8, 8), lib.randn(4, 3, 3, 3), dilation=0),
    lambda lib: lib.nn.functional.conv2d(lib.randn(2, 3, 8, 8), lib.randn(4, 3, 3, 3), padding="same", stride=2),
    lambda lib: lib.nn.functional.conv2d(lib.randn(2, 3, 8, 8), lib.randn(4, 3, 3, 3), padding="foo"),
    lambda lib: lib.nn.functional.conv2d(lib.randn(2, 3, 8, 8), lib.randn(4, 3, 3, 3), lib.randn(3)),
    lambda lib: lib.nn.functional.conv2d(lib.randn(2, 3, 8, 8), lib.randn(4, 3, 3, 3), stride=(1, 1, 1)),
    lambda lib: lib.nn.functional.conv2d(lib.randn(2, 3, 0, 8), lib.randn(4, 3, 3, 3)),
    lambda lib: lib.nn.functional.conv1d(lib.randn(2, 3, 8, 8), lib.randn(4, 3, 3)),
    lambda lib: lib.nn.Conv2d(3, 4, 3, groups=2),
    lambda lib: lib.nn.Conv2d(4, 3, 3, groups=2),
    lambda lib: lib.nn.Conv2d(4, 4, 3, groups=0),
    lambda lib: lib.nn.Conv2d(4, 4, 3, padding="full"),
    lambda lib: lib.nn.Conv2d(4, 4, 3, padding="same", stride=2),
]


def test_conv_module_rejects_unknown_padding_mode_as_torch(torch):
    # The message lists a set, whose order varies between processes: compare the type and the start.
    for lib in (bibun, torch):
        with pytest.raises(ValueError, match="padding_mode must be one of .*but got padding_mode='mirror'"):
            lib.nn.Conv2d(4, 4, 3, padding_mode="mirror")


@pytest.mark.parametrize("index", range(len(ERROR_CASES)))
def test_conv_errors_match_torch(torch, index):
    fn = ERROR_CASES[index]
    with pytest.raises(Exception) as want:
        fn(torch)
    with pytest.raises(type(want.value)) as got:
        fn(bibun)
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.Conv2d(1, 8, 3),
    lambda lib: lib.nn.Conv2d(2, 4, (3, 5), stride=2, padding=(1, 2), dilation=(1, 2), bias=False),
    lambda lib: lib.nn.Conv2d(2, 4, 3, padding="same", groups=2),
    lambda lib: lib.nn.Conv2d(2, 4, 3, padding="valid"),
    lambda lib: lib.nn.Conv1d(3, 6, 5, stride=1, padding=2, groups=3),
    lambda lib: lib.nn.Sequential(lib.nn.Conv1d(2, 4, 3), lib.nn.ReLU(), lib.nn.Conv2d(4, 4, 1)),
])
def test_conv_module_repr_and_parameter_shapes_match_torch(torch, make):
    b, t = make(bibun), make(torch)
    assert repr(b) == repr(t)
    assert [(n, tuple(p.shape)) for n, p in b.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in t.named_parameters()
    ]


def test_conv_module_forward_matches_torch_with_copied_weights(torch):
    t_conv = torch.nn.Conv2d(3, 4, 3, stride=2, padding=1, groups=1)
    b_conv = bibun.nn.Conv2d(3, 4, 3, stride=2, padding=1)
    b_conv.load_state_dict({k: bibun.tensor(v.detach().numpy()) for k, v in t_conv.state_dict().items()})
    x = rng_for("conv-module").randn(2, 3, 7, 7).astype(np.float32)
    np.testing.assert_allclose(b_conv(bibun.tensor(x)).detach().numpy(),
                               t_conv(torch.tensor(x)).detach().numpy(), atol=1e-5)


def test_conv_module_init_follows_kaiming_uniform_bounds():
    bibun.manual_seed(0)
    conv = bibun.nn.Conv2d(4, 64, 5)
    fan_in = 4 * 5 * 5
    w, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    # kaiming_uniform_(a=sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in)), the same bound as the bias.
    bound = 1 / math.sqrt(fan_in)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
    assert np.abs(b).max() <= bound and b.std() > 0


@pytest.mark.parametrize("cls,kwargs", [
    ("Conv2d", {"padding": 1, "padding_mode": "reflect"}),
    ("Conv2d", {"padding": (2, 1), "padding_mode": "replicate", "stride": 2}),
    ("Conv2d", {"padding": "same", "padding_mode": "reflect"}),
    ("Conv1d", {"padding": 2, "padding_mode": "replicate"}),
])
def test_conv_module_padding_modes_match_torch(torch, cls, kwargs):
    t_conv = getattr(torch.nn, cls)(2, 3, 3, **kwargs).double()
    b_conv = getattr(bibun.nn, cls)(2, 3, 3, **kwargs).double()
    assert repr(b_conv) == repr(t_conv)
    b_conv.load_state_dict({k: bibun.tensor(v.detach().numpy()) for k, v in t_conv.state_dict().items()})
    x = rng_for("padding-mode", cls, kwargs).randn(*((2, 2, 6, 5) if cls == "Conv2d" else (2, 2, 7)))
    xb, xt = bibun.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yb, yt = b_conv(xb), t_conv(xt)
    np.testing.assert_allclose(yb.detach().numpy(), yt.detach().numpy(), atol=1e-10)
    yb.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(xb.grad.numpy(), xt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(b_conv.weight.grad.numpy(), t_conv.weight.grad.numpy(), atol=1e-10)
