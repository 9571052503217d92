"""Op-table rows: linear algebra — the products (matmul in every shape case, mm, mv, dot, vdot, bmm, the
scaled sums addmm/addmv/baddbmm/addbmm, outer/ger, kron, cross, tensordot, einsum), det/inv/solve/cholesky
and the norms (see tests/op_info.py for what a row says)."""

from __future__ import annotations

from typing import Any

import numpy as np
from op_info import ALL_DTYPES, FLOATS, INTS, OpInfo, Sample, values

_NUMERIC = FLOATS + INTS


def _pairs(shapes: list, view_first: Any = None) -> Any:
    """A sample generator of tensors of the given shapes (several per sample); ``view_first`` adds one
    sample per shape list whose first tensor is a transposed view."""

    def gen(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
        out = []
        for shapes_k, kwargs in shapes:
            arrs = [values(op, dtype, s, rng) for s in shapes_k]
            out.append(Sample(arrs, (), dict(kwargs), None, f"{shapes_k}{kwargs}"))
        for shapes_k, kwargs in view_first or []:
            # The first array is stored transposed; the op sees its .mT (same logical shape).
            first = values(op, dtype, shapes_k[0][:-2] + (shapes_k[0][-1], shapes_k[0][-2]), rng)
            arrs = [first] + [values(op, dtype, s, rng) for s in shapes_k[1:]]
            out.append(Sample(arrs, (), dict(kwargs), lambda t: t.mT, f"mT{shapes_k}{kwargs}"))
        return out

    return gen


_MATMUL_SHAPES = [
    (((3,), (3,)), {}),
    (((2, 3), (3,)), {}),
    (((3,), (3, 4)), {}),
    (((2, 3), (3, 4)), {}),
    (((2, 2, 3), (3, 4)), {}),       # folded into mm
    (((2, 2, 3), (3,)), {}),         # folded into mv
    (((3,), (2, 3, 4)), {}),
    (((2, 3), (2, 3, 4)), {}),
    (((2, 2, 3), (2, 3, 4)), {}),    # bmm
    (((3, 1, 2, 3), (2, 3, 2)), {}),  # broadcast batch dims
    (((0, 2, 3), (3, 2)), {}),
    (((2, 0), (0, 3)), {}),
]

_SPD = np.eye(3) * 3.0


def _spd(lib: Any, a: Any) -> Any:
    """A symmetric positive-definite matrix (batch) made from ``a``, so gradients stay in the SPD set."""
    return a @ a.mT + lib.tensor(_SPD.tolist(), dtype=a.dtype)


def _square_samples(shapes: list) -> Any:
    def gen(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
        out = []
        for s in shapes:
            arr = values(op, dtype, s, rng)
            if dtype in FLOATS and len(s) >= 2 and s[-1] > 0:
                arr = arr + np.eye(s[-1], dtype=dtype) * 2  # well conditioned
            out.append(Sample([arr], name=str(s)))
        arr = values(op, dtype, (3, 3), rng)
        out.append(Sample([arr.T.copy()], view=lambda t: t.mT, name="mT(3,3)"))
        return out

    return gen


def _solve_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    out = []
    for sa, sb in [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (3,)), ((2, 3, 3), (2, 3)), ((2, 3, 3), (3, 1)),
                   ((3, 3), (2, 3, 2)), ((2, 1, 2, 2), (3, 2, 1))]:
        a = values(op, dtype, sa, rng)
        if dtype in FLOATS:
            a = a + np.eye(sa[-1], dtype=dtype) * 3
        out.append(Sample([a, values(op, dtype, sb, rng)], name=f"{sa}{sb}"))
    return out


def _einsum_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    cases = [
        ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 2)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
        ("i,i", [(3,), (3,)]), ("i,j->ij", [(3,), (2,)]), ("ii", [(3, 3)]), ("ii->i", [(3, 3)]),
        ("ij->ji", [(2, 3)]), ("ij->", [(2, 3)]), ("...ij->...ji", [(2, 2, 3)]), ("bi,bi->b", [(2, 3), (2, 3)]),
        ("iij->j", [(2, 2, 3)]), ("...ij,...jk", [(2, 2, 3), (3, 2)]), ("i,i,i->", [(3,), (3,), (3,)]),
        ("ij,kj->ikj", [(2, 3), (2, 3)]), ("ijk,ikl->jl", [(2, 3, 2), (2, 2, 3)]), ("ab,cd->", [(2, 3), (2, 2)]),
        ("i j , j k -> i k", [(2, 3), (3, 2)]), ("ij,j->i", [(2, 3), (3,)]),
    ]
    return [Sample([values(op, dtype, s, rng) for s in shapes], (), {"eq": eq}, None, eq) for eq, shapes in cases]


def _scaled(name: str, shapes: list, extra: list, **kw: Any) -> OpInfo:
    variants = [({}), ({"beta": 0.5, "alpha": 2}), ({"beta": 0})]

    def gen(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
        out = []
        for shapes_k in shapes:
            for kwargs in variants:
                if dtype in INTS and any(isinstance(v, float) for v in kwargs.values()):
                    continue
                arrs = [values(op, dtype, s, rng) for s in shapes_k]
                out.append(Sample(arrs, (), dict(kwargs), None, f"{shapes_k}{kwargs}"))
        for shapes_k in extra:  # the first matrix operand as a transposed view
            arrs = [values(op, dtype, s, rng) for s in shapes_k]
            out.append(Sample(arrs, (), {}, None, f"broadcast{shapes_k}"))
        return out

    kw.setdefault("dtypes", _NUMERIC)
    return OpInfo(name, samples=gen, **kw)


def _norm_samples(variants: list, shapes: list) -> Any:
    def gen(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
        out = []
        for args, kwargs in variants:
            for s in shapes:
                out.append(Sample([values(op, dtype, s, rng)], args, dict(kwargs), None, f"{s}{args}{kwargs}"))
        arr = values(op, dtype, (4, 3), rng)
        out.append(Sample([arr], (), {}, lambda t: t.mT, "mT(3,4)"))
        return out

    return gen


def _solve_right_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    """``linalg.solve(A, B, left=False)``: X A = B, B a batch of rows (a vector B raises, as in PyTorch)."""
    out = []
    for sa, sb in [((3, 3), (2, 3)), ((3, 3), (3, 3)), ((2, 3, 3), (4, 3)), ((3, 3), (2, 1, 3)), ((2, 1, 2, 2), (3, 2, 2)),
                   ((1, 1), (1,)), ((2, 1, 1), (2, 1)), ((3, 3), (0, 3)), ((0, 0), (2, 0))]:
        a = values(op, dtype, sa, rng)
        if dtype in FLOATS:
            a = a + np.eye(sa[-1], dtype=dtype) * 3
        out.append(Sample([a, values(op, dtype, sb, rng)], (), {"left": False}, None, f"{sa}{sb}"))
    a = values(op, dtype, (3, 3), rng)
    if dtype in FLOATS:
        a = a + np.eye(3, dtype=dtype) * 3
    out.append(Sample([a.T.copy(), values(op, dtype, (2, 3), rng)], (), {"left": False}, lambda t: t.mT, "mT(3,3)"))
    return out


def _canonical_signs(lib: Any, m: Any, dim: int) -> Any:
    """``m`` with each vector along ``dim`` (a singular vector) times the sign of its entry of largest magnitude:
    one representative of the vectors' sign freedom, the same in both libraries (and differentiable)."""
    if m.numel() == 0:
        return m
    return m * m.gather(dim, m.abs().argmax(dim, keepdim=True)).sign()


def _svd_gauge_fixed(lib: Any) -> Any:
    """``linalg.svd`` with the singular vectors' signs fixed, so that values and gradients compare."""

    def f(a: Any, **kw: Any) -> Any:
        u, s, vh = lib.linalg.svd(a, **kw)
        return _canonical_signs(lib, u, -2), s, _canonical_signs(lib, vh, -1)

    return f


def _old_svd_gauge_fixed(lib: Any) -> Any:
    def f(a: Any, **kw: Any) -> Any:
        u, s, v = lib.svd(a, **kw)
        return _canonical_signs(lib, u, -2), s, _canonical_signs(lib, v, -2)

    return f


def _svd_samples(shapes: list) -> Any:
    """Matrices with distinct singular values; full U / Vh only where their extra vectors are unique up to sign
    (|m - n| <= 1); those extra vectors take no part in the gradient (as in PyTorch), so no gradcheck there."""

    def gen(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
        out = []
        for s, kwargs in shapes:
            full = kwargs.get("full_matrices", True) if op.name == "linalg_svd" else not kwargs.get("some", True)
            extra = full and kwargs.get("compute_uv", True) and s[-1] != s[-2]
            out.append(Sample([values(op, dtype, s, rng)], (), dict(kwargs), None, f"{s}{kwargs}",
                              gradcheck=not extra))
        arr = values(op, dtype, (3, 2), rng)
        out.append(Sample([arr], (), {"full_matrices": False} if op.name == "linalg_svd" else {}, lambda t: t.mT,
                          "mT(2,3)"))
        return out

    return gen


def _not_tensor(fn: Any) -> Any:
    return lambda lib, x: fn(lib)(x.tolist(), x)


OPS = [
    OpInfo("matmul", dtypes=ALL_DTYPES, inplace=False,
           samples=_pairs(_MATMUL_SHAPES, [(((3, 2), (2, 4)), {}), (((2, 3, 2), (2, 4)), {}),
                                           (((2, 3, 2), (2, 2, 4)), {})]),
           errors=(lambda lib, x: lib.matmul(x, lib.ones(3, 2)), lambda lib, x: lib.matmul(x, lib.ones(())),
                   lambda lib, x: lib.matmul(x.reshape(2, 2, 2), lib.ones(3, 2, 2)),
                   lambda lib, x: lib.matmul(x, lib.ones(4, dtype=lib.float64)))),
    OpInfo("mm", dtypes=ALL_DTYPES, inplace=False, samples=_pairs([(((2, 3), (3, 4)), {}), (((0, 3), (3, 2)), {})],
                                                                [(((3, 2), (2, 4)), {})]),
           errors=(lambda lib, x: lib.mm(x, lib.ones(3, 2)), lambda lib, x: lib.mm(x, lib.ones(4)))),
    OpInfo("mv", dtypes=ALL_DTYPES, inplace=False, samples=_pairs([(((2, 3), (3,)), {}), (((0, 3), (3,)), {})],
                                                                [(((3, 2), (2,)), {})]),
           errors=(lambda lib, x: lib.mv(x, lib.ones(3)),)),
    OpInfo("dot", dtypes=_NUMERIC, inplace=False, samples=_pairs([(((3,), (3,)), {}), (((0,), (0,)), {})]),
           errors=(lambda lib, x: lib.dot(x[0], lib.ones(3)), lambda lib, x: lib.dot(x, x))),
    OpInfo("vdot", dtypes=_NUMERIC, inplace=False, samples=_pairs([(((3,), (3,)), {}), (((0,), (0,)), {})]),
           errors=(lambda lib, x: lib.vdot(x[0], lib.ones(3)), lambda lib, x: lib.vdot(x, x),
                   lambda lib, x: lib.vdot(x[0], x[0].double()))),
    OpInfo("bmm", dtypes=ALL_DTYPES, inplace=False,
           samples=_pairs([(((2, 2, 3), (2, 3, 4)), {}), (((0, 2, 3), (0, 3, 4)), {}), (((2, 0, 3), (2, 3, 1)), {})],
                          [(((2, 2, 3), (2, 3, 2)), {})]),
           errors=(lambda lib, x: lib.bmm(x, x), lambda lib, x: lib.bmm(x[None], x[None]),
                   lambda lib, x: lib.bmm(x[None], x.t()[None].double()))),
    _scaled("addmm", [((2, 4), (2, 3), (3, 4)), ((4,), (2, 3), (3, 4)), ((), (2, 3), (3, 4))], [],
            errors=(lambda lib, x: lib.addmm(x, x, x), lambda lib, x: lib.addmm(lib.ones(3, 3), x, x.t()))),
    _scaled("addmv", [((2,), (2, 3), (3,)), ((), (2, 3), (3,)), ((1,), (2, 3), (3,))], [],
            errors=(lambda lib, x: lib.addmv(lib.ones(3), x, lib.ones(4)),)),
    _scaled("baddbmm", [((2, 2, 4), (2, 2, 3), (2, 3, 4)), ((2, 1, 4), (2, 2, 3), (2, 3, 4)),
                        ((4,), (2, 2, 3), (2, 3, 4))], [],
            errors=(lambda lib, x: lib.baddbmm(lib.ones(3, 3), x[None], x.t()[None]),)),
    _scaled("addbmm", [((2, 4), (3, 2, 3), (3, 3, 4)), ((1, 4), (3, 2, 3), (3, 3, 4)), ((2, 4), (0, 2, 3),
                                                                                         (0, 3, 4))], [],
            dtypes=ALL_DTYPES,  # bool: only the empty batch with beta=0 succeeds, as in PyTorch
            # PyTorch's addbmm_ resizes a broadcastable self to the product's shape; bibun's raises.
            inplace=False,
            errors=(lambda lib, x: lib.addbmm(lib.ones(3, 3), x[None], x.t()[None]),)),
    OpInfo("outer", dtypes=ALL_DTYPES, inplace=False, samples=_pairs([(((3,), (4,)), {}), (((0,), (2,)), {})]),
           errors=(lambda lib, x: lib.outer(x, x[0]),)),
    OpInfo("ger", dtypes=ALL_DTYPES, inplace=False, samples=_pairs([(((3,), (2,)), {})])),
    OpInfo("kron", dtypes=ALL_DTYPES, inplace=False,
           # (PyTorch's kron raises on a transposed input: its product keeps the input's strides and the
           # final view fails; bibun's is contiguous, so no transposed sample here.)
           samples=_pairs([(((2, 3), (2, 2)), {}), (((3,), (2, 2)), {}), (((2, 1, 2), (2,)), {})])),
    OpInfo("cross", dtypes=_NUMERIC, inplace=False,
           samples=_pairs([(((2, 3), (2, 3)), {"dim": 1}), (((3, 2), (3, 1)), {"dim": 0}),
                           (((4, 3), (1, 3)), {"dim": -1})], [(((2, 3), (2, 3)), {"dim": 1})]),
           errors=(lambda lib, x: lib.cross(x, x, dim=1), lambda lib, x: lib.cross(x, x))),
    OpInfo("linalg_cross", fn=lambda lib: lib.linalg.cross, dtypes=_NUMERIC, inplace=False, method=False,
           samples=_pairs([(((2, 3), (2, 3)), {}), (((3, 2), (3, 1)), {"dim": 0}), (((4, 3), (1, 3)), {})]),
           errors=(lambda lib, x: lib.linalg.cross(x, x), lambda lib, x: lib.linalg.cross(x[0, :3], x[:, :3]))),
    OpInfo("tensordot", dtypes=_NUMERIC, inplace=False, method=False,
           samples=_pairs([(((2, 3, 2), (3, 2, 2)), {"dims": 2}), (((2, 3), (3, 2)), {"dims": 1}),
                           (((2, 3, 2), (2, 3)), {"dims": ([0, 1], [1, 0])}), (((2, 3), (2,)), {"dims": 0})]),
           errors=(lambda lib, x: lib.tensordot(x, x, dims=1),)),
    OpInfo("einsum", fn=lambda lib: lambda *ts, eq: lib.einsum(eq, *ts), dtypes=ALL_DTYPES, inplace=False,
           method=False, has_out=False, samples=_einsum_samples,
           errors=(lambda lib, x: lib.einsum("ij,jk->ik", x, x), lambda lib, x: lib.einsum("ij,jk->ik", x),
                   lambda lib, x: lib.einsum("ijk->ik", x), lambda lib, x: lib.einsum("ij->ik", x),
                   lambda lib, x: lib.einsum("ij,jk", x, x.t().double()))),
    OpInfo("det", dtypes=FLOATS, inplace=False, has_out=False,
           samples=_square_samples([(3, 3), (2, 3, 3), (1, 1), (0, 0), (2, 0, 0)]),
           errors=(lambda lib, x: lib.det(x), lambda lib, x: lib.det(x[0]))),
    OpInfo("linalg_det", fn=lambda lib: lib.linalg.det, dtypes=FLOATS, inplace=False, method=False,
           samples=_square_samples([(2, 2), (2, 2, 2)])),
    OpInfo("inverse", dtypes=FLOATS, inplace=False,
           samples=_square_samples([(3, 3), (2, 3, 3), (1, 1), (0, 0)]),
           errors=(lambda lib, x: lib.inverse(x), lambda lib, x: lib.inverse(lib.zeros(2, 2)),
                   lambda lib, x: lib.inverse(lib.ones(2, 2, dtype=lib.int64)))),
    OpInfo("linalg_inv", fn=lambda lib: lib.linalg.inv, dtypes=FLOATS, inplace=False, method=False,
           samples=_square_samples([(2, 2), (2, 2, 2)]),
           errors=(lambda lib, x: lib.linalg.inv(lib.zeros(2, 3, 3)),)),
    OpInfo("linalg_solve", fn=lambda lib: lib.linalg.solve, dtypes=FLOATS, inplace=False, method=False,
           samples=_solve_samples,
           errors=(lambda lib, x: lib.linalg.solve(x, x), lambda lib, x: lib.linalg.solve(lib.zeros(2, 2), x[0, :2]),
                   lambda lib, x: lib.linalg.solve(lib.eye(4), x[0].double()),
                   lambda lib, x: lib.linalg.solve(x[0], x[0]))),
    OpInfo("linalg_solve_left_false", fn=lambda lib: lib.linalg.solve, dtypes=FLOATS, inplace=False, method=False,
           samples=_solve_right_samples,
           errors=(lambda lib, x: lib.linalg.solve(lib.eye(3), x, left=False),
                   lambda lib, x: lib.linalg.solve(lib.eye(3), lib.ones(3), left=False),
                   lambda lib, x: lib.linalg.solve(lib.eye(4).expand(2, 4, 4), x, left=False),
                   lambda lib, x: lib.linalg.solve(lib.zeros(4, 4), x, left=False),
                   lambda lib, x: lib.linalg.solve(lib.eye(4), x, left=1))),
    OpInfo("linalg_svd", fn=_svd_gauge_fixed, dtypes=FLOATS, inplace=False, method=False, has_out=False,
           samples=_svd_samples([((3, 3), {}), ((3, 2), {"full_matrices": False}), ((2, 3), {"full_matrices": False}),
                                 ((2, 3, 2), {"full_matrices": False}), ((3, 2), {}), ((2, 3), {}),
                                 ((2, 2, 3), {"full_matrices": True}), ((0, 3), {}), ((3, 0), {"full_matrices": False}),
                                 ((2, 0, 2), {})]),
           errors=(lambda lib, x: lib.linalg.svd(x[0]), lambda lib, x: lib.linalg.svd(x.long()),
                   lambda lib, x: lib.linalg.svd(x, driver="gesvd"), lambda lib, x: lib.linalg.svd(x, None),
                   lambda lib, x: lib.linalg.svd(lib.full((2, 2), float("nan"))))),
    OpInfo("svd", fn=_old_svd_gauge_fixed, dtypes=FLOATS, inplace=False, method=False, has_out=False,
           samples=_svd_samples([((3, 2), {}), ((2, 3), {"some": True}), ((3, 2), {"some": False}),
                                 ((2, 2, 3), {"compute_uv": False}), ((2, 3), {"some": False, "compute_uv": False}),
                                 ((0, 2), {})]),
           errors=(lambda lib, x: lib.svd(x[0]), lambda lib, x: lib.svd(x.long()), lambda lib, x: lib.svd(x, 1))),
    OpInfo("linalg_cholesky", fn=lambda lib: lambda a, **kw: lib.linalg.cholesky(_spd(lib, a), **kw),
           dtypes=FLOATS, inplace=False, method=False, has_out=False,
           samples=_pairs([(((3, 3),), {}), (((2, 3, 3),), {}), (((3, 3),), {"upper": True})]),
           errors=(lambda lib, x: lib.linalg.cholesky(x), lambda lib, x: lib.linalg.cholesky(-lib.eye(2)),
                   lambda lib, x: lib.linalg.cholesky(lib.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]]])))),
    OpInfo("cholesky", fn=lambda lib: lambda a, **kw: lib.cholesky(_spd(lib, a), **kw),
           dtypes=FLOATS, inplace=False, method=False, has_out=False,
           samples=_pairs([(((3, 3),), {}), (((3, 3),), {"upper": True})])),
    OpInfo("linalg_vector_norm", fn=lambda lib: lib.linalg.vector_norm, dtypes=FLOATS, inplace=False, method=False,
           samples=_norm_samples([((), {}), ((1,), {}), ((3.5,), {"dim": 1}), ((float("inf"),), {"dim": (0, 1)}),
                                  ((-float("inf"),), {"dim": 0, "keepdim": True}), ((0,), {}),
                                  ((2,), {"dim": -1, "keepdim": True})],
                                 [(2, 3), (3, 1)]),
           errors=(lambda lib, x: lib.linalg.vector_norm(x.double(), dtype=lib.float32),
                   lambda lib, x: lib.linalg.vector_norm(x, dtype=lib.int64),
                   lambda lib, x: lib.linalg.vector_norm(x.long()))),
    OpInfo("linalg_matrix_norm", fn=lambda lib: lib.linalg.matrix_norm, dtypes=FLOATS, inplace=False, method=False,
           samples=_norm_samples([((), {}), (("fro",), {"keepdim": True}), ((1,), {}), ((-1,), {}),
                                  ((float("inf"),), {}), ((-float("inf"),), {"keepdim": True}),
                                  ((1,), {"dim": (0, -1)}), ((float("inf"),), {"dim": (-1, 0)})],
                                 [(2, 3), (2, 3, 4)]),
           errors=(lambda lib, x: lib.linalg.matrix_norm(x[0]), lambda lib, x: lib.linalg.matrix_norm(x, 3),
                   lambda lib, x: lib.linalg.matrix_norm(x, "foo"), lambda lib, x: lib.linalg.matrix_norm(x.long()))),
    OpInfo("linalg_norm", fn=lambda lib: lib.linalg.norm, dtypes=FLOATS, inplace=False, method=False,
           samples=_norm_samples([((), {}), ((1,), {}), ((float("inf"),), {}), (("fro",), {}), ((), {"dim": 0}),
                                  ((3,), {"dim": 1, "keepdim": True}), ((-1,), {"dim": (0, 1)})],
                                 [(2, 3)]),
           errors=(lambda lib, x: lib.linalg.norm(x[None], 2), lambda lib, x: lib.linalg.norm(x[0], "fro"),
                   lambda lib, x: lib.linalg.norm(x.long()))),
    OpInfo("linalg_svdvals", fn=lambda lib: lib.linalg.svdvals, dtypes=FLOATS, inplace=False, method=False,
           samples=_norm_samples([((), {})], [(2, 3), (3, 2), (2, 2, 3), (0, 3)]),
           errors=(lambda lib, x: lib.linalg.svdvals(x[0]), lambda lib, x: lib.linalg.svdvals(x.long()))),
    OpInfo("linalg_matrix_norm_svd", fn=lambda lib: lib.linalg.matrix_norm, dtypes=FLOATS, inplace=False,
           method=False,
           samples=_norm_samples([(("nuc",), {}), ((2,), {}), ((-2,), {"keepdim": True}), (("nuc",), {"dim": (0, 2)})],
                                 [(2, 3, 2)])),
]
