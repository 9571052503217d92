"""Op-table rows: convolution, pooling and batch norm of bibun.nn.functional (see tests/op_info.py).

The detailed cases (groups, 'same' padding, ceil_mode, running statistics, errors) live in
tests/test_conv.py, test_pooling.py and test_batchnorm.py; these rows put each op through the shared
harness (every dtype, layouts, gradients with random upstream grads, gradcheck and gradgradcheck).
"""

from __future__ import annotations

import numpy as np
from op_info import FLOATS, INTS, LibTensor, OpInfo, Sample, values


def _F(name: str):
    return lambda lib: getattr(lib.nn.functional, name)


def _conv2d_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    v = lambda *shape: values(op, dtype, shape, rng)
    return [
        Sample([v(2, 3, 5, 4), v(4, 3, 3, 2), v(4)], name="bias"),
        Sample([v(2, 4, 5, 5), v(4, 2, 3, 3), None], (), {"stride": 2, "padding": 1, "groups": 2}, name="groups"),
        Sample([v(2, 2, 6, 5), v(3, 2, 2, 2), v(3)], (), {"dilation": 2, "padding": "same"}, name="same"),
        Sample([v(2, 5, 4, 3), v(2, 3, 2, 2)], view=lambda t: t.transpose(1, 3), name="transposed"),
        Sample([v(3, 4, 4), v(2, 3, 3, 3)], (), {"padding": 1}, name="unbatched"),
    ]


def _conv1d_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    v = lambda *shape: values(op, dtype, shape, rng)
    return [
        Sample([v(2, 3, 7), v(4, 3, 3), v(4)], name="bias"),
        Sample([v(2, 4, 7), v(2, 2, 2)], (), {"stride": 2, "padding": 1, "groups": 2}, name="groups"),
        Sample([v(3, 6), v(2, 3, 4)], (), {"padding": "same"}, name="unbatched_same"),
    ]


def _distinct(shape: tuple, dtype: str, rng: np.random.RandomState) -> np.ndarray:
    # Distinct values: no ties, where max pooling is not differentiable.
    return (rng.permutation(int(np.prod(shape))).reshape(shape) / 4.0 - 2.0).astype(dtype)


def _pool_samples(kwargs_list):
    def samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
        out = []
        for kwargs in kwargs_list:
            out.append(Sample([_distinct((2, 3, 6, 5), dtype, rng)], (), dict(kwargs), name=f"{kwargs}"))
        out.append(Sample([_distinct((3, 5, 4), dtype, rng)], (2,), name="unbatched"))
        out.append(Sample([_distinct((2, 4, 5, 3), dtype, rng)], (2,), view=lambda t: t.transpose(1, 3),
                          name="transposed"))
        return out

    return samples


def _batch_norm_samples(op: OpInfo, dtype: str, rng: np.random.RandomState) -> list:
    v = lambda *shape: values(op, dtype, shape, rng)
    # Running statistics are buffers (constants here), passed as kwargs the harness builds per library.
    stats = {"running_mean": LibTensor(v(2), dtype), "running_var": LibTensor(np.abs(v(2)) + 0.5, dtype)}
    return [
        Sample([v(4, 3), v(3), v(3)], (), {"training": True}, name="train_2d"),
        Sample([v(2, 3, 2, 2), v(3), None], (), {"training": True, "eps": 1e-3}, name="train_4d"),
        Sample([v(3, 2, 4), v(2), v(2)], (), {"training": False, **stats}, name="eval"),
        Sample([v(3, 4)], (), {"training": True}, view=lambda t: t.t(), name="transposed"),
    ]


def _bn_fn(lib):
    def batch_norm(x, weight=None, bias=None, running_mean=None, running_var=None, **kwargs):
        return lib.nn.functional.batch_norm(x, running_mean, running_var, weight, bias, **kwargs)

    return batch_norm


OPS = [
    OpInfo("conv2d", dtypes=FLOATS + INTS, method=False, inplace=False, has_out=False, fn=_F("conv2d"),
           samples=_conv2d_samples, atol=1e-4,
           errors=(lambda lib, x: lib.nn.functional.conv2d(x, x),)),
    OpInfo("conv1d", dtypes=FLOATS + INTS, method=False, inplace=False, has_out=False, fn=_F("conv1d"),
           samples=_conv1d_samples, atol=1e-4),
    OpInfo("max_pool2d", dtypes=FLOATS + INTS, method=False, inplace=False, has_out=False, fn=_F("max_pool2d"),
           samples=_pool_samples([{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1,
                                                        "ceil_mode": True, "dilation": 1}])),
    OpInfo("avg_pool2d", dtypes=FLOATS + ("int64",), method=False, inplace=False, has_out=False,
           fn=_F("avg_pool2d"),
           samples=_pool_samples([{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1,
                                                        "ceil_mode": True, "count_include_pad": False}])),
    OpInfo("adaptive_avg_pool2d", dtypes=FLOATS, method=False, inplace=False, has_out=False,
           fn=_F("adaptive_avg_pool2d"), samples=_pool_samples([{"output_size": 3}, {"output_size": (4, 2)}])),
    OpInfo("batch_norm", dtypes=FLOATS, method=False, inplace=False, has_out=False, fn=_bn_fn,
           samples=_batch_norm_samples, atol=1e-4),
]
