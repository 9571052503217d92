"""Linear algebra beyond the op table (tests/op_table_linalg.py): matmul's grad_fn per shape case and
requires_grad pattern, batched products on strided and broadcast inputs and the threaded batch path, PyTorch's
error texts and LinAlgError, det at singular matrices, norms with dtype, einsum's sublist form."""

from __future__ import annotations

from typing import Any

import bibun
import numpy as np
import pytest
from conftest import make_tensor, rng_for, to_numpy
from op_info import gradcheck, gradgradcheck


def _pair(torch: Any, arrays: list, requires_grad: list) -> tuple[list, list]:
    b = [make_tensor(bibun, a, requires_grad=rg) for a, rg in zip(arrays, requires_grad)]
    t = [make_tensor(torch, a, requires_grad=rg) for a, rg in zip(arrays, requires_grad)]
    return b, t





_MATMUL_CASES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                 ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
                 ((4, 1, 2, 3), (5, 3, 2)), ((1, 2, 3), (4, 1, 3, 2)), ((3,), (2, 2, 3, 4))]


@pytest.mark.parametrize("shapes", _MATMUL_CASES, ids=str)
@pytest.mark.parametrize("requires_grad", [(True, True), (True, False), (False, True)], ids=str)
def test_matmul_records_pytorchs_node_and_gradients_per_shape_case(shapes: tuple, requires_grad: tuple,
                                                                  torch: Any) -> None:
    rng = rng_for("matmul", shapes)
    arrays = [rng.standard_normal(s) for s in shapes]
    (ba, bb), (ta, tb) = _pair(torch, arrays, list(requires_grad))
    bo, to = bibun.matmul(ba, bb), torch.matmul(ta, tb)
    assert bo.grad_fn.name() == type(to.grad_fn).__name__
    np.testing.assert_allclose(to_numpy(bo), to_numpy(to), rtol=1e-10, atol=1e-12)
    up = rng.standard_normal(tuple(to.shape))
    bo.backward(make_tensor(bibun, up))
    to.backward(make_tensor(torch, up))
    for b, t in ((ba, ta), (bb, tb)):
        if t.requires_grad:
            np.testing.assert_allclose(to_numpy(b.grad), to_numpy(t.grad), rtol=1e-10, atol=1e-12)


def test_batched_matmul_reads_transposed_and_strided_batches_without_changing_values() -> None:
    rng = np.random.RandomState(0)
    a = rng.standard_normal((3, 4, 5))
    b = rng.standard_normal((3, 6, 5))
    ta, tb = bibun.tensor(a), bibun.tensor(b)
    np.testing.assert_allclose(to_numpy(ta @ tb.mT), a @ b.transpose(0, 2, 1), rtol=1e-12)
    wide = rng.standard_normal((3, 5, 12))
    tw = bibun.tensor(wide)[:, :, ::2]  # neither dim has unit stride: copied for BLAS
    np.testing.assert_allclose(to_numpy(bibun.bmm(ta, tw)), a @ wide[:, :, ::2], rtol=1e-12)
    perm = bibun.tensor(rng.standard_normal((4, 3, 5))).permute(1, 0, 2)  # batch stride not the largest
    np.testing.assert_allclose(to_numpy(bibun.bmm(perm, tb.mT)), to_numpy(perm) @ b.transpose(0, 2, 1), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
def test_many_small_batches_take_the_threaded_path_with_the_same_values(dtype: str, capfd: Any) -> None:
    rng = np.random.RandomState(1)
    a = rng.randint(-3, 4, size=(40, 64, 64)).astype(dtype)
    b = rng.randint(-3, 4, size=(40, 64, 64)).astype(dtype)
    want = np.einsum("bij,bjk->bik", a.astype(np.int64), b.astype(np.int64))
    got = bibun.matmul(bibun.tensor(a), bibun.tensor(b))
    assert got.dtype == getattr(bibun, dtype)
    np.testing.assert_array_equal(to_numpy(got).astype(np.int64), want)
    assert "OpenBLAS Warning" not in capfd.readouterr().err  # BLAS called from the OpenMP loop stays quiet


def test_scaled_products_ignore_self_when_beta_is_zero(torch: Any) -> None:
    nan = np.full((2, 4), np.nan)
    a, b = np.ones((2, 3)), np.ones((3, 4))
    for lib in (bibun, torch):
        out = lib.addmm(make_tensor(lib, nan), make_tensor(lib, a), make_tensor(lib, b), beta=0)
        np.testing.assert_array_equal(to_numpy(out), np.full((2, 4), 3.0))


def test_matmul_out_form_writes_into_out() -> None:
    a, b = bibun.ones(2, 2, 3), bibun.ones(3, 4)
    out = bibun.empty(0)
    assert bibun.matmul(a, b, out=out) is out
    assert out.shape == (2, 2, 4)
    with pytest.raises(RuntimeError, match="Expected out tensor to have dtype float, but got double instead"):
        bibun.matmul(a, b, out=bibun.empty(0, dtype=bibun.float64))


_ERRORS = [
    lambda lib: lib.bmm(lib.ones(2, 3, 4), lib.ones(3, 4, 5)),
    lambda lib: lib.matmul(lib.ones(2, 3, 4), lib.ones(3, 4, 6)),
    lambda lib: lib.matmul(lib.ones(2, 3, 4), lib.ones(2, 4, 5, dtype=lib.float64)),
    lambda lib: lib.addmm(lib.ones(4, 4), lib.ones(2, 3), lib.ones(3, 5)),
    lambda lib: lib.baddbmm(lib.ones(2, 3, 5, dtype=lib.float64), lib.ones(2, 3, 4), lib.ones(2, 4, 5)),
    lambda lib: lib.linalg.cross(lib.ones(4), lib.ones(4)),
    lambda lib: lib.linalg.inv(lib.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 1.0, 1.0]])),
    lambda lib: lib.linalg.inv(lib.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 1.0, 1.0]]).expand(2, 3, 3)),
    lambda lib: lib.linalg.solve(lib.ones(3, 3), lib.ones(3)),
    lambda lib: lib.linalg.solve(lib.ones(2, 3, 3), lib.ones(2, 3)),
    lambda lib: lib.linalg.solve(lib.eye(3), lib.ones(2)),
    lambda lib: lib.linalg.cholesky(lib.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda lib: lib.linalg.cholesky(lib.tensor([[1.0, 2.0], [2.0, 1.0]]).expand(3, 2, 2)),
    lambda lib: lib.linalg.det(lib.ones(2, 3)),
    lambda lib: lib.linalg.inv(lib.ones(2, 2, dtype=lib.int64)),
    lambda lib: lib.linalg.vector_norm(lib.ones(3, dtype=lib.float64), dtype=lib.float32),
    lambda lib: lib.linalg.matrix_norm(lib.ones(3, 3), ord=3),
    lambda lib: lib.linalg.norm(lib.ones(2, 3, 3), ord=2),
    lambda lib: lib.einsum("ij,jk->ik", lib.ones(2, 3), lib.ones(4, 5)),
    lambda lib: lib.einsum("ij->ik", lib.ones(2, 3)),
    lambda lib: lib.tensordot(lib.ones(2, 3), lib.ones(4, 5), dims=1),
    lambda lib: lib.outer(lib.ones(2, 2), lib.ones(3)),
]


@pytest.mark.parametrize("case", range(len(_ERRORS)))
def test_bad_input_raises_pytorchs_exception_and_text(case: int, torch: Any) -> None:
    with pytest.raises(Exception) as t_err:
        _ERRORS[case](torch)
    with pytest.raises(Exception) as b_err:
        _ERRORS[case](bibun)
    assert type(b_err.value).__name__ == type(t_err.value).__name__
    assert str(b_err.value) == str(t_err.value)


def test_linalg_error_is_a_runtime_error() -> None:
    assert issubclass(bibun.linalg.LinAlgError, RuntimeError)
    with pytest.raises(bibun.linalg.LinAlgError):
        bibun.linalg.inv(bibun.zeros(2, 2))


@pytest.mark.parametrize("matrix", [[[1.0, 2.0], [2.0, 4.0]], [[0.0, 0.0], [0.0, 0.0]], [[0.0, 1.0], [0.0, 0.0]],
                                    [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
def test_det_of_singular_matrix_has_pytorchs_gradients(matrix: list, torch: Any) -> None:
    """PyTorch's first derivative there is 0 (det * A^-T); under create_graph it is the cofactor matrix."""
    got = {}
    for lib in (bibun, torch):
        a = lib.tensor(matrix, dtype=lib.float64, requires_grad=True)
        d = lib.linalg.det(a)
        (first,) = lib.autograd.grad(d, a, retain_graph=True)
        (cofactors,) = lib.autograd.grad(d, a, create_graph=True)
        got[lib.__name__] = (to_numpy(d), to_numpy(first), to_numpy(cofactors))
    for b, t in zip(got["bibun"], got["torch"]):
        np.testing.assert_allclose(b, t, atol=1e-10)


def test_det_batch_mixing_singular_and_regular_matrices(torch: Any) -> None:
    arr = np.array([[[1.0, 2.0], [2.0, 4.0]], [[2.0, 1.0], [1.0, 3.0]]])
    grads = []
    for lib in (bibun, torch):
        a = make_tensor(lib, arr, requires_grad=True)
        lib.linalg.det(a).sum().backward()
        grads.append(to_numpy(a.grad))
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-12)


def test_cholesky_and_solve_second_derivatives() -> None:
    rng = np.random.RandomState(3)
    x = rng.standard_normal((3, 3))

    def chol(a: Any) -> Any:
        return bibun.linalg.cholesky(a @ a.mT + bibun.eye(3, dtype=bibun.float64))

    gradgradcheck(chol, [x])
    gradgradcheck(lambda a, b: bibun.linalg.solve(a + 3 * bibun.eye(3, dtype=bibun.float64), b),
                  [x, rng.standard_normal((2, 3, 2))])
    gradcheck(lambda a: bibun.linalg.cholesky(a @ a.mT + bibun.eye(3, dtype=bibun.float64), upper=True), [x])


def test_vector_norm_dtype_computes_in_that_dtype(torch: Any) -> None:
    arr = rng_for("vector_norm_dtype").standard_normal((3, 4)).astype(np.float32)
    (b,), (t,) = _pair(torch, [arr], [True])
    bo = bibun.linalg.vector_norm(b, 3, dim=1, dtype=bibun.float64)
    to = torch.linalg.vector_norm(t, 3, dim=1, dtype=torch.float64)
    assert bo.dtype == bibun.float64 and bo.grad_fn.name() == type(to.grad_fn).__name__
    np.testing.assert_allclose(to_numpy(bo), to_numpy(to), rtol=1e-12)
    bo.sum().backward()
    to.sum().backward()
    assert b.grad.dtype == bibun.float32
    np.testing.assert_allclose(to_numpy(b.grad), to_numpy(t.grad), rtol=1e-5)


def test_einsum_sublist_form_and_operand_list(torch: Any) -> None:
    rng = rng_for("einsum_sublist")
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    (ba, bb), (ta, tb) = _pair(torch, [a, b], [True, True])
    for bo, to in [(bibun.einsum(ba, [0, 1], bb, [1, 2], [0, 2]), torch.einsum(ta, [0, 1], tb, [1, 2], [0, 2])),
                   (bibun.einsum(ba, [0, 1], [1]), torch.einsum(ta, [0, 1], [1])),
                   (bibun.einsum("ij,jk", [ba, bb]), torch.einsum("ij,jk", [ta, tb]))]:
        assert bo.grad_fn.name() == type(to.grad_fn).__name__
        np.testing.assert_allclose(to_numpy(bo), to_numpy(to), rtol=1e-12)


def test_cross_without_dim_warns_and_takes_the_first_dim_of_size_3(torch: Any) -> None:
    arr = rng_for("cross_default").standard_normal((2, 3, 3))
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        got = bibun.cross(bibun.tensor(arr), bibun.tensor(arr[::-1].copy()))
    want = torch.cross(torch.tensor(arr), torch.tensor(arr[::-1].copy()), dim=1)
    np.testing.assert_allclose(to_numpy(got), to_numpy(want), rtol=1e-12)


def test_inverse_and_det_methods_match_linalg(torch: Any) -> None:
    arr = rng_for("methods").standard_normal((2, 3, 3)) + 3 * np.eye(3)
    b = bibun.tensor(arr)
    np.testing.assert_allclose(to_numpy(b.inverse()), np.linalg.inv(arr), rtol=1e-10)
    np.testing.assert_allclose(to_numpy(b.det()), np.linalg.det(arr), rtol=1e-10)
    assert b.inverse().grad_fn is None


def test_inplace_scaled_product_rebases_history_like_torch(torch: Any) -> None:
    rng = rng_for("addmm_")
    arrays = [rng.standard_normal((2, 4)), rng.standard_normal((2, 3)), rng.standard_normal((3, 4))]
    grads = {}
    for lib in (bibun, torch):
        s, a, b = (make_tensor(lib, x, requires_grad=True) for x in arrays)
        target = s * 1
        version = target._version
        assert target.addmm_(a, b, beta=0.5, alpha=2) is target
        assert target._version > version
        assert type(target.grad_fn).__name__ == "AddmmBackward0" or target.grad_fn.name() == "AddmmBackward0"
        target.sum().backward()
        grads[lib.__name__] = [to_numpy(t.grad) for t in (s, a, b)]
    for b_grad, t_grad in zip(grads["bibun"], grads["torch"]):
        np.testing.assert_allclose(b_grad, t_grad, rtol=1e-12)
    with pytest.raises(RuntimeError, match=r"Bad in-place call: input tensor size \[4\] and output tensor size"):
        bibun.ones(4).addmm_(bibun.ones(2, 3), bibun.ones(3, 4))


def test_singular_values_differentiate_twice_like_torch(torch: Any) -> None:
    arr = np.random.RandomState(5).standard_normal((3, 2))
    w = np.random.RandomState(6).standard_normal((3, 2))
    second = {}
    for lib in (bibun, torch):
        x = make_tensor(lib, arr, requires_grad=True)
        (g,) = lib.autograd.grad(lib.linalg.svdvals(x).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * make_tensor(lib, w)).sum(), x)
        second[lib.__name__] = (to_numpy(g), to_numpy(gg))
    u, _, vt = np.linalg.svd(arr, full_matrices=False)
    np.testing.assert_allclose(second["bibun"][0], u @ vt, rtol=1e-10)
    np.testing.assert_allclose(second["bibun"][1], second["torch"][1], rtol=1e-9, atol=1e-12)
