"""nn.functional layers and the activation/layer modules: in-place flags, padding_idx gradients,
max_norm, double backward, modules' reprs, initial distributions and from_pretrained (vs PyTorch)."""

from __future__ import annotations

import math
import warnings

import bibun
import bibun.nn.functional as F
import numpy as np
import pytest
from conftest import make_tensor, rng_for, to_numpy

X = rng_for("nn_layers").uniform(-4, 4, (3, 4)).astype("float32")


# ---- activations: inplace=, top-level functions, double backward ----------------------------------

INPLACE = [
    ("relu", {}), ("relu6", {}), ("leaky_relu", {"negative_slope": 0.2}), ("elu", {"alpha": 0.5}),
    ("celu", {"alpha": 0.7}), ("selu", {}), ("silu", {}), ("mish", {}), ("hardtanh", {"min_val": -0.5}),
    ("hardsigmoid", {}), ("hardswish", {}),
]


@pytest.mark.parametrize("name, kw", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_flag_writes_into_input_and_matches_torch(torch, name, kw):
    grads, outs = {}, {}
    for lib in (bibun, torch):
        leaf = make_tensor(lib, X, requires_grad=True)
        y = leaf * 1
        version = y._version
        out = getattr(lib.nn.functional, name)(y, inplace=True, **kw)
        assert out is y and y._version > version
        outs[lib.__name__] = (to_numpy(out), out.grad_fn.name())
        out.backward(make_tensor(lib, np.cos(X)))
        grads[lib.__name__] = to_numpy(leaf.grad)
    assert outs["bibun"][1] == outs["torch"][1]
    np.testing.assert_allclose(outs["bibun"][0], outs["torch"][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grads["bibun"], grads["torch"], rtol=1e-5, atol=1e-6)


def test_threshold_inplace_and_top_level_functions_match_torch(torch):
    for name, args in [("selu", ()), ("threshold", (0.5, -1.0)), ("prelu", None)]:
        for lib in (bibun, torch):
            x = make_tensor(lib, X)
            a = args if args is not None else (make_tensor(lib, np.array([0.25], dtype="float32")),)
            if lib is bibun:
                got = to_numpy(getattr(lib, name)(x, *a))
            else:
                want = to_numpy(getattr(lib, name)(x, *a))
        np.testing.assert_allclose(got, want, rtol=1e-6)
    for name, args in [("relu_", ()), ("selu_", ()), ("celu_", (0.5,)), ("threshold_", (0.5, -1.0))]:
        b, t = make_tensor(bibun, X), make_tensor(torch, X)
        assert getattr(bibun, name)(b, *args) is b
        getattr(torch, name)(t, *args)
        np.testing.assert_allclose(to_numpy(b), to_numpy(t), rtol=1e-6)


def test_inplace_activation_on_a_leaf_requiring_grad_raises_like_torch(torch):
    for lib in (bibun, torch):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            lib.nn.functional.silu(make_tensor(lib, X, requires_grad=True), inplace=True)


def test_inplace_leaky_relu_with_negative_slope_fails_in_backward_like_torch(torch):
    for lib in (bibun, torch):
        leaf = make_tensor(lib, X, requires_grad=True)
        out = lib.nn.functional.leaky_relu(leaf * 1, -0.5, inplace=True)
        with pytest.raises(RuntimeError, match="negative slope which is not supported"):
            out.sum().backward()


def test_bool_and_integer_inputs_raise_like_torch(torch):
    for name in ["relu", "relu6", "hardtanh", "gelu", "silu", "elu"]:
        for dtype in ["bool", "int64"]:
            errs = []
            for lib in (bibun, torch):
                try:
                    getattr(lib.nn.functional, name)(make_tensor(lib, X > 0 if dtype == "bool" else X.astype(dtype)))
                    errs.append(None)
                except Exception as e:  # noqa: BLE001
                    errs.append(type(e).__name__)
            assert errs[0] == errs[1], f"{name}({dtype}): bibun {errs[0]}, torch {errs[1]}"


DOUBLE = ["leaky_relu", "elu", "celu", "selu", "gelu", "silu", "mish", "softplus", "hardtanh", "hardswish",
          "logsigmoid", "glu", "threshold"]


@pytest.mark.parametrize("name", DOUBLE)
def test_second_derivatives_match_torch(torch, name):
    x = rng_for("double", name).uniform(-2, 2, (2, 4)).astype("float64")
    res = {}
    for lib in (bibun, torch):
        leaf = make_tensor(lib, x, requires_grad=True)
        f = getattr(lib.nn.functional, name)
        y = f(leaf, 0.3, 1.0) if name == "threshold" else f(leaf)
        (g,) = lib.autograd.grad(y, leaf, make_tensor(lib, np.ones(tuple(y.shape))), create_graph=True)
        # Piecewise-linear activations: PyTorch's first gradient keeps a (zero) dependence on the
        # input, bibun's has none; both mean a zero second derivative.
        gg = lib.autograd.grad((g * g).sum(), leaf, allow_unused=True)[0] if g.requires_grad else None
        res[lib.__name__] = (to_numpy(g), None if gg is None else to_numpy(gg))
    np.testing.assert_allclose(res["bibun"][0], res["torch"][0], rtol=1e-7, atol=1e-9)
    if res["bibun"][1] is None or res["torch"][1] is None:
        for gg in (res["bibun"][1], res["torch"][1]):
            assert gg is None or not gg.any()
    else:
        np.testing.assert_allclose(res["bibun"][1], res["torch"][1], rtol=1e-7, atol=1e-9)


# ---- layers ---------------------------------------------------------------------------------------


def test_embedding_padding_idx_row_gets_no_gradient_like_torch(compare_with_torch):
    w = rng_for("emb").standard_normal((5, 3)).astype("float32")
    for pad in (1, -1):
        compare_with_torch(lambda lib, w, pad=pad: lib.nn.functional.embedding(lib.tensor([[1, 4], [4, 2]]), w,
                                                                           padding_idx=pad), w)


def test_embedding_max_norm_renormalizes_weight_rows_like_torch(torch):
    w = rng_for("emb_max").uniform(-2, 2, (5, 3)).astype("float32")
    outs = {}
    for lib in (bibun, torch):
        weight = make_tensor(lib, w)
        out = lib.nn.functional.embedding(lib.tensor([0, 2, 2]), weight, max_norm=1.0)
        outs[lib.__name__] = (to_numpy(out), to_numpy(weight))
    np.testing.assert_allclose(outs["bibun"][0], outs["torch"][0], rtol=1e-5)
    np.testing.assert_allclose(outs["bibun"][1], outs["torch"][1], rtol=1e-5)


def test_layer_norm_double_backward_matches_torch(torch):
    x = rng_for("ln2").standard_normal((2, 3, 4))
    w, b = rng_for("ln2w").standard_normal((3, 4)), rng_for("ln2b").standard_normal((3, 4))
    res = {}
    for lib in (bibun, torch):
        ts = [make_tensor(lib, a, "float64", True) for a in (x, w, b)]
        y = lib.nn.functional.layer_norm(ts[0], [3, 4], ts[1], ts[2])
        gs = lib.autograd.grad((y * y.sin()).sum(), ts, create_graph=True)
        ggs = lib.autograd.grad(sum((g * g).sum() for g in gs), ts[:2])
        res[lib.__name__] = [to_numpy(g) for g in gs + ggs]
    for b_arr, t_arr in zip(res["bibun"], res["torch"]):
        np.testing.assert_allclose(b_arr, t_arr, rtol=1e-7, atol=1e-9)


def test_one_hot_matches_torch(torch):
    for lib in (bibun, torch):
        got = lib.nn.functional.one_hot(lib.tensor([[0, 2], [1, 3]]), 5)
        if lib is bibun:
            b = to_numpy(got)
        else:
            t = to_numpy(got)
    np.testing.assert_array_equal(b, t)
    assert b.dtype == np.int64


def test_pad_circular_mode_wraps_around_as_torch(torch):
    # more cases (dims, crops, dtypes, gradients) in the op table's pad_circular row
    x = np.arange(6.0).reshape(2, 3)
    got = F.pad(make_tensor(bibun, x), (2, 1), mode="circular")
    want = torch.nn.functional.pad(make_tensor(torch, x), (2, 1), mode="circular")
    np.testing.assert_array_equal(to_numpy(got), to_numpy(want))


# ---- modules --------------------------------------------------------------------------------------

MODULES = [
    "ReLU()", "ReLU(inplace=True)", "ReLU6(True)", "LeakyReLU(0.2, True)", "ELU(0.5)", "CELU(inplace=True)",
    "SELU()", "GELU('tanh')", "SiLU()", "Mish(True)", "Softplus(2, 10)", "Softsign()", "Hardtanh(-2, 3)",
    "Hardsigmoid()", "Hardswish(True)", "LogSigmoid()", "Softmax(1)", "LogSoftmax(dim=-1)", "Softmin(0)",
    "GLU()", "Tanh()", "Sigmoid()", "Threshold(0.1, 20)", "Tanhshrink()",
    "SmoothL1Loss(beta=0.5)", "HuberLoss(delta=2.0)", "KLDivLoss(reduction='batchmean')",
    "LayerNorm(5)", "LayerNorm((3, 4), elementwise_affine=False)", "LayerNorm(4, bias=False)",
    "Embedding(10, 3)", "Embedding(10, 3, padding_idx=-1, max_norm=1.0, norm_type=1.0)",
    "Bilinear(3, 4, 5)", "Bilinear(3, 4, 5, bias=False)", "PReLU(3)",
]


@pytest.mark.parametrize("spec", MODULES)
def test_module_repr_matches_torch(torch, spec):
    assert repr(eval("bibun.nn." + spec)) == repr(eval("torch.nn." + spec))


ACT_MODULES = ["ReLU()", "ReLU6()", "LeakyReLU(0.2)", "ELU(0.5)", "CELU(0.7)", "SELU()", "GELU('tanh')", "SiLU()",
               "Mish()", "Softplus(2, 1)", "Softsign()", "Hardtanh(-2, 3)", "Hardsigmoid()", "Hardswish()",
               "LogSigmoid()", "Softmax(1)", "LogSoftmax(0)", "Softmin(1)", "GLU()", "Tanh()", "Sigmoid()",
               "Threshold(0.1, 20)", "Tanhshrink()"]


@pytest.mark.parametrize("spec", ACT_MODULES)
def test_activation_module_forward_and_backward_match_torch(compare_with_torch, spec):
    compare_with_torch(lambda lib, x: eval("lib.nn." + spec)(x), X)


def test_inplace_activation_module_writes_into_its_input():
    x = bibun.tensor(X) * 1
    assert bibun.nn.ReLU(inplace=True)(x) is x
    assert (to_numpy(x) >= 0).all()


def test_loss_modules_match_torch(compare_with_torch):
    y = rng_for("lossmod").standard_normal((3, 4)).astype("float32")
    for spec in ["SmoothL1Loss(beta=0.5)", "HuberLoss(delta=0.5)", "KLDivLoss(reduction='batchmean')",
                 "KLDivLoss(reduction='sum', log_target=True)", "SmoothL1Loss(reduction='none')"]:
        compare_with_torch(lambda lib, a, b, spec=spec: eval("lib.nn." + spec)(a, b), X, y, requires_grad=[True, False])


def _ks_uniform(values: np.ndarray, lo: float, hi: float) -> float:
    v = np.sort(values.ravel())
    cdf = (v - lo) / (hi - lo)
    n = v.size
    return max(np.max(np.arange(1, n + 1) / n - cdf), np.max(cdf - np.arange(0, n) / n))


def test_layers_initialise_with_torch_distributions():
    bibun.manual_seed(0)
    bil = bibun.nn.Bilinear(20, 30, 40)
    bound = 1 / math.sqrt(20)
    w = to_numpy(bil.weight.detach())
    assert w.shape == (40, 20, 30) and np.abs(w).max() <= bound
    assert _ks_uniform(w, -bound, bound) < 0.02
    assert np.abs(to_numpy(bil.bias.detach())).max() <= bound
    emb = bibun.nn.Embedding(200, 50, padding_idx=3)
    e = to_numpy(emb.weight.detach())
    assert not e[3].any()
    rest = np.delete(e, 3, axis=0)
    assert abs(rest.mean()) < 0.02 and abs(rest.std() - 1) < 0.02
    ln = bibun.nn.LayerNorm((3, 4))
    assert (to_numpy(ln.weight.detach()) == 1).all() and not to_numpy(ln.bias.detach()).any()
    assert [n for n, _ in bibun.nn.LayerNorm(4, elementwise_affine=False).named_parameters()] == []
    assert [n for n, _ in bibun.nn.LayerNorm(4, bias=False).named_parameters()] == ["weight"]


def test_embedding_from_pretrained_freezes_by_default(torch):
    w = rng_for("pre").standard_normal((4, 2)).astype("float32")
    frozen = bibun.nn.Embedding.from_pretrained(bibun.tensor(w))
    assert not frozen.weight.requires_grad
    trainable = bibun.nn.Embedding.from_pretrained(bibun.tensor(w), freeze=False, padding_idx=0)
    assert trainable.weight.requires_grad and trainable.padding_idx == 0
    out = trainable(bibun.tensor([0, 3, 3]))
    out.sum().backward()
    t = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=False, padding_idx=0)
    t(torch.tensor([0, 3, 3])).sum().backward()
    np.testing.assert_allclose(to_numpy(trainable.weight.grad), to_numpy(t.weight.grad))
    assert repr(trainable) == repr(t)


def test_layer_modules_forward_backward_match_torch(torch):
    bibun.manual_seed(0)
    x1, x2 = rng_for("bl1").standard_normal((5, 3)), rng_for("bl2").standard_normal((5, 4))
    mods = {"bibun": (bibun.nn.Bilinear(3, 4, 2), bibun.nn.LayerNorm(4), bibun.nn.PReLU(2))}
    mods["torch"] = (torch.nn.Bilinear(3, 4, 2), torch.nn.LayerNorm(4), torch.nn.PReLU(2))
    with torch.no_grad():
        for bm, tm in zip(mods["bibun"], mods["torch"]):
            for (_, bp), (_, tp) in zip(bm.named_parameters(), tm.named_parameters()):
                tp.copy_(torch.tensor(to_numpy(bp.detach())))
    res = {}
    for lib in (bibun, torch):
        bil, ln, pr = mods[lib.__name__]
        a, b = make_tensor(lib, x1, "float32"), make_tensor(lib, x2, "float32")
        y = pr(bil(a, ln(b)))
        y.pow(2).sum().backward()
        res[lib.__name__] = [to_numpy(y.detach())] + [to_numpy(p.grad) for m in (bil, ln, pr) for p in m.parameters()]
    for b_arr, t_arr in zip(res["bibun"], res["torch"]):
        np.testing.assert_allclose(b_arr, t_arr, rtol=1e-4, atol=1e-5)


def test_kl_div_mean_warns_like_torch():
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(bibun.tensor(X), bibun.tensor(X))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.kl_div(bibun.tensor(X), bibun.tensor(X), reduction="batchmean")
