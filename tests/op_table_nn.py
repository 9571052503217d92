"""Op-table rows: activations, losses and layers of bibun.nn.functional (see tests/op_info.py).

Rows look the function up with ``fn=lambda lib: lib.nn.functional.<name>``. Integer arguments that are
tensors in PyTorch (class-index targets, embedding indices) travel as Python lists in ``Sample.args``
and become tensors inside the row's function, so the harness's float dtypes apply to the rest.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from op_info import ALL_DTYPES, FLOATS, INTS, OpInfo, Sample, layouts, values


def _F(name: str):
    return lambda lib: getattr(lib.nn.functional, name)


def _act(name: str, dtypes: tuple = FLOATS, method: bool = False, inplace: bool = False, **kw: Any) -> OpInfo:
    return OpInfo(name, dtypes=dtypes, method=method, inplace=inplace, has_out=False, fn=_F(name), **kw)


_NOT_TENSOR = lambda fname: (lambda lib, x: getattr(lib.nn.functional, fname)(1.0))


def _glu_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    x = values(op, dtype, (3, 4), rng)
    return [
        Sample([x], name="last"),
        Sample([x], (0,), name="dim0_odd", grad=False),  # 3 rows: odd, raises in both
        Sample([values(op, dtype, (2, 4), rng)], (0,), name="dim0"),
        Sample([values(op, dtype, (4, 6), rng)], (), {"dim": -1}, lambda t: t.t(), name="transposed"),
        Sample([values(op, dtype, (0, 4), rng)], name="empty"),
        Sample([values(op, dtype, (2, 3, 2), rng)], (1,), name="3d_odd", grad=False),
        Sample([values(op, dtype, (2, 2, 2), rng)], (1,), name="3d"),
    ]


def _prelu_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    return [
        Sample([values(op, dtype, (3, 4), rng), values(op, dtype, (4,), rng)], name="per_channel"),
        Sample([values(op, dtype, (3, 4), rng), values(op, dtype, (1,), rng)], name="shared"),
        Sample([values(op, dtype, (2, 3, 2), rng), values(op, dtype, (3,), rng)], name="3d"),
        Sample([values(op, dtype, (5,), rng), values(op, dtype, (1,), rng)], name="1d"),
        Sample([values(op, dtype, (), rng), values(op, dtype, (1,), rng)], name="0d"),
        Sample([values(op, dtype, (4, 3), rng), values(op, dtype, (4,), rng)], view=lambda t: t.t(), name="view"),
    ]


ACTIVATIONS = [
    _act("relu", FLOATS + INTS, method=True, inplace=True),
    _act("relu6", FLOATS + INTS),
    _act("leaky_relu", variants=[((), {}), ((0.2,), {}), ((), {"negative_slope": 1.5})]),
    _act("elu", variants=[((), {}), ((0.5,), {}), ((), {"alpha": 2.0})]),
    _act("celu", variants=[((), {}), ((0.5,), {})]),
    _act("selu"),
    _act("gelu", variants=[((), {}), ((), {"approximate": "tanh"})],
         errors=(lambda lib, x: lib.nn.functional.gelu(x, approximate="fast"),)),
    _act("silu"),
    _act("mish"),
    _act("softplus", variants=[((), {}), ((2.0, 1.0), {}), ((), {"beta": 0.5, "threshold": 0.3})]),
    _act("softsign", FLOATS + INTS),
    _act("hardtanh", FLOATS + INTS, variants=[((), {}), ((-0.5, 1.5), {}), ((), {"min_val": 0.0, "max_val": 3.0})],
         errors=(lambda lib, x: lib.nn.functional.hardtanh(x, 2.0, 1.0),)),
    _act("hardsigmoid", domain=(-4.0, 4.0),
         xfail={("gradgradcheck", "*"): "PyTorch has no double backward for hardsigmoid: its first derivative "
                "records torch::autograd::NotImplemented, which bibun raises from too "
                "(tests/test_double_backward_piecewise.py)"}),
    _act("hardswish", domain=(-4.0, 4.0)),
    _act("logsigmoid"),
    _act("softmax", ALL_DTYPES, variants=[((0,), {}), ((), {"dim": -1})]),
    _act("log_softmax", ALL_DTYPES, variants=[((0,), {}), ((), {"dim": -1})]),
    _act("softmin", FLOATS + INTS, variants=[((0,), {}), ((), {"dim": -1})]),
    _act("threshold", FLOATS + INTS, variants=[((0.5, -1.0), {}), ((), {"threshold": -1.0, "value": 2.0})]),
    _act("tanhshrink", FLOATS + INTS),
    _act("glu", samples=_glu_samples,
         errors=(lambda lib, x: lib.nn.functional.glu(x[0, 0]), lambda lib, x: lib.nn.functional.glu(x, 2))),
    _act("prelu", samples=_prelu_samples,
         errors=(lambda lib, x: lib.nn.functional.prelu(x, x[0, :3]),
                 lambda lib, x: lib.nn.functional.prelu(x[0, 0], x[0, :3]))),
]


# ---- losses --------------------------------------------------------------------------------------

_REDUCTIONS = ("none", "mean", "sum")


def _pair_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    """(input, target) of one shape in every layout, broadcast targets, with each reduction."""
    out = []
    extra = op.variants[0][1] if op.variants else {}
    for red in _REDUCTIONS:
        kw = {"reduction": red, **extra}
        for name, arr, view in layouts(op, dtype, rng):
            arr = np.asarray(arr)
            target = values(op, dtype, arr.shape if view is None else _viewed_shape(name, arr.shape), rng)
            out.append(Sample([arr, target], (), kw, view, f"{name}-{red}"))
        if op.name not in ("binary_cross_entropy",):
            out.append(Sample([values(op, dtype, (3, 4), rng), values(op, dtype, (4,), rng)], (), kw,
                              name=f"broadcast-{red}"))
    return out


def _viewed_shape(name: str, shape: tuple) -> tuple:
    if name == "transposed":
        return (shape[1], shape[0])
    if name == "strided":
        return (shape[0], shape[1] // 2)
    return shape


def _loss(name: str, dtypes: tuple = FLOATS, **kw: Any) -> OpInfo:
    kw.setdefault("samples", _pair_samples)
    kw.setdefault("fn", _F(name))
    return OpInfo(name, dtypes=dtypes, method=False, inplace=False, has_out=False, **kw)


def _bce_logits_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    out = _pair_samples(op, dtype, rng)[:6]
    x, t = values(op, dtype, (3, 4), rng), rng.uniform(0, 1, (3, 4)).astype(dtype)
    w, pw = rng.uniform(0.5, 2, (4,)).tolist(), rng.uniform(0.5, 2, (4,)).tolist()
    for red in _REDUCTIONS:
        out.append(Sample([x, t], (), {"reduction": red, "weight": w}, name=f"weight-{red}"))
        out.append(Sample([x, t], (), {"reduction": red, "pos_weight": pw}, name=f"pos_weight-{red}"))
        out.append(Sample([x, t], (), {"reduction": red, "weight": w, "pos_weight": pw}, name=f"both-{red}"))
    return out


def _weights_fn(name: str):
    """F.<name>(*tensors, weight=list, pos_weight=list) with the lists made tensors of the input's dtype."""
    def make(lib):
        def f(input, *args, **kw):
            for key in ("weight", "pos_weight"):
                if isinstance(kw.get(key), list):
                    kw[key] = lib.tensor(kw[key], dtype=input.dtype)
            return getattr(lib.nn.functional, name)(input, *args, **kw)
        return f
    return make


def _class_fn(name: str):
    """F.<name>(input, target_list, *rest, weight=list) with the list arguments made tensors."""
    def make(lib):
        def f(input, target, *args, weight=None, **kw):
            t = lib.tensor(target) if isinstance(target, (list, int)) else target
            if weight is not None:
                kw["weight"] = lib.tensor(weight, dtype=input.dtype)
            return getattr(lib.nn.functional, name)(input, t, *args, **kw)
        return f
    return make


def _class_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    log = op.name == "nll_loss"

    def inp(shape):
        a = values(op, dtype, shape, rng)
        if log and dtype in FLOATS:
            a = (a - np.log(np.exp(a).sum(axis=1 if a.ndim > 1 else 0, keepdims=True))).astype(dtype)
        return a

    out = []
    for red in _REDUCTIONS:
        out += [
            Sample([inp((3, 4))], ([0, 3, 1],), {"reduction": red}, name=f"2d-{red}"),
            Sample([inp((4,))], (2,), {"reduction": red}, name=f"1d-{red}"),
            Sample([inp((3, 4))], ([0, -100, 2],), {"reduction": red}, name=f"ignore-{red}"),
            Sample([inp((3, 4))], ([0, 3, 1],), {"reduction": red, "ignore_index": 3}, name=f"ignore3-{red}"),
            Sample([inp((3, 4))], ([0, 3, 1],), {"reduction": red, "weight": [1.0, 0.5, 2.0, 3.0]}, name=f"w-{red}"),
            Sample([inp((2, 3, 2))], ([[0, 2], [1, 1]],), {"reduction": red}, name=f"3d-{red}"),
            Sample([inp((2, 3, 2, 2))], ([[[0, 2], [1, 1]], [[2, 2], [0, 1]]],), {"reduction": red}, name=f"4d-{red}"),
            Sample([inp((4, 3))], ([0, 3, 1],), {"reduction": red}, lambda t: t.t(), name=f"view-{red}"),
            Sample([inp((3, 4))], ([0, 4, 1],), {"reduction": red}, name=f"out_of_range-{red}", grad=False),
        ]
    if op.name == "cross_entropy":
        for red in _REDUCTIONS:
            probs = rng.dirichlet(np.ones(4), 3).astype(dtype) if dtype in FLOATS else None
            out += [
                Sample([inp((3, 4))], ([0, -100, 2],), {"reduction": red, "label_smoothing": 0.2,
                                                       "weight": [1.0, 0.5, 2.0, 3.0]}, name=f"ls_w-{red}"),
                Sample([inp((2, 3, 2))], ([[0, 2], [1, 1]],), {"reduction": red, "label_smoothing": 0.1},
                       name=f"ls3d-{red}"),
            ]
            if probs is not None and red != "mean":
                out += [
                    Sample([inp((3, 4)), probs], (), {"reduction": red}, name=f"probs-{red}"),
                    Sample([inp((3, 4)), probs], (), {"reduction": red, "label_smoothing": 0.3}, name=f"probs_ls-{red}"),
                ]
    return out


def _probs_mean_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    x = values(op, dtype, (3, 4), rng)
    probs = rng.dirichlet(np.ones(4), 3).astype(dtype) if dtype in FLOATS else values(op, dtype, (3, 4), rng)
    return [Sample([x, probs], name="probs"), Sample([x, probs], (), {"label_smoothing": 0.3}, name="probs_ls")]


def _kl_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    out = []
    for red in ("none", "sum", "batchmean"):
        for log_target in (False, True):
            x = values(op, dtype, (3, 4), rng)
            t = rng.uniform(0.1, 1.0, (3, 4)).astype(dtype) if not log_target else values(op, dtype, (3, 4), rng)
            out.append(Sample([x, t], (), {"reduction": red, "log_target": log_target}, name=f"{red}-{log_target}"))
    out.append(Sample([values(op, dtype, (3, 4), rng), np.zeros((3, 4), dtype)], (), {"reduction": "sum"},
                      name="zero_target", grad=False))
    return out


LOSSES = [
    _loss("mse_loss"),
    _loss("l1_loss", FLOATS + INTS),
    _loss("smooth_l1_loss", variants=[((), {"beta": 0.5})], domain=(-1.5, 1.5)),
    OpInfo("smooth_l1_loss_beta0", dtypes=FLOATS + INTS, method=False, inplace=False, has_out=False,
           fn=lambda lib: lambda a, b, **kw: lib.nn.functional.smooth_l1_loss(a, b, beta=0.0, **kw),
           samples=_pair_samples),
    _loss("huber_loss", variants=[((), {"delta": 0.7})],
          errors=(lambda lib, x: lib.nn.functional.huber_loss(x, x, delta=0.0),)),
    _loss("binary_cross_entropy", domain=(0.05, 0.95),
          errors=(lambda lib, x: lib.nn.functional.binary_cross_entropy(x, x[0]),
                  lambda lib, x: lib.nn.functional.binary_cross_entropy(x + 1, x))),
    _loss("binary_cross_entropy_with_logits", samples=_bce_logits_samples, fn=_weights_fn("binary_cross_entropy_with_logits")),
    _loss("kl_div", samples=_kl_samples),
    OpInfo("nll_loss", dtypes=FLOATS, method=False, inplace=False, has_out=False, fn=_class_fn("nll_loss"),
           samples=_class_samples,
           errors=(lambda lib, x: lib.nn.functional.nll_loss(x, lib.tensor([0, 1, 2])),
                   lambda lib, x: lib.nn.functional.nll_loss(x, lib.tensor([0.0, 1.0])))),
    OpInfo("cross_entropy_probs_mean", dtypes=FLOATS, method=False, inplace=False, has_out=False,
           fn=_F("cross_entropy"), samples=_probs_mean_samples),
    OpInfo("cross_entropy", dtypes=FLOATS, method=False, inplace=False, has_out=False, fn=_class_fn("cross_entropy"),
           samples=_class_samples,
           errors=(lambda lib, x: lib.nn.functional.cross_entropy(x, lib.tensor([0, 1, 2])),
                   lambda lib, x: lib.nn.functional.cross_entropy(x, x[:, :2]))),
]


# ---- layers and distances ----------------------------------------------------------------------


def _two(shapes_kw: list):
    def gen(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
        return [Sample([values(op, dtype, a, rng), values(op, dtype, b, rng)], (), dict(kw), name=f"{a}{b}{kw}")
                for a, b, kw in shapes_kw]
    return gen


def _layer_norm_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    return [
        Sample([values(op, dtype, (3, 4), rng), None, None], ([4],), name="no_affine"),
        Sample([values(op, dtype, (3, 4), rng), values(op, dtype, (4,), rng), values(op, dtype, (4,), rng)],
               ([4],), name="affine"),
        Sample([values(op, dtype, (2, 3, 4), rng), values(op, dtype, (3, 4), rng), None], ([3, 4],), name="2d_weight"),
        Sample([values(op, dtype, (4, 3), rng), None, values(op, dtype, (4,), rng)], ([4],), {"eps": 1e-3},
               lambda t: t.t(), name="view_bias"),
        Sample([values(op, dtype, (0, 4), rng), None, None], ([4],), name="empty"),
    ]


def _embedding_fn(lib):
    def f(weight, indices, **kw):
        return lib.nn.functional.embedding(lib.tensor(indices), weight, **kw)
    return f


def _embedding_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    w = values(op, dtype, (5, 3), rng)
    return [
        Sample([w], ([[0, 2], [4, 2]],), name="2d"),
        # padding_idx rows get no gradient by definition (not a derivative): forward here, gradients
        # against torch in tests/test_nn_layers.py.
        Sample([w], ([1, 1, 3],), {"padding_idx": 1}, name="padding", grad=False),
        Sample([w], ([1, 4, 3],), {"padding_idx": -1}, name="padding_neg", grad=False),
        Sample([w], (3,), name="0d_index"),
        Sample([values(op, dtype, (3, 5), rng)], ([0, 4],), {}, lambda t: t.t(), name="view"),
        Sample([w], ([5],), name="out_of_range", grad=False),
    ]


def _pad_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    return [
        Sample([values(op, dtype, (3, 4), rng)], ([1, 2],), name="last"),
        Sample([values(op, dtype, (3, 4), rng)], ([1, -2, -1, 2],), {"value": 2.0}, name="crop"),
        Sample([values(op, dtype, (2, 3, 4), rng)], ([0, 0, 1, 1, 2, 0],), name="3d"),
        Sample([values(op, dtype, (4, 3), rng)], ([2, 1],), {}, lambda t: t.t(), name="view"),
        Sample([values(op, dtype, (0, 3), rng)], ([1, 1],), name="empty"),
        Sample([values(op, dtype, (3, 4), rng)], ([1, 2, 3],), name="odd", grad=False),
        Sample([values(op, dtype, (3, 4), rng)], ([-3, -2],), name="negative_size", grad=False),
    ]


def _index_pad_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    return [
        Sample([values(op, dtype, (2, 5), rng)], ([2, 1],), name="1d"),
        Sample([values(op, dtype, (1, 2, 5), rng)], ([-1, 3],), name="1d_batched_crop"),
        Sample([values(op, dtype, (2, 3, 4), rng)], ([1, 2, 2, 1],), name="2d"),
        Sample([values(op, dtype, (1, 2, 3, 3, 4), rng)], ([1, 1, 2, 0, 1, 2],), name="3d"),
        Sample([values(op, dtype, (2, 4, 3), rng)], ([2, 1, 0, 1],), {}, lambda t: t.transpose(1, 2), name="view"),
        Sample([values(op, dtype, (2, 3), rng)], ([3, 3],), name="too_large", grad=False),
        Sample([values(op, dtype, (3,), rng)], ([1, 1],), name="1d_input", grad=False),
        Sample([values(op, dtype, (2, 3), rng)], ([1, 1, 1],), name="odd", grad=False),
    ]


def _circular_pad_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    """Wrap-around up to the whole size, crops, 1-3 padded dims, batch 0, a view; too much wrapping raises."""
    return [
        Sample([values(op, dtype, (2, 5), rng)], ([2, 1],), name="1d"),
        Sample([values(op, dtype, (1, 2, 4), rng)], ([4, 1],), name="1d_whole_size"),
        Sample([values(op, dtype, (1, 2, 5), rng)], ([-1, 3],), name="1d_batched_crop"),
        Sample([values(op, dtype, (2, 3, 4), rng)], ([1, 2, 2, 1],), name="2d"),
        Sample([values(op, dtype, (2, 3, 4), rng)], ([2, 0, -1, 1],), name="2d_crop"),
        Sample([values(op, dtype, (1, 2, 3, 3, 4), rng)], ([1, 1, 2, 0, 1, 2],), name="3d"),
        Sample([values(op, dtype, (0, 2, 4), rng)], ([1, 1],), name="batch0"),
        Sample([values(op, dtype, (2, 4, 3), rng)], ([2, 1, 0, 1],), {}, lambda t: t.transpose(1, 2), name="view"),
        Sample([values(op, dtype, (2, 3), rng)], ([4, 1],), name="wraps_twice", grad=False),
        Sample([values(op, dtype, (3,), rng)], ([1, 1],), name="1d_input", grad=False),
    ]


def _bilinear_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    return [
        Sample([values(op, dtype, (3, 2), rng), values(op, dtype, (3, 4), rng), values(op, dtype, (5, 2, 4), rng),
                values(op, dtype, (5,), rng)], name="bias"),
        Sample([values(op, dtype, (2, 3, 2), rng), values(op, dtype, (2, 3, 4), rng),
                values(op, dtype, (5, 2, 4), rng)], name="batched"),
        Sample([values(op, dtype, (3, 2), rng), values(op, dtype, (3, 3), rng), values(op, dtype, (5, 2, 4), rng)],
               name="mismatch", grad=False),
    ]


LAYERS = [
    OpInfo("linear", dtypes=FLOATS + INTS, method=False, inplace=False, has_out=False, fn=_F("linear"),
           samples=lambda op, dt, rng: [
               Sample([values(op, dt, (3, 4), rng), values(op, dt, (5, 4), rng), values(op, dt, (5,), rng)], name="2d"),
               Sample([values(op, dt, (2, 3, 4), rng), values(op, dt, (5, 4), rng)], name="3d_nobias"),
               Sample([values(op, dt, (4,), rng), values(op, dt, (5, 4), rng), values(op, dt, (5,), rng)], name="1d"),
           ]),
    OpInfo("bilinear", dtypes=FLOATS + INTS, method=False, inplace=False, has_out=False, fn=_F("bilinear"),
           samples=_bilinear_samples),
    OpInfo("layer_norm", dtypes=FLOATS, method=False, inplace=False, has_out=False,
           fn=lambda lib: lambda x, w=None, b=None, shape=None, **kw: lib.nn.functional.layer_norm(x, shape, w, b, **kw),
           samples=_layer_norm_samples,
           errors=(lambda lib, x: lib.nn.functional.layer_norm(x, [3]),
                   lambda lib, x: lib.nn.functional.layer_norm(x, [4], x[0, :3]))),
    OpInfo("embedding", dtypes=ALL_DTYPES, method=False, inplace=False, has_out=False, fn=_embedding_fn,
           samples=_embedding_samples,
           errors=(lambda lib, x: lib.nn.functional.embedding(x, x),
                   lambda lib, x: lib.nn.functional.embedding(lib.tensor([9]), x))),
    OpInfo("pad", dtypes=ALL_DTYPES, method=False, inplace=False, has_out=False, fn=_F("pad"), samples=_pad_samples),
    OpInfo("pad_reflect", dtypes=FLOATS + INTS, method=False, inplace=False, has_out=False,
           fn=lambda lib: lambda x, p, **kw: lib.nn.functional.pad(x, p, mode="reflect", **kw),
           samples=_index_pad_samples),
    OpInfo("pad_replicate", dtypes=FLOATS + INTS, method=False, inplace=False, has_out=False,
           fn=lambda lib: lambda x, p, **kw: lib.nn.functional.pad(x, p, mode="replicate", **kw),
           samples=_index_pad_samples),
    OpInfo("pad_circular", dtypes=ALL_DTYPES, method=False, inplace=False, has_out=False,
           fn=lambda lib: lambda x, p, **kw: lib.nn.functional.pad(x, p, mode="circular", **kw),
           samples=_circular_pad_samples,
           errors=(lambda lib, x: lib.nn.functional.pad(x, [1, 1], mode="circular", value=1.0),)),
    OpInfo("normalize", dtypes=FLOATS, method=False, inplace=False, has_out=False, fn=_F("normalize"),
           samples=lambda op, dt, rng: [
               Sample([values(op, dt, (3, 4), rng)], name="default"),
               Sample([values(op, dt, (3, 4), rng)], (1.0, 0), name="p1_dim0"),
               Sample([values(op, dt, (4, 3), rng)], (), {"dim": -1}, lambda t: t.t(), name="view"),
           ]),
    OpInfo("cosine_similarity", dtypes=FLOATS, method=False, inplace=False, has_out=False,
           fn=_F("cosine_similarity"),
           samples=_two([((3, 4), (3, 4), {}), ((3, 4), (4,), {"dim": -1}), ((2, 3, 4), (2, 3, 4), {"dim": 2})])),
    OpInfo("pairwise_distance", dtypes=FLOATS + INTS, method=False, inplace=False, has_out=False,
           fn=_F("pairwise_distance"),
           samples=_two([((3, 4), (3, 4), {}), ((3, 4), (4,), {"p": 1.0}), ((3, 4), (3, 4), {"keepdim": True})])),
    OpInfo("one_hot", dtypes=("int64",), differentiable=False, method=False, inplace=False, has_out=False,
           fn=_F("one_hot"),
           samples=lambda op, dt, rng: [
               Sample([np.array([0, 2, 1], dtype=dt)], name="infer"),
               Sample([np.array([[0, 2], [1, 1]], dtype=dt)], (4,), name="classes"),
               Sample([np.array([0, 5], dtype=dt)], (3,), name="too_big"),
               Sample([np.array([-1, 0], dtype=dt)], name="negative"),
               Sample([np.zeros((0,), dtype=dt)], (3,), name="empty"),
           ]),
]


OPS = [*ACTIVATIONS, *LOSSES, *LAYERS]

# dropout's deterministic cases: p=1 in training (all zeroed, MulBackward0; an empty input comes back
# as itself) and eval mode (the input itself). Random masks (0 < p < 1) are checked statistically in
# tests/test_nn_ops.py.
OPS.append(OpInfo("dropout", fn=lambda lib: lib.nn.functional.dropout, method=False, inplace=False, has_out=False,
                  variants=(((1.0, True), {}), ((0.5, False), {}))))
