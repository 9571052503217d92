"""Losses of bibun.nn.functional beyond the op table: PyTorch's warnings and error wording, the
optional margin losses, legacy size_average/reduce arguments, and training-loop style use."""

from __future__ import annotations

import bibun
import numpy as np
import pytest
from conftest import make_tensor, rng_for

X = rng_for("losses", "x").standard_normal((3, 4)).astype("float32")
Y = rng_for("losses", "y").standard_normal((3, 4)).astype("float32")


def _raise_both(torch, fn, exc):
    messages = []
    for lib in (bibun, torch):
        with pytest.raises(exc) as info:
            fn(lib)
        messages.append(str(info.value).replace("torch.", "bibun."))
    return messages


@pytest.mark.parametrize("name", ["smooth_l1_loss", "huber_loss", "mse_loss", "l1_loss"])
def test_size_mismatch_warns_and_broadcasts_like_torch(compare_with_torch, name):
    with pytest.warns(UserWarning, match="Using a target size"):
        compare_with_torch(lambda lib, a, b: getattr(lib.nn.functional, name)(a, b), X, Y[0])


@pytest.mark.parametrize("fn, exc", [
    (lambda lib: lib.nn.functional.smooth_l1_loss(lib.ones(2), lib.ones(2), beta=-1.0), RuntimeError),
    (lambda lib: lib.nn.functional.huber_loss(lib.ones(2), lib.ones(2), delta=0.0), RuntimeError),
    (lambda lib: lib.nn.functional.smooth_l1_loss(lib.ones(2), lib.ones(2), reduction="avg"), ValueError),
    (lambda lib: lib.nn.functional.nll_loss(lib.ones(2, 3, 4), lib.zeros(2, 5, dtype=lib.int64)), RuntimeError),
    (lambda lib: lib.nn.functional.nll_loss(lib.ones(2, 3, 4), lib.zeros(3, 4, dtype=lib.int64)), ValueError),
    (lambda lib: lib.nn.functional.nll_loss(lib.ones(2, 3), lib.tensor([0, 3])), IndexError),
    (lambda lib: lib.nn.functional.cross_entropy(lib.ones(2, 3), lib.ones(2, 3, dtype=lib.int64)), RuntimeError),
    (lambda lib: lib.nn.functional.kl_div(lib.ones(2, dtype=lib.int64), lib.ones(2, dtype=lib.int64)),
     RuntimeError),
    (lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(
        lib.ones(2), lib.ones(2), weight=lib.ones(2, requires_grad=True)), RuntimeError),
    (lambda lib: lib.nn.functional.nll_loss(lib.ones(2, 3), lib.tensor([0, 1]),
                                             weight=lib.ones(3, requires_grad=True)), RuntimeError),
    (lambda lib: lib.nn.functional.margin_ranking_loss(lib.ones(2), lib.ones(2), lib.ones(2, 1)), RuntimeError),
])
def test_bad_arguments_raise_with_torch_wording(torch, fn, exc):
    b, t = _raise_both(torch, fn, exc)
    assert b == t


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_margin_losses_match_torch(compare_with_torch, reduction):
    sign = np.array([1.0, -1.0, 1.0], dtype="float32")
    compare_with_torch(lambda lib, a, b, y: lib.nn.functional.cosine_embedding_loss(
        a, b, y, margin=0.2, reduction=reduction), X, Y, sign, requires_grad=[True, True, False])
    compare_with_torch(lambda lib, a, b, y: lib.nn.functional.margin_ranking_loss(
        a, b, y, margin=0.1, reduction=reduction), X[0], Y[0], np.sign(Y[1]), requires_grad=[True, True, False])
    compare_with_torch(lambda lib, a, y: lib.nn.functional.hinge_embedding_loss(
        a, y, margin=0.5, reduction=reduction), X, np.sign(Y), requires_grad=[True, False])


def test_legacy_size_average_and_reduce_pick_the_reduction(compare_with_torch):
    for kw in [{"size_average": False}, {"reduce": False}, {"size_average": True, "reduce": True}]:
        for name in ["smooth_l1_loss", "kl_div", "mse_loss"]:
            compare_with_torch(lambda lib, a, b, name=name, kw=kw: getattr(lib.nn.functional, name)(a, b.abs(), **kw),
                               X, Y)


def test_pos_weight_and_weight_broadcast_like_torch(compare_with_torch):
    t = (Y > 0).astype("float32")
    compare_with_torch(lambda lib, a, b, w, pw: lib.nn.functional.binary_cross_entropy_with_logits(
        a, b, weight=w, pos_weight=pw), X, t, np.abs(Y[0]), np.abs(Y[1]) + 0.5,
        requires_grad=[True, True, False, False])


def test_cross_entropy_on_spatial_inputs_with_ignore_index_and_smoothing(compare_with_torch):
    x = rng_for("ce", "spatial").standard_normal((2, 3, 2, 2)).astype("float32")
    target = np.array([[[0, 2], [-100, 1]], [[2, 2], [0, -100]]])
    w = np.array([0.5, 1.0, 2.0], dtype="float32")
    for reduction in ["none", "mean", "sum"]:
        compare_with_torch(lambda lib, a, y, w, reduction=reduction: lib.nn.functional.cross_entropy(
            a, y, weight=w, reduction=reduction, label_smoothing=0.25), x, target, w,
            requires_grad=[True, False, False])


def test_classifier_trains_like_torch_with_label_smoothing(torch):
    rng = rng_for("ce", "train")
    data, labels = rng.standard_normal((16, 5)).astype("float32"), rng.randint(0, 3, 16)
    w0, b0 = rng.standard_normal((3, 5)).astype("float32") * 0.1, np.zeros(3, dtype="float32")
    losses = {}
    for lib in (bibun, torch):
        w, b = make_tensor(lib, w0, requires_grad=True), make_tensor(lib, b0, requires_grad=True)
        x, y = make_tensor(lib, data), lib.tensor(labels.tolist())
        history = []
        for _ in range(5):
            loss = lib.nn.functional.cross_entropy(lib.nn.functional.gelu(x) @ w.t() + b, y, label_smoothing=0.1)
            loss.backward()
            with lib.no_grad():
                w -= 0.5 * w.grad
                b -= 0.5 * b.grad
                w.grad = None
                b.grad = None
            history.append(float(loss))
        losses[lib.__name__] = history
    np.testing.assert_allclose(losses["bibun"], losses["torch"], rtol=1e-5)
