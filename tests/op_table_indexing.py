"""Op table rows of the indexing ops: gather/scatter, index_select/index_add/index_fill/index_copy,
masked_fill/masked_select/masked_scatter, take/take_along_dim, index_put, nonzero/argwhere.

Index tensors and masks are ``LibTensor`` constants in a sample's args (their own dtype, no grad). Ops
whose differentiable second tensor comes after ``dim``/``index`` in PyTorch's signature (scatter's src,
index_add's source, ...) are called through ``fn`` with that tensor second; their method and in-place
forms are checked in tests/test_advanced_indexing.py.
"""

from __future__ import annotations

import numpy as np
from op_info import FLOATS, LibTensor, OpInfo, Sample
from op_info import layouts as _raw_layouts
from op_info import values as _raw_values


def values(op: OpInfo, dtype: str, shape: tuple, rng: np.random.RandomState) -> np.ndarray:
    return np.asarray(_raw_values(op, dtype, shape, rng))


def layouts(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    return [(name, np.asarray(arr), view) for name, arr, view in _raw_layouts(op, dtype, rng)]


def _index_along(rng: np.random.RandomState, shape: tuple, dim: int, size: int, count: int | None = None) -> np.ndarray:
    """An int64 index of ``shape`` (count along ``dim`` if given) with values in [0, size), repeats included."""
    shape = list(shape)
    if count is not None and shape:
        shape[dim] = count
    if size == 0:
        return np.zeros(shape, dtype=np.int64)
    return rng.randint(0, size, size=shape).astype(np.int64)


def _dim_samples(op: OpInfo, dtype: str, rng: np.random.RandomState, make) -> list:
    """One sample per layout and dim (0, -1) from ``make(arr, dim, name)``; 0-d and empty layouts use dim 0."""
    out = []
    for name, arr, view in layouts(op, dtype, rng):
        shape = arr.shape if view is None else (3, 4)
        for dim in ((0,) if len(shape) < 2 else (0, -1)):
            out.extend(make(arr, shape, dim, view, f"{name}-dim{dim}"))
    return out


def gather_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    def make(arr, shape, dim, view, name):
        if not shape:
            return [Sample([arr], (0, LibTensor(np.array(0))), name=name, view=view)]
        idx = _index_along(rng, shape, dim, shape[dim], count=5 if shape[dim] else 0)
        if len(shape) == 2:  # an index smaller than self in the other dim
            idx = idx[:2] if dim == -1 else idx[:, :3]
        return [Sample([arr], (dim, LibTensor(idx)), name=name, view=view)]

    return _dim_samples(op, dtype, rng, make)


def index_select_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    def make(arr, shape, dim, view, name):
        size = shape[dim] if shape else 1
        idx = _index_along(rng, (4 if shape else 1,), 0, size) if size else np.zeros(0, dtype=np.int64)
        return [Sample([arr], (dim, LibTensor(idx)), name=name, view=view)]

    return _dim_samples(op, dtype, rng, make)


def index_fill_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    value = True if dtype == "bool" else (-2 if dtype in ("int64", "int32") else 1.5)

    def make(arr, shape, dim, view, name):
        size = shape[dim] if shape else 1
        idx = np.array([0, size - 1, -1]) if size else np.zeros(0, dtype=np.int64)
        return [Sample([arr], (dim, LibTensor(idx), value), name=name, view=view)]

    return _dim_samples(op, dtype, rng, make)


def scatter_value_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    value = False if dtype == "bool" else 3

    def make(arr, shape, dim, view, name):
        if not shape:
            return [Sample([arr], (0, LibTensor(np.array(0)), value), name=name, view=view)]
        idx = _index_along(rng, shape, dim, shape[dim], count=2 if shape[dim] else 0)
        return [Sample([arr], (dim, LibTensor(idx), value), name=name, view=view)]

    return _dim_samples(op, dtype, rng, make)


def _unique_index(rng: np.random.RandomState, shape: tuple, dim: int, size: int, count: int) -> np.ndarray:
    """An index along ``dim`` whose entries do not repeat within a line (scatter writes are then defined)."""
    shape = list(shape)
    shape[dim] = count
    d = dim % len(shape)
    moved = np.moveaxis(np.zeros(shape, dtype=np.int64), d, -1)
    for pos in np.ndindex(*moved.shape[:-1]):
        moved[pos] = rng.permutation(size)[:count]
    return np.moveaxis(moved, -1, d).copy()


def scatter_src_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    def make(arr, shape, dim, view, name):
        if not shape:
            return [Sample([arr, values(op, dtype, (), rng)], (0, LibTensor(np.array(0))), name=name, view=view)]
        if not shape[dim]:
            return [Sample([arr, values(op, dtype, shape, rng)], (dim, LibTensor(np.zeros(shape, np.int64))),
                           name=name, view=view)]
        unique = op.name == "scatter_src"
        count = 2
        idx = (_unique_index(rng, shape, dim, shape[dim], count) if unique
               else _index_along(rng, shape, dim, shape[dim], count=count))
        src_shape = list(shape)
        src_shape[dim] = count
        return [Sample([arr, values(op, dtype, tuple(src_shape), rng)], (dim, LibTensor(idx)), name=name, view=view)]

    return _dim_samples(op, dtype, rng, make)


def index_add_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    def make(arr, shape, dim, view, name):
        size = shape[dim] if shape else 1
        if op.name == "index_copy":
            idx = rng.permutation(size)[:3] if size else np.zeros(0, np.int64)
        else:
            idx = _index_along(rng, (4 if shape else 1,), 0, size) if size else np.zeros(0, np.int64)
        src_shape = list(shape)
        if shape:
            src_shape[dim] = len(idx)
        kwargs = {"alpha": 2} if op.name == "index_add" and dtype != "bool" and len(idx) else {}
        return [Sample([arr, values(op, dtype, tuple(src_shape), rng)], (dim, LibTensor(idx)), kwargs, view, name)]

    return _dim_samples(op, dtype, rng, make)


def _mask(rng: np.random.RandomState, shape: tuple) -> np.ndarray:
    return rng.rand(*shape) > 0.5


def masked_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    """masked_select / masked_fill: a full-shape mask, and a broadcast row mask."""
    value = () if op.name == "masked_select" else ((True,) if dtype == "bool" else (-1.5 if dtype in FLOATS else -2,))
    out = []
    for name, arr, view in layouts(op, dtype, rng):
        shape = arr.shape if view is None else (3, 4)
        out.append(Sample([arr], (LibTensor(_mask(rng, shape), "bool"), *value), name=name, view=view))
        if len(shape) == 2:
            out.append(Sample([arr], (LibTensor(_mask(rng, shape[-1:]), "bool"), *value), name=name + "-row", view=view))
    return out


def masked_scatter_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    out = []
    for name, arr, view in layouts(op, dtype, rng):
        shape = arr.shape if view is None else (3, 4)
        source = values(op, dtype, (4, 4), rng)
        out.append(Sample([arr, source], (LibTensor(_mask(rng, shape), "bool"),), name=name, view=view))
    return out


def take_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    out = []
    for name, arr, view in layouts(op, dtype, rng):
        n = int(np.prod(arr.shape if view is None else (3, 4)))
        idx = rng.randint(-n, n, size=(2, 3)) if n else np.zeros((0,), np.int64)
        out.append(Sample([arr], (LibTensor(idx),), name=name, view=view))
    return out


def take_along_dim_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    def make(arr, shape, dim, view, name):
        if not shape:
            return [Sample([arr], (LibTensor(np.array(0)),), name=name + "-flat", view=view)]
        size = shape[dim]
        samples = [Sample([arr], (LibTensor(_index_along(rng, shape, dim, size, count=2 if size else 0)), dim),
                          name=name, view=view)]
        if len(shape) == 2 and size:  # broadcast over the other dim
            other = [1, 1]
            other[dim] = 3
            samples.append(Sample([arr], (LibTensor(rng.randint(0, size, size=other)), dim), name=name + "-bcast",
                                  view=view))
        n = int(np.prod(shape))
        if n:
            samples.append(Sample([arr], (LibTensor(rng.randint(0, n, size=(5,))),), name=name + "-flat", view=view))
        return samples

    return _dim_samples(op, dtype, rng, make)


def index_put_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    out = []
    for name, arr, view in layouts(op, dtype, rng):
        shape = arr.shape if view is None else (3, 4)
        if len(shape) != 2:
            continue
        rows, cols = np.array([0, 2, 0]), np.array([1, 3, 1])
        out.append(Sample([arr, values(op, dtype, (3,), rng)], (LibTensor((rows, cols)), True), name=name + "-acc",
                          view=view))
        out.append(Sample([arr, values(op, dtype, (4,), rng)], (LibTensor((np.array([2, 0]),)),), name=name + "-rows",
                          view=view))
        out.append(Sample([arr, values(op, dtype, (), rng)], (LibTensor((_mask(rng, shape),), "bool"),),
                          name=name + "-mask", view=view))
    return out


def nonzero_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    out = [Sample([arr], name=name, view=view) for name, arr, view in layouts(op, dtype, rng)]
    out.append(Sample([np.zeros((2, 3), dtype=dtype)], name="all-zero"))
    return out


def _second_tensor(name: str):
    """``lib.<name>(x, *args)`` with the differentiable second tensor moved after dim/index."""
    def fn(lib):
        def call(x, other, *args, **kwargs):
            if name == "index_put":  # index_put(x, indices, values, accumulate)
                return lib.index_put(x, args[0], other, *args[1:], **kwargs)
            return getattr(lib, name)(x, *args, other, **kwargs)
        return call
    return fn


OPS = [
    OpInfo("gather", samples=gather_samples, inplace=False,
           errors=(lambda lib, x: lib.gather(x, 1, lib.tensor([[0, 9]])),
                   lambda lib, x: lib.gather(x, 1, lib.tensor([0, 1])),
                   lambda lib, x: lib.gather(x, 1, lib.tensor([[0.0, 1.0]])),
                   lambda lib, x: lib.gather(x, 2, lib.tensor([[0, 1]])))),
    OpInfo("index_select", samples=index_select_samples, inplace=False,
           errors=(lambda lib, x: lib.index_select(x, 1, lib.tensor([[0, 1]])),
                   lambda lib, x: lib.index_select(x, 1, lib.tensor([0, 4])),
                   lambda lib, x: lib.index_select(x, 1, lib.tensor([0.0])))),
    OpInfo("take", samples=take_samples, inplace=False,
           errors=(lambda lib, x: lib.take(x, lib.tensor([8])),
                   lambda lib, x: lib.take(x, lib.tensor([0], dtype=lib.int32)))),
    OpInfo("take_along_dim", samples=take_along_dim_samples, inplace=False,
           errors=(lambda lib, x: lib.take_along_dim(x, lib.tensor([0, 1]), 1),
                   lambda lib, x: lib.take_along_dim(x, lib.tensor([[0, 1]], dtype=lib.int32), 1))),
    OpInfo("masked_select", samples=masked_samples, inplace=False,
           errors=(lambda lib, x: lib.masked_select(x, lib.tensor([1, 0, 1, 0])),
                   lambda lib, x: lib.masked_select(x, lib.tensor([True, False])))),
    OpInfo("masked_fill", samples=masked_samples, has_out=False,
           errors=(lambda lib, x: lib.masked_fill(x, lib.tensor([1, 0, 1, 0]), 1.0),)),
    OpInfo("index_fill", samples=index_fill_samples, has_out=False,
           errors=(lambda lib, x: lib.index_fill(x, 1, lib.tensor([0, 5]), 1.0),
                   lambda lib, x: x.index_fill(1, lib.tensor([0]), lib.ones(2)))),
    OpInfo("scatter", samples=scatter_value_samples,
           errors=(lambda lib, x: lib.scatter(x, 1, lib.tensor([[0, 5]]), 1.0),
                   lambda lib, x: lib.scatter(x, 1, lib.tensor([[0, 1]] * 3), 1.0),
                   lambda lib, x: lib.scatter(x, 1, lib.tensor([0, 1]), 1.0),
                   lambda lib, x: lib.scatter(x, 1, lib.tensor([[0, 1]]), 1.0, reduce="max"))),
    OpInfo("scatter_src", samples=scatter_src_samples, fn=_second_tensor("scatter"), method=False, inplace=False,
           errors=(lambda lib, x: lib.scatter(x, 1, lib.tensor([[0, 1]]), x.double()),
                   lambda lib, x: lib.scatter(x, 1, lib.tensor([[0, 1, 2]]), x[:, :2]))),
    OpInfo("scatter_add", samples=scatter_src_samples, fn=_second_tensor("scatter_add"), method=False,
           inplace=False, errors=(lambda lib, x: lib.scatter_add(x, 1, lib.tensor([[0, 1]]), x.double()),)),
    OpInfo("index_add", samples=index_add_samples, fn=_second_tensor("index_add"), method=False, inplace=False,
           errors=(lambda lib, x: lib.index_add(x, 1, lib.tensor([0, 1]), lib.ones(2, 3)),
                   lambda lib, x: lib.index_add(x, 1, lib.tensor([0, 4]), lib.ones(2, 2)),
                   lambda lib, x: lib.index_add(x, 1, lib.tensor([0, 1]), lib.ones(2, 2, dtype=lib.float64)))),
    OpInfo("index_copy", samples=index_add_samples, fn=_second_tensor("index_copy"), method=False, inplace=False,
           errors=(lambda lib, x: lib.index_copy(x, 1, lib.tensor([0, 1]), lib.ones(2, 3)),)),
    OpInfo("masked_scatter", samples=masked_scatter_samples, fn=_second_tensor("masked_scatter"), method=False,
           inplace=False, has_out=False,
           errors=(lambda lib, x: lib.masked_scatter(x, x > 0, lib.ones(2)),
                   lambda lib, x: lib.masked_scatter(x, x > 0, lib.ones(8, dtype=lib.float64)))),
    OpInfo("index_put", samples=index_put_samples, fn=_second_tensor("index_put"), method=False, inplace=False,
           has_out=False,
           errors=(lambda lib, x: lib.index_put(x, (lib.tensor([0, 1]),), lib.ones(3)),
                   lambda lib, x: lib.index_put(x, (lib.tensor([0, 5]),), lib.ones(4)),
                   lambda lib, x: lib.index_put(x, (lib.tensor([0]),), lib.ones(4, dtype=lib.float64)))),
    OpInfo("nonzero", samples=nonzero_samples, differentiable=False, inplace=False),
    OpInfo("argwhere", samples=nonzero_samples, differentiable=False, inplace=False, has_out=False),
]


# ---- __getitem__ / __setitem__ -------------------------------------------------------------------
# An index is a tuple of ints, slices, None, Ellipsis and LibTensor constants (int tensors, bool
# masks), resolved per library; the input is (4, 5) in three layouts. Repeated integer indices make
# the backward accumulate.

def _resolve_index(lib, index: tuple) -> tuple:
    return tuple(i.resolve(lib) if isinstance(i, LibTensor) else i for i in index)


def _indices(rng: np.random.RandomState) -> list:
    return [
        ("int", (1,)),
        ("neg-int-ellipsis", (-1, Ellipsis)),
        ("step", (slice(None), slice(None, None, 2))),
        ("none-ellipsis-slice", (None, Ellipsis, slice(1, 3))),
        ("repeated-rows", (LibTensor(np.array([0, 2, 0])),)),
        ("mask", (LibTensor(_mask(rng, (4, 5)), "bool"),)),
        ("slice-and-tensor", (slice(1, None), LibTensor(np.array([4, 0, 4])))),
        ("two-tensors", (LibTensor(np.array([[0, 1], [3, 3]])), LibTensor(np.array([[1, 1], [0, 4]])))),
        ("int-and-row-mask", (2, LibTensor(np.array([True, False, True, True, False]), "bool"))),
    ]


def _matrix_layouts(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    return [
        ("contig", values(op, dtype, (4, 5), rng), None),
        ("transposed", values(op, dtype, (5, 4), rng), lambda t: t.t()),
        ("strided", values(op, dtype, (4, 10), rng), lambda t: t[:, ::2]),
    ]


def getitem_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    out = [Sample([values(op, dtype, (), rng)], (index,), name=f"0d-{name}")
           for name, index in (("empty-tuple", ()), ("none", (None,)), ("ellipsis", (Ellipsis,)))]
    for lname, arr, view in _matrix_layouts(op, dtype, rng):
        out += [Sample([arr], (index,), name=f"{lname}-{name}", view=view) for name, index in _indices(rng)]
    return out


def setitem_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    """A scalar tensor broadcast into the indexed place, and one of the indexed place's own shape
    (integer indices without repeats there: a repeated write keeps one value, unspecified which)."""
    shapes = {"int": (5,), "step": (4, 3), "none-ellipsis-slice": (1, 4, 2), "mask": None,
              "slice-and-tensor": None, "int-and-row-mask": (3,)}
    out = []
    for lname, arr, view in _matrix_layouts(op, dtype, rng):
        for name, index in _indices(rng):
            # Repeated indices write one value twice: PyTorch's value gradient counts both writes, which
            # finite differences cannot see (compared with torch, not gradchecked).
            out.append(Sample([arr, values(op, dtype, (), rng)], (index,), name=f"{lname}-{name}-scalar", view=view,
                              gradcheck=name != "repeated-rows"))
            if shapes.get(name):
                out.append(Sample([arr, values(op, dtype, shapes[name], rng)], (index,), name=f"{lname}-{name}-full",
                                  view=view))
    return out


def _getitem(lib):
    return lambda x, index: x[_resolve_index(lib, index)]


def _setitem(lib):
    def call(x, value, index):
        y = x.clone()
        y[_resolve_index(lib, index)] = value
        return y
    return call


OPS += [
    OpInfo("getitem", samples=getitem_samples, fn=_getitem, method=False, inplace=False, has_out=False,
           errors=(lambda lib, x: x[5], lambda lib, x: x[0, 0, 0], lambda lib, x: x[lib.tensor([0.5])],
                   lambda lib, x: x[lib.tensor([True] * 7)])),
    OpInfo("setitem", samples=setitem_samples, fn=_setitem, method=False, inplace=False, has_out=False,
           errors=(lambda lib, x: x.clone().__setitem__(5, 1.0),
                   lambda lib, x: x.clone().__setitem__(slice(None), lib.ones(3, 3)))),
]
