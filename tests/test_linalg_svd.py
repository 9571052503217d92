"""The singular value decomposition beyond the op table (tests/op_table_linalg.py rows ``linalg_svd``, ``svd``,
``linalg_svdvals``, ``linalg_matrix_norm_svd``): the graph PyTorch records (one ``LinalgSvdBackward0`` with S as
output 1), the factorization itself (orthonormal factors, identity factors of empty matrices), first and second
derivatives of sign-invariant losses against PyTorch (gU, gS and gVh alone and together), ``out=``, and errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import bibun
import numpy as np
import pytest
from conftest import make_tensor, rng_for, to_numpy


def _names(t: Any) -> str:
    return t.grad_fn.name()


def _svd_output_nr(t: Any) -> int | None:
    """Which output of the LinalgSvdBackward0 node ``t``'s graph reaches (following first inputs)."""
    fn = t.grad_fn
    while fn is not None and fn.next_functions:
        nxt, nr = fn.next_functions[0]
        if nxt is not None and nxt.name() == "LinalgSvdBackward0":
            return nr
        fn = nxt
    return None


def test_outputs_share_one_linalg_svd_backward_node() -> None:
    a = bibun.randn(3, 2, dtype=bibun.float64, requires_grad=True)
    u, s, vh = bibun.linalg.svd(a)
    assert u.grad_fn.name() == s.grad_fn.name() == vh.grad_fn.name() == "LinalgSvdBackward0"
    assert u.grad_fn is s.grad_fn is vh.grad_fn


@pytest.mark.parametrize("make", [lambda lib, a: lib.linalg.svdvals(a).unsqueeze(0),
                                  lambda lib, a: lib.linalg.matrix_norm(a, 2).unsqueeze(0),
                                  lambda lib, a: lib.linalg.matrix_norm(a, "nuc").unsqueeze(0),
                                  lambda lib, a: lib.svd(a, compute_uv=False)[1].unsqueeze(0)],
                         ids=["svdvals", "norm2", "nuc", "svd_no_uv"])
def test_singular_values_are_output_1_of_linalg_svd_as_in_torch(make: Callable, torch: Any) -> None:
    arr = rng_for("svd-node").standard_normal((2, 3))
    nrs = [_svd_output_nr(make(lib, make_tensor(lib, arr, requires_grad=True))) for lib in (bibun, torch)]
    assert nrs == [1, 1]


def test_old_svd_returns_v_as_a_transpose_of_vh(torch: Any) -> None:
    arr = rng_for("svd-v").standard_normal((3, 2))
    kinds = []
    for lib in (bibun, torch):
        r = lib.svd(make_tensor(lib, arr, requires_grad=True))
        assert type(r).__name__ == "svd"
        kinds.append([_names(t) for t in r])
    assert kinds[0] == kinds[1] == ["LinalgSvdBackward0", "LinalgSvdBackward0", "TransposeBackward0"]
    r = bibun.svd(make_tensor(bibun, arr))
    assert r.V.shape == (2, 2) and r.U.shape == (3, 2)
    m = make_tensor(bibun, arr).svd(some=False)
    assert type(m).__name__ == "svd" and m.U.shape == (3, 3)
    np.testing.assert_array_equal(to_numpy(m.S), to_numpy(r.S))


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 2), (1, 5)], ids=str)
@pytest.mark.parametrize("full", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_factors_are_orthonormal_and_reconstruct_a(shape: tuple, full: bool, dtype: str, torch: Any) -> None:
    arr = rng_for("svd-rec", shape).standard_normal(shape).astype(dtype)
    u, s, vh = bibun.linalg.svd(make_tensor(bibun, arr), full_matrices=full)
    t_u, t_s, t_vh = torch.linalg.svd(make_tensor(torch, arr), full_matrices=full)
    assert type(bibun.linalg.svd(make_tensor(bibun, arr))).__name__ == "linalg_svd"
    assert (u.shape, s.shape, vh.shape) == (tuple(t_u.shape), tuple(t_s.shape), tuple(t_vh.shape))
    tol = 1e-5 if dtype == "float32" else 1e-12
    m, n = shape[-2:]
    k = min(m, n)
    un, sn, vhn = to_numpy(u), to_numpy(s), to_numpy(vh)
    np.testing.assert_allclose(sn, to_numpy(t_s), rtol=tol * 10, atol=tol)
    np.testing.assert_allclose((un[..., :k] * sn[..., None, :]) @ vhn[..., :k, :], arr, atol=tol * 10)
    eye_u, eye_v = np.eye(un.shape[-1]), np.eye(vhn.shape[-2])
    np.testing.assert_allclose(np.swapaxes(un, -1, -2) @ un, np.broadcast_to(eye_u, un.shape[:-2] + eye_u.shape),
                               atol=tol * 10)
    np.testing.assert_allclose(vhn @ np.swapaxes(vhn, -1, -2), np.broadcast_to(eye_v, vhn.shape[:-2] + eye_v.shape),
                               atol=tol * 10)
    # The first k singular vectors equal torch's up to sign.
    np.testing.assert_allclose(np.abs(un[..., :k]), np.abs(to_numpy(t_u)[..., :k]), atol=tol * 100)
    assert np.all(np.diff(sn, axis=-1) <= 0)


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0), (2, 0, 3), (2, 3, 0)], ids=str)
@pytest.mark.parametrize("full", [True, False])
def test_empty_matrices_give_torchs_shapes_and_identity_factors(shape: tuple, full: bool, torch: Any) -> None:
    b = bibun.linalg.svd(bibun.zeros(shape), full_matrices=full)
    t = torch.linalg.svd(torch.zeros(shape), full_matrices=full)
    for bk, tk in zip(b, t):
        assert tuple(bk.shape) == tuple(tk.shape)
        np.testing.assert_array_equal(to_numpy(bk), to_numpy(tk))
    for some in (True, False):
        for uv in (True, False):
            b = bibun.svd(bibun.zeros(shape), some=some, compute_uv=uv)
            t = torch.svd(torch.zeros(shape), some=some, compute_uv=uv)
            assert [tuple(x.shape) for x in b] == [tuple(x.shape) for x in t]


def _sign_fixed(lib: Any, m: Any, dim: int) -> Any:
    return m * m.gather(dim, m.abs().argmax(dim, keepdim=True)).sign()


# Losses that do not depend on the signs of singular vectors, so their gradients are defined; each uses a
# different subset of (U, S, Vh) so that every branch of svd_backward runs.
_LOSSES = {
    "S": lambda lib, u, s, vh, w: (s * w[0]).sum(),
    "U": lambda lib, u, s, vh, w: (_sign_fixed(lib, u, -2) * w[1]).sum(),
    "Vh": lambda lib, u, s, vh, w: (_sign_fixed(lib, vh, -1) * w[2]).sum(),
    "U_Vh": lambda lib, u, s, vh, w: (_sign_fixed(lib, u, -2) * w[1]).sum() + (_sign_fixed(lib, vh, -1) * w[2]).sum(),
    "all": lambda lib, u, s, vh, w: ((u * s.unsqueeze(-2)) @ vh * w[3]).sum() + (_sign_fixed(lib, u, -2) * w[1]).sum()
    + (s * w[0]).sum() + (_sign_fixed(lib, vh, -1) ** 2 * w[2]).sum(),
}


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 2)], ids=str)
@pytest.mark.parametrize("loss", list(_LOSSES), ids=str)
@pytest.mark.parametrize("full", [False, True])
def test_first_and_second_derivatives_match_torch(shape: tuple, loss: str, full: bool, torch: Any) -> None:
    rng = rng_for("svd-dd", shape, loss, full)
    arr = rng.standard_normal(shape)
    m, n = shape[-2:]
    u_shape = shape[:-1] + ((m if full else min(m, n)),)
    vh_shape = shape[:-2] + ((n if full else min(m, n)), n)
    ws = [rng.standard_normal(shape[:-2] + (min(m, n),)), rng.standard_normal(u_shape),
          rng.standard_normal(vh_shape), rng.standard_normal(shape)]
    w_in = rng.standard_normal(shape)
    results = {}
    for lib in (bibun, torch):
        a = make_tensor(lib, arr, requires_grad=True)
        w = [make_tensor(lib, x) for x in ws]
        u, s, vh = lib.linalg.svd(a, full_matrices=full)
        if full:  # only the first k vectors take part in the gradient (PyTorch's choice): compare just those
            k = min(m, n)
            u, vh = u[..., :k], vh[..., :k, :]
            w = [w[0], w[1][..., :k], w[2][..., :k, :], w[3]]
        (g,) = lib.autograd.grad(_LOSSES[loss](lib, u, s, vh, w), a, create_graph=True)
        (gg,) = lib.autograd.grad((g * make_tensor(lib, w_in)).sum(), a)
        results[lib.__name__] = (to_numpy(g), to_numpy(gg))
    np.testing.assert_allclose(results["bibun"][0], results["torch"][0], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(results["bibun"][1], results["torch"][1], rtol=1e-7, atol=1e-9)


def test_singular_values_of_repeated_values_have_finite_gradients_as_in_torch(torch: Any) -> None:
    grads = {}
    for lib in (bibun, torch):
        a = lib.eye(3, dtype=lib.float64, requires_grad=True)
        (g_s,) = lib.autograd.grad(lib.linalg.svdvals(a).sum(), a)
        (g_u,) = lib.autograd.grad(lib.linalg.svd(a)[0].abs().sum(), a)
        grads[lib.__name__] = (to_numpy(g_s), to_numpy(g_u))
    np.testing.assert_allclose(grads["bibun"][0], np.eye(3))
    np.testing.assert_array_equal(np.isnan(grads["bibun"][1]), np.isnan(grads["torch"][1]))


def test_out_writes_the_three_factors(torch: Any) -> None:
    arr = rng_for("svd-out").standard_normal((3, 2))
    outs = tuple(bibun.empty(0, dtype=bibun.float64) for _ in range(3))
    r = bibun.linalg.svd(make_tensor(bibun, arr), full_matrices=False, out=outs)
    assert all(x is o for x, o in zip(r, outs)) and type(r).__name__ == "linalg_svd"
    np.testing.assert_allclose(to_numpy(outs[1]), np.linalg.svd(arr, compute_uv=False), rtol=1e-12)
    outs = tuple(bibun.empty(0, dtype=bibun.float64) for _ in range(3))
    r = bibun.svd(make_tensor(bibun, arr), out=outs)
    assert all(x is o for x, o in zip(r, outs)) and type(r).__name__ == "svd"
    assert tuple(outs[2].shape) == (2, 2)
    for bad in (lambda lib: lib.linalg.svd(lib.ones(2, 2), out=lib.empty(0)),
                lambda lib: lib.linalg.svd(lib.ones(2, 2), out=(lib.empty(0), lib.empty(0))),
                lambda lib: lib.linalg.svd(lib.ones(2, 2), out=(lib.empty(0, dtype=lib.float64), lib.empty(0),
                                                                lib.empty(0))),
                lambda lib: lib.svd(lib.ones(2, 2), out=(lib.empty(0), lib.empty(0, dtype=lib.float64), lib.empty(0))),
                lambda lib: lib.linalg.svdvals(lib.ones(2, 2), out=lib.empty(0, dtype=lib.int64))):
        with pytest.raises(Exception) as t_err:
            bad(torch)
        with pytest.raises(type(t_err.value)):
            bad(bibun)


@pytest.mark.parametrize("bad", [
    lambda lib: lib.linalg.svd(lib.ones(3)),
    lambda lib: lib.svd(lib.ones(3)),
    lambda lib: lib.linalg.svd(lib.ones(2, 2, dtype=lib.int64)),
    lambda lib: lib.linalg.svdvals(lib.ones(2, 2, dtype=lib.bool)),
    lambda lib: lib.linalg.svd(lib.ones(2, 2), driver="gesvd"),
    lambda lib: lib.linalg.svdvals(lib.ones(2, 2), driver="gesdd"),
    lambda lib: lib.linalg.svd(lib.tensor([[1.0, float("nan")], [0.0, 1.0]])),
    lambda lib: lib.linalg.svdvals(lib.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, float("nan")], [0.0, 1.0]]])),
    lambda lib: lib.svd(lib.ones(2, 2), some=1),
], ids=["1d", "svd_1d", "int", "bool", "driver", "svdvals_driver", "nan", "nan_batch", "some_int"])
def test_bad_input_raises_torchs_error(bad: Callable, torch: Any) -> None:
    with pytest.raises(Exception) as t_err:
        bad(torch)
    with pytest.raises(Exception) as b_err:
        bad(bibun)
    assert type(b_err.value).__name__ == type(t_err.value).__name__
    assert str(b_err.value) == str(t_err.value)
