"""bibun.nn.init.trunc_normal_ and orthogonal_: the same distributions as PyTorch's (two-sample
Kolmogorov-Smirnov tests against samples drawn by PyTorch), their invariants, and their errors."""

from __future__ import annotations

import math

import bibun
import numpy as np
import pytest


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """The largest gap between the empirical CDFs of two samples."""
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    return float(np.max(np.abs(np.searchsorted(a, grid, side="right") / a.size
                                - np.searchsorted(b, grid, side="right") / b.size)))


def ks_critical(n: int, m: int, alpha_factor: float = 1.95) -> float:
    """The two-sample KS bound at a significance level of about 0.001."""
    return alpha_factor * math.sqrt((n + m) / (n * m))


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (0.5, 0.2, 0.0, 1.0), (0.0, 0.02, -0.04, 0.04),
                                          (1.0, 2.0, -1.0, 5.0)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_trunc_normal_matches_torch_distribution(torch, mean, std, a, b, dtype):
    bibun.manual_seed(0)
    torch.manual_seed(0)
    got = bibun.nn.init.trunc_normal_(bibun.empty(100, 200, dtype=getattr(bibun, dtype)), mean, std, a, b)
    want = torch.nn.init.trunc_normal_(torch.empty(100, 200, dtype=getattr(torch, dtype)), mean, std, a, b)
    g, w = got.numpy().ravel().astype(np.float64), want.numpy().ravel().astype(np.float64)
    assert g.min() >= a and g.max() <= b
    assert ks_statistic(g, w) < ks_critical(g.size, w.size)


def test_trunc_normal_returns_its_argument_and_records_no_history():
    p = bibun.nn.Parameter(bibun.empty(3, 4))
    assert bibun.nn.init.trunc_normal_(p, std=0.02) is p
    assert p.grad_fn is None and p.requires_grad


def test_trunc_normal_warns_when_mean_is_far_from_the_interval(torch):
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        bibun.nn.init.trunc_normal_(bibun.empty(10), mean=10.0, std=1.0, a=-2.0, b=2.0)


@pytest.mark.parametrize("shape", [(5, 5), (3, 7), (8, 3), (4, 2, 3, 3)], ids=str)
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal_gives_orthonormal_rows_or_columns_scaled_by_gain(shape, gain):
    bibun.manual_seed(1)
    w = bibun.nn.init.orthogonal_(bibun.empty(*shape, dtype=bibun.float64), gain=gain)
    m = w.numpy().reshape(shape[0], -1) / gain
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(gram, np.eye(gram.shape[0]), atol=1e-12)


def test_orthogonal_matches_torch_distribution(torch):
    """Haar-distributed 3x3 orthogonal matrices: each entry's distribution (and the determinant's
    sign, +-1 with equal odds) as in PyTorch's samples."""
    bibun.manual_seed(2)
    torch.manual_seed(2)
    n = 1500
    got = np.stack([bibun.nn.init.orthogonal_(bibun.empty(3, 3)).numpy() for _ in range(n)])
    want = np.stack([torch.nn.init.orthogonal_(torch.empty(3, 3)).numpy() for _ in range(n)])
    for i, j in [(0, 0), (1, 2), (2, 1)]:
        assert ks_statistic(got[:, i, j], want[:, i, j]) < ks_critical(n, n), (i, j)
    dets = np.linalg.det(got.astype(np.float64))
    assert abs(np.mean(dets > 0) - 0.5) < 0.06


def test_orthogonal_on_a_parameter_keeps_it_a_leaf():
    p = bibun.nn.Parameter(bibun.empty(4, 6))
    assert bibun.nn.init.orthogonal_(p) is p
    assert p.grad_fn is None and p.requires_grad
    np.testing.assert_allclose(p.detach().numpy() @ p.detach().numpy().T, np.eye(4), atol=1e-5)


def test_orthogonal_errors_and_empty_tensors_match_torch(torch):
    for lib in (bibun, torch):
        with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
            lib.nn.init.orthogonal_(lib.empty(5))
    assert tuple(bibun.nn.init.orthogonal_(bibun.empty(0, 3)).shape) == (0, 3)
