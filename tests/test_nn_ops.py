"""The ops of bibun.nn.functional (ops/nn_ops.cpp) against PyTorch: values, dtypes, gradients,
float64 gradcheck and the grad_fn names PyTorch shows."""

from __future__ import annotations

import bibun
import bibun.nn.functional as F
import numpy as np
import pytest

RNG = np.random.RandomState(0)
X = RNG.standard_normal((4, 5))
Y = RNG.standard_normal((4, 5))
P = RNG.uniform(0.05, 0.95, (4, 5))
T = RNG.uniform(0.0, 1.0, (4, 5))
LABELS = np.array([1, 0, 4, 2])
W = RNG.uniform(0.5, 2.0, 5)


def names(t, depth: int = 4) -> list:
    """grad_fn names along the first non-leaf input, as far as `depth` nodes."""
    out, fn = [], t.grad_fn
    while fn is not None and depth:
        out.append(fn.name())
        nexts = [f for f, _ in fn.next_functions if f is not None and "AccumulateGrad" not in f.name()]
        fn = nexts[0] if nexts else None
        depth -= 1
    return out


# --- softmax / log_softmax ------------------------------------------------------------------------

@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmax_family_matches_torch(compare_with_torch, fn, dim, dtype):
    b, t = compare_with_torch(lambda lib, x: getattr(lib.nn.functional, fn)(x, dim), X, dtype=dtype)
    assert names(b) == names(t)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_family_on_3d_0d_and_empty(compare_with_torch, torch, fn):
    compare_with_torch(lambda lib, x: lib.nn.functional.__dict__[fn](x, 1), RNG.standard_normal((2, 3, 4)))
    compare_with_torch(lambda lib, x: getattr(x, fn)(0), np.array(1.5))
    for lib in (bibun, torch):
        empty = getattr(lib.zeros(0, 3, requires_grad=True), fn)(1)
        assert tuple(empty.shape) == (0, 3) and empty.grad_fn is not None


def test_softmax_is_stable_for_large_inputs(compare_with_torch):
    compare_with_torch(lambda lib, x: x.log_softmax(1), X * 1000)
    compare_with_torch(lambda lib, x: x.softmax(1), X * 1000)


def test_softmax_dtype_argument_casts_first(torch):
    b = bibun.tensor(X, dtype=bibun.float32, requires_grad=True).softmax(1, dtype=bibun.float64)
    t = torch.tensor(X, dtype=torch.float32, requires_grad=True).softmax(1, dtype=torch.float64)
    assert b.dtype == bibun.float64
    assert names(b) == names(t) == ["SoftmaxBackward0", "ToCopyBackward0"]


def test_softmax_without_dim_warns_and_picks_torch_dim():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = F.softmax(bibun.tensor(X))
    np.testing.assert_allclose(out.sum(1).numpy(), np.ones(4), rtol=1e-6)


def test_softmax_of_integers_raises_like_torch():
    with pytest.raises(NotImplementedError, match="softmax_lastdim_kernel_impl"):
        bibun.arange(4).softmax(0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        bibun.tensor(X).softmax(2)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_family_gradcheck(gradcheck, fn):
    gradcheck(lambda lib, x: getattr(x, fn)(1), X)
    gradcheck(lambda lib, x: getattr(x, fn)(0), X[:3, :3])


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_family_double_backward(torch, fn):
    def second(lib):
        x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
        y = getattr(x, fn)(1)
        (g,) = lib.autograd.grad((y * lib.tensor(Y, dtype=lib.float64)).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        return gg.detach().numpy()

    np.testing.assert_allclose(second(bibun), second(torch), rtol=1e-10, atol=1e-12)


# --- nll_loss / cross_entropy ---------------------------------------------------------------------

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_matches_torch(compare_with_torch, reduction, weighted):
    labels = np.array([1, -100, 4, 2])
    if weighted:
        fn = lambda lib, x, y, w: lib.nn.functional.nll_loss(x, y, weight=w, reduction=reduction)
        b, t = compare_with_torch(fn, X, labels, W, requires_grad=[True, False, False])
    else:
        fn = lambda lib, x, y: lib.nn.functional.nll_loss(x, y, reduction=reduction)
        b, t = compare_with_torch(fn, X, labels)
    assert names(b) == names(t) == ["NllLossBackward0"]


def test_nll_loss_on_1d_input_and_all_ignored(compare_with_torch):
    compare_with_torch(lambda lib, x, y: lib.nn.functional.nll_loss(x, y), X[0], np.array(3))
    compare_with_torch(lambda lib, x, y: lib.nn.functional.nll_loss(x, y), X, np.full(4, -100))
    compare_with_torch(lambda lib, x, y: lib.nn.functional.nll_loss(x, y, ignore_index=2), X, np.array([2, 1, 2, 0]))


def test_nll_loss_errors_match_torch(torch):
    x = bibun.tensor(X)
    cases = [
        (lambda lib, x: lib.nn.functional.nll_loss(x, lib.tensor([0, 1, 5, 2])), IndexError, "Target 5 is out of bounds."),
        (lambda lib, x: lib.nn.functional.nll_loss(x, lib.tensor([0.0, 1, 2, 3])), RuntimeError,
         "expected target dtype to be Long or Byte, but got Float"),
        (lambda lib, x: lib.nn.functional.nll_loss(x, lib.tensor([0, 1])), ValueError,
         r"Expected input batch_size \(4\) to match target batch_size \(2\)."),
        (lambda lib, x: lib.nn.functional.nll_loss(x, lib.tensor([0, 1, 2, 3]), weight=lib.ones(3, dtype=x.dtype)),
         RuntimeError, "weight tensor should be defined either for all 5 classes or no classes"),
    ]
    tx = torch.tensor(X)
    for fn, err, msg in cases:
        with pytest.raises(err, match=msg):
            fn(torch, tx)
        with pytest.raises(err, match=msg):
            fn(bibun, x)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_is_log_softmax_then_nll_loss(compare_with_torch, reduction):
    fn = lambda lib, x, y: lib.nn.functional.cross_entropy(x, y, reduction=reduction)
    b, t = compare_with_torch(fn, X, LABELS)
    assert names(b) == names(t) == ["NllLossBackward0", "LogSoftmaxBackward0"]


def test_cross_entropy_with_weight_ignore_index_and_probabilities(compare_with_torch):
    compare_with_torch(lambda lib, x, y, w: lib.nn.functional.cross_entropy(x, y, weight=w, ignore_index=0),
                       X, LABELS, W, requires_grad=[True, False, False])
    probs = np.exp(Y) / np.exp(Y).sum(1, keepdims=True)
    for reduction in ["mean", "sum", "none"]:
        compare_with_torch(lambda lib, x, p, r=reduction: lib.nn.functional.cross_entropy(x, p, reduction=r),
                           X, probs, requires_grad=[True, False])


def test_cross_entropy_label_smoothing_matches_torch(compare_with_torch):
    for reduction in ["mean", "sum", "none"]:
        compare_with_torch(lambda lib, x, y, r=reduction: lib.nn.functional.cross_entropy(
            x, y, label_smoothing=0.1, reduction=r), X, LABELS, requires_grad=[True, False])


def test_cross_entropy_label_smoothing_out_of_range_raises_like_torch(torch):
    for lib in (bibun, torch):
        with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0"):
            lib.nn.functional.cross_entropy(lib.tensor(X), lib.tensor(LABELS), label_smoothing=1.5)


def test_nll_loss_and_cross_entropy_gradcheck(gradcheck):
    labels = bibun.tensor(LABELS)
    gradcheck(lambda lib, x: lib.nn.functional.cross_entropy(x, labels), X)
    gradcheck(lambda lib, x: lib.nn.functional.nll_loss(x, labels, reduction="none"), X)
    w = bibun.tensor(W)
    gradcheck(lambda lib, x: lib.nn.functional.cross_entropy(x, labels, weight=w), X)


def test_cross_entropy_double_backward(torch):
    def second(lib):
        x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
        loss = lib.nn.functional.cross_entropy(x, lib.tensor(LABELS))
        (g,) = lib.autograd.grad(loss, x, create_graph=True)
        (gg,) = lib.autograd.grad((g * lib.tensor(Y)).sum(), x)
        return gg.numpy()

    np.testing.assert_allclose(second(bibun), second(torch), rtol=1e-10, atol=1e-12)


# --- mse / l1 / binary cross entropy --------------------------------------------------------------

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss"])
def test_regression_losses_match_torch(compare_with_torch, fn, reduction):
    b, t = compare_with_torch(lambda lib, x, y: getattr(lib.nn.functional, fn)(x, y, reduction=reduction), X, Y)
    assert names(b) == names(t)


def test_mse_loss_promotes_and_broadcasts_like_torch(compare_with_torch):
    compare_with_torch(lambda lib, x, y: lib.nn.functional.mse_loss(x, y.double()), X.astype(np.float32), Y)
    with pytest.warns(UserWarning, match="different to the input size"):
        b, t = compare_with_torch(lambda lib, x, y: lib.nn.functional.mse_loss(x, y), X, Y[0])
    assert names(b) == names(t)


def test_mse_loss_of_integers_raises_like_torch():
    with pytest.raises(NotImplementedError, match='"mse_cpu" not implemented for \'Long\''):
        F.mse_loss(bibun.arange(3), bibun.arange(3))


def test_regression_losses_gradcheck(gradcheck):
    gradcheck(lambda lib, x, y: lib.nn.functional.mse_loss(x, y), X, Y)
    gradcheck(lambda lib, x, y: lib.nn.functional.mse_loss(x, y, reduction="none"), X, Y)
    gradcheck(lambda lib, x, y: lib.nn.functional.l1_loss(x, y), X, Y)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_matches_torch(compare_with_torch, reduction):
    b, t = compare_with_torch(lambda lib, p, y: lib.nn.functional.binary_cross_entropy(p, y, reduction=reduction), P, T)
    assert names(b) == names(t) == ["BinaryCrossEntropyBackward0"]
    compare_with_torch(lambda lib, p, y, w: lib.nn.functional.binary_cross_entropy(p, y, weight=w, reduction=reduction),
                       P, T, W, requires_grad=[True, True, False])


def test_binary_cross_entropy_clamps_logs_at_minus_100(compare_with_torch):
    compare_with_torch(lambda lib, p, y: lib.nn.functional.binary_cross_entropy(p, y), np.array([0.0, 1.0, 0.5]),
                       np.array([1.0, 0.0, 0.5]), requires_grad=False)


def test_binary_cross_entropy_errors_match_torch(torch):
    for lib in (bibun, torch):
        with pytest.raises(ValueError, match="Using a target size"):
            lib.nn.functional.binary_cross_entropy(lib.rand(3), lib.rand(3, 1))
        with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
            lib.nn.functional.binary_cross_entropy(lib.rand(3) + 1, lib.rand(3))
        with pytest.raises(RuntimeError, match="Found dtype Double but expected Float"):
            lib.nn.functional.binary_cross_entropy(lib.rand(3), lib.rand(3).double())


def test_binary_cross_entropy_gradcheck(gradcheck):
    gradcheck(lambda lib, p, y: lib.nn.functional.binary_cross_entropy(p, y), P, T)
    gradcheck(lambda lib, p, y: lib.nn.functional.binary_cross_entropy(p, y, reduction="none"), P, T)


# --- linear ---------------------------------------------------------------------------------------

LIN_W = RNG.standard_normal((3, 5))
LIN_B = RNG.standard_normal(3)


@pytest.mark.parametrize("shape", [(5,), (4, 5), (2, 4, 5)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch_values_grads_and_nodes(compare_with_torch, shape, bias):
    x = RNG.standard_normal(shape)
    if bias:
        b, t = compare_with_torch(lambda lib, x, w, bb: lib.nn.functional.linear(x, w, bb), x, LIN_W, LIN_B)
    else:
        b, t = compare_with_torch(lambda lib, x, w: lib.nn.functional.linear(x, w), x, LIN_W)
    assert names(b) == names(t)


def test_linear_on_noncontiguous_batched_input_matches_torch(compare_with_torch):
    x = RNG.standard_normal((4, 2, 5))
    b, t = compare_with_torch(lambda lib, x, w, bb: lib.nn.functional.linear(x.transpose(0, 1), w, bb), x, LIN_W, LIN_B)
    assert names(b) == names(t)


def test_linear_2d_with_bias_records_addmm(torch):
    x = bibun.tensor(X, requires_grad=True)
    out = F.linear(x, bibun.tensor(LIN_W, requires_grad=True), bibun.tensor(LIN_B, requires_grad=True))
    assert out.grad_fn.name() == "AddmmBackward0"
    assert [f.name() for f, _ in out.grad_fn.next_functions] == [
        "torch::autograd::AccumulateGrad", "torch::autograd::AccumulateGrad", "TBackward0"]


def test_linear_errors_match_torch(torch):
    for lib in (bibun, torch):
        with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(1x3 and 2x4\)"):
            lib.nn.functional.linear(lib.randn(3), lib.randn(4, 2))


def test_linear_gradcheck(gradcheck):
    gradcheck(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), X, LIN_W, LIN_B)
    gradcheck(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), X[0], LIN_W, LIN_B)
    gradcheck(lambda lib, x, w: lib.nn.functional.linear(x, w), RNG.standard_normal((2, 2, 5)), LIN_W)


# --- dropout --------------------------------------------------------------------------------------

def test_dropout_zeroes_and_scales_with_mul_backward():
    bibun.manual_seed(0)
    x = bibun.ones(1000, 10, requires_grad=True)
    out = F.dropout(x, 0.3)
    assert out.grad_fn.name() == "MulBackward0"  # PyTorch's CPU dropout multiplies by a noise tensor
    values = out.detach().numpy()
    kept = values != 0
    np.testing.assert_allclose(values[kept], 1 / 0.7, rtol=1e-6)
    assert abs(kept.mean() - 0.7) < 0.02
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), values, rtol=1e-6)


def test_dropout_is_identity_in_eval_and_for_p_zero():
    x = bibun.randn(3, 4, requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert (F.dropout(x, 1.0).detach().numpy() == 0).all()
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        F.dropout(x, 1.5)


def test_dropout_same_seed_same_mask():
    bibun.manual_seed(3)
    a = F.dropout(bibun.ones(50), 0.5).numpy()
    bibun.manual_seed(3)
    b = F.dropout(bibun.ones(50), 0.5).numpy()
    np.testing.assert_array_equal(a, b)


# --- random fills ---------------------------------------------------------------------------------

def test_uniform_and_normal_fill_in_place_with_the_right_distribution():
    bibun.manual_seed(1)
    t = bibun.empty(200, 100)
    version = t._version
    assert t.uniform_(-2.0, 3.0) is t
    assert t._version > version
    v = t.numpy()
    assert v.min() >= -2.0 and v.max() < 3.0 and abs(v.mean() - 0.5) < 0.05
    n = bibun.empty(200, 100, dtype=bibun.float64).normal_(1.0, 2.0).numpy()
    assert abs(n.mean() - 1.0) < 0.05 and abs(n.std() - 2.0) < 0.05


def test_uniform_on_a_leaf_requiring_grad_raises_like_torch():
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        bibun.zeros(3, requires_grad=True).uniform_()
    with pytest.raises(NotImplementedError):
        bibun.zeros(3, dtype=bibun.int64).normal_()
