"""Tensor repr: golden strings taken from PyTorch 2.13, then a randomized comparison against torch itself."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest
from bibun._tensor_str import format_tensor, get_printoptions, printoptions, set_printoptions

nan, inf = math.nan, math.inf
f32 = np.float32


@pytest.fixture(autouse=True)
def _default_printoptions():
    set_printoptions(profile="default")
    yield
    set_printoptions(profile="default")


# (id, values, dtype_name, format_tensor keyword arguments, what PyTorch prints)
GOLDEN = [
    ("scalar_int_valued", np.array(27.0, f32), "float32", {}, "tensor(27.)"),
    (
        "scalar_grad_fn",
        np.array(27.0, f32),
        "float32",
        {"grad_fn_name": "MeanBackward0"},
        "tensor(27., grad_fn=<MeanBackward0>)",
    ),
    ("scalar_fixed", np.array(3.14159, f32), "float32", {}, "tensor(3.1416)"),
    ("scalar_int", np.array(7), "int64", {}, "tensor(7)"),
    ("vector_int_valued", np.array([1.0, 2.0], f32), "float32", {}, "tensor([1., 2.])"),
    (
        "matrix_requires_grad",
        np.ones((2, 2), f32),
        "float32",
        {"requires_grad": True},
        "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)",
    ),
    (
        "grad_fn_wins_over_requires_grad",
        np.array([1.0], f32),
        "float32",
        {"requires_grad": True, "grad_fn_name": "AddBackward0"},
        "tensor([1.], grad_fn=<AddBackward0>)",
    ),
    (
        "sci_when_ratio_above_1000",
        np.array([102.4, 1024.0, 0.1024], f32),
        "float32",
        {},
        "tensor([1.0240e+02, 1.0240e+03, 1.0240e-01])",
    ),
    ("sci_above_1e8", np.array([1e10, 2e10], f32), "float32", {}, "tensor([1.0000e+10, 2.0000e+10])"),
    ("sci_below_1e-4", np.array([1e-5, 0.5], f32), "float32", {}, "tensor([1.0000e-05, 5.0000e-01])"),
    ("int_mode_up_to_1e8", np.array([1e8, 5e7], f32), "float32", {}, "tensor([100000000.,  50000000.])"),
    ("nonfinite", np.array([nan, inf, -inf, 1.0], f32), "float32", {}, "tensor([nan, inf, -inf, 1.])"),
    ("all_nan", np.array([nan, nan], f32), "float32", {}, "tensor([nan, nan])"),
    ("neg_zero_int_mode", np.array([-0.0, 1.0], f32), "float32", {}, "tensor([-0., 1.])"),
    ("neg_zero_fixed", np.array([-0.0, 0.5], f32), "float32", {}, "tensor([-0.0000, 0.5000])"),
    ("zeros", np.zeros(3, f32), "float32", {}, "tensor([0., 0., 0.])"),
    (
        "columns_share_one_width",
        np.array([[1.5, -20.25], [300.125, 4.0]], f32),
        "float32",
        {},
        "tensor([[  1.5000, -20.2500],\n        [300.1250,   4.0000]])",
    ),
    (
        "long_vector_wraps_at_80",
        np.arange(30, dtype=f32) * 1.5,
        "float32",
        {},
        (
            "tensor([ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n"
            "        12.0000, 13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000,\n"
            "        24.0000, 25.5000, 27.0000, 28.5000, 30.0000, 31.5000, 33.0000, 34.5000,\n"
            "        36.0000, 37.5000, 39.0000, 40.5000, 42.0000, 43.5000])"
        ),
    ),
    (
        "suffix_moves_to_new_line_when_too_long",
        np.arange(24, dtype=f32) * 1.5,
        "float32",
        {"grad_fn_name": "MulBackward0"},
        (
            "tensor([ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n"
            "        12.0000, 13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000,\n"
            "        24.0000, 25.5000, 27.0000, 28.5000, 30.0000, 31.5000, 33.0000, 34.5000],\n"
            "       grad_fn=<MulBackward0>)"
        ),
    ),
    (
        "three_d_slices_separated_by_blank_line",
        np.arange(8, dtype=f32).reshape(2, 2, 2),
        "float32",
        {},
        "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])",
    ),
    (
        "summarized_vector",
        np.arange(1100),
        "int64",
        {},
        "tensor([   0,    1,    2,  ..., 1097, 1098, 1099])",
    ),
    (
        "summarized_matrix",
        np.arange(1600, dtype=f32).reshape(40, 40) / f32(7),
        "float32",
        {},
        (
            "tensor([[0.0000e+00, 1.4286e-01, 2.8571e-01,  ..., 5.2857e+00, 5.4286e+00,\n"
            "         5.5714e+00],\n"
            "        [5.7143e+00, 5.8571e+00, 6.0000e+00,  ..., 1.1000e+01, 1.1143e+01,\n"
            "         1.1286e+01],\n"
            "        [1.1429e+01, 1.1571e+01, 1.1714e+01,  ..., 1.6714e+01, 1.6857e+01,\n"
            "         1.7000e+01],\n"
            "        ...,\n"
            "        [2.1143e+02, 2.1157e+02, 2.1171e+02,  ..., 2.1671e+02, 2.1686e+02,\n"
            "         2.1700e+02],\n"
            "        [2.1714e+02, 2.1729e+02, 2.1743e+02,  ..., 2.2243e+02, 2.2257e+02,\n"
            "         2.2271e+02],\n"
            "        [2.2286e+02, 2.2300e+02, 2.2314e+02,  ..., 2.2814e+02, 2.2829e+02,\n"
            "         2.2843e+02]])"
        ),
    ),
    ("int64_has_no_dtype", np.array([1, -20, 300]), "int64", {}, "tensor([  1, -20, 300])"),
    ("int32_has_dtype", np.array([1, 2], np.int32), "int32", {}, "tensor([1, 2], dtype=bibun.int32)"),
    ("bool_padded_to_false", np.array([True, False]), "bool", {}, "tensor([ True, False])"),
    ("bool_all_true", np.array([True, True]), "bool", {}, "tensor([True, True])"),
    (
        "float64_has_dtype",
        np.array([1.5, 2.0]),
        "float64",
        {},
        "tensor([1.5000, 2.0000], dtype=bibun.float64)",
    ),
    (
        "float16_has_dtype",
        np.array([1.5, 2.0], np.float16),
        "float16",
        {},
        "tensor([1.5000, 2.0000], dtype=bibun.float16)",
    ),
    ("empty", np.zeros(0, f32), "float32", {}, "tensor([])"),
    ("empty_2d_shows_size", np.zeros((0, 3), f32), "float32", {}, "tensor([], size=(0, 3))"),
    ("empty_int64_shows_dtype", np.zeros(0, np.int64), "int64", {}, "tensor([], dtype=bibun.int64)"),
    ("empty_bool_shows_dtype", np.zeros(0, bool), "bool", {}, "tensor([], dtype=bibun.bool)"),
    ("empty_float64_shows_dtype", np.zeros(0), "float64", {}, "tensor([], dtype=bibun.float64)"),
    (
        "default_float64_hides_float64",
        np.array([1.5]),
        "float64",
        {"default_dtype_name": "float64"},
        "tensor([1.5000])",
    ),
    (
        "default_float64_shows_float32",
        np.array([1.5], f32),
        "float32",
        {"default_dtype_name": "float64"},
        "tensor([1.5000], dtype=bibun.float32)",
    ),
    (
        "default_float64_empty_float32",
        np.zeros(0, f32),
        "float32",
        {"default_dtype_name": "float64"},
        "tensor([], dtype=bibun.float32)",
    ),
    (
        "custom_prefix_sets_indent",
        np.ones((2, 2), f32),
        "float32",
        {"prefix": "Foo("},
        "Foo([[1., 1.],\n     [1., 1.]])",
    ),
]


@pytest.mark.parametrize(
    ("values", "dtype_name", "kwargs", "expected"),
    [case[1:] for case in GOLDEN],
    ids=[case[0] for case in GOLDEN],
)
def test_repr_matches_pytorch_golden(values, dtype_name, kwargs, expected):
    assert format_tensor(values, dtype_name, **kwargs) == expected


# (id, set_printoptions arguments, values, dtype_name, what PyTorch prints)
GOLDEN_OPTIONS = [
    ("precision_2", {"precision": 2}, np.array([1.12345, 2.5], f32), "float32", "tensor([1.12, 2.50])"),
    ("threshold_5", {"threshold": 5}, np.arange(10), "int64", "tensor([0, 1, 2,  ..., 7, 8, 9])"),
    (
        "sci_mode_false",
        {"sci_mode": False},
        np.array([1e-5, 1e5], f32),
        "float32",
        "tensor([     0.0000, 100000.0000])",
    ),
    (
        "sci_mode_true",
        {"sci_mode": True},
        np.array([1.0, 2.0], f32),
        "float32",
        "tensor([1.0000e+00, 2.0000e+00])",
    ),
    (
        "edgeitems_0_vector",
        {"edgeitems": 0, "threshold": 3},
        np.arange(10, dtype=f32),
        "float32",
        "tensor([...], size=(10,))",
    ),
    (
        "edgeitems_0_matrix",
        {"edgeitems": 0, "threshold": 3},
        np.ones((4, 4), f32),
        "float32",
        "tensor([...], size=(4, 4))",
    ),
    (
        "linewidth_30",
        {"linewidth": 30},
        np.arange(12),
        "int64",
        "tensor([ 0,  1,  2,  3,  4,\n         5,  6,  7,  8,  9,\n        10, 11])",
    ),
    (
        "profile_short",
        {"profile": "short"},
        np.array([1.12345] + [0.0] * 2000, f32),
        "float32",
        "tensor([1.12, 0.00,  ..., 0.00, 0.00])",
    ),
]


@pytest.mark.parametrize(
    ("options", "values", "dtype_name", "expected"),
    [case[1:] for case in GOLDEN_OPTIONS],
    ids=[case[0] for case in GOLDEN_OPTIONS],
)
def test_repr_with_printoptions_matches_pytorch_golden(options, values, dtype_name, expected):
    set_printoptions(**options)
    assert format_tensor(values, dtype_name) == expected


def test_default_printoptions_are_pytorchs():
    assert get_printoptions() == {
        "precision": 4,
        "threshold": 1000,
        "edgeitems": 3,
        "linewidth": 80,
        "sci_mode": None,
    }


def test_profiles_set_all_four_numeric_options():
    set_printoptions(profile="short")
    assert get_printoptions() == {
        "precision": 2,
        "threshold": 1000,
        "edgeitems": 2,
        "linewidth": 80,
        "sci_mode": None,
    }
    set_printoptions(profile="full")
    assert get_printoptions()["threshold"] == inf
    set_printoptions(profile="default")
    assert get_printoptions()["threshold"] == 1000


def test_explicit_option_overrides_profile():
    set_printoptions(profile="short", precision=6)
    assert get_printoptions()["precision"] == 6
    assert get_printoptions()["edgeitems"] == 2


def test_set_printoptions_without_sci_mode_resets_it():
    set_printoptions(sci_mode=True)
    set_printoptions(precision=3)
    assert get_printoptions()["sci_mode"] is None


def test_printoptions_context_restores_previous_options():
    set_printoptions(linewidth=100)
    before = get_printoptions()
    with printoptions(precision=1, sci_mode=True):
        assert get_printoptions()["precision"] == 1
        assert format_tensor(np.array([1.25], f32), "float32") == "tensor([1.2e+00])"
    assert get_printoptions() == before


def test_printoptions_context_restores_after_exception():
    with pytest.raises(RuntimeError), printoptions(threshold=2):
        raise RuntimeError
    assert get_printoptions()["threshold"] == 1000


def test_module_name_is_configurable():
    assert format_tensor(np.array([1], np.int32), "int32", module="torch") == "tensor([1], dtype=torch.int32)"


# ---------------------------------------------------------------------------------------------------------
# Oracle: the same numpy array printed by torch and by bibun.

SHAPES = [(), (0,), (0, 3), (1,), (5,), (3, 4), (2, 3, 4), (2, 1, 3, 2), (1100,), (40, 40), (3, 1200)]
FLOAT_KINDS = [
    "1e-6",
    "1e-3",
    "1",
    "1e3",
    "1e6",
    "1e10",
    "mixed",
    "int_valued",
    "big_int_valued",
    "nonfinite",
    "negative",
    "signed_zeros",
]
INT_KINDS = ["small", "large", "negative"]


def make_array(shape: tuple[int, ...], dtype: str, kind: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return np.asarray(rng.random(shape) < 0.5)
    if dtype in ("int64", "int32"):
        high = {"small": 10, "large": 2**31 - 1, "negative": 1000}[kind]
        low = -high if kind != "small" else 0
        values = rng.integers(low, high, size=shape, endpoint=False)
        if kind == "negative":
            values = -np.abs(values)
        return np.asarray(values, dtype=dtype)
    normal = rng.standard_normal(shape)
    if kind == "mixed":
        values = np.sign(normal) * 10.0 ** rng.uniform(-6, 10, size=shape)
    elif kind == "int_valued":
        values = np.round(normal * 100)
    elif kind == "big_int_valued":
        values = np.round(normal * 1e10)
    elif kind == "nonfinite":
        values = normal.copy()
        specials = np.array([nan, inf, -inf, 0.0])
        mask = rng.random(shape) < 0.3
        values[mask] = rng.choice(specials, size=int(mask.sum()))
    elif kind == "negative":
        values = -np.abs(normal) * 10
    elif kind == "signed_zeros":
        values = np.where(rng.random(shape) < 0.5, -0.0, np.round(normal * 3) / 2)
    else:
        values = normal * float(kind)
    return np.asarray(values, dtype=dtype)


def _oracle_cases():
    cases = []
    for shape in SHAPES:
        for dtype in ("float32", "float64"):
            cases += [(shape, dtype, kind) for kind in FLOAT_KINDS]
        for dtype in ("int64", "int32"):
            cases += [(shape, dtype, kind) for kind in INT_KINDS]
        cases.append((shape, "bool", "random"))
    return cases


ORACLE_CASES = _oracle_cases()


def _case_id(case):
    shape, dtype, kind = case
    return f"{dtype}-{'x'.join(map(str, shape)) or 'scalar'}-{kind}"


def _seed(case) -> int:
    return zlib.crc32(_case_id(case).encode())


def torch_repr(torch, values: np.ndarray, *, requires_grad: bool = False) -> str:
    tensor = torch.from_numpy(values.copy())
    if requires_grad:
        tensor.requires_grad_()
    return repr(tensor).replace("torch.", "bibun.")


@pytest.fixture
def torch():
    torch = pytest.importorskip("torch")
    torch.set_printoptions(profile="default")
    yield torch
    torch.set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("case", ORACLE_CASES, ids=_case_id)
def test_repr_matches_torch(torch, case):
    shape, dtype, kind = case
    values = make_array(shape, dtype, kind, _seed(case))
    assert format_tensor(values, dtype) == torch_repr(torch, values)


HALF_CASES = [case for case in ORACLE_CASES if case[1] == "float32" and case[0] in SHAPES[:8]]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("case", HALF_CASES, ids=_case_id)
def test_repr_of_half_precision_matches_torch(torch, case, dtype):
    shape, _, kind = case
    tensor = torch.from_numpy(make_array(shape, "float64", kind, _seed(case))).to(getattr(torch, dtype))
    # numpy has no bfloat16; the caller hands over its values widened to float32, which is exact.
    values = tensor.float().numpy()
    assert format_tensor(values, dtype) == repr(tensor).replace("torch.", "bibun.")


FLOAT_CASES = [case for case in ORACLE_CASES if case[1].startswith("float")]


@pytest.mark.parametrize("case", FLOAT_CASES[::3], ids=_case_id)
def test_repr_with_requires_grad_matches_torch(torch, case):
    shape, dtype, kind = case
    values = make_array(shape, dtype, kind, _seed(case))
    assert format_tensor(values, dtype, requires_grad=True) == torch_repr(torch, values, requires_grad=True)


@pytest.mark.parametrize("case", FLOAT_CASES[::3], ids=_case_id)
def test_repr_with_grad_fn_matches_torch(torch, case):
    shape, dtype, kind = case
    values = make_array(shape, dtype, kind, _seed(case))
    expected = repr(torch.from_numpy(values.copy()).requires_grad_() * 1).replace("torch.", "bibun.")
    assert format_tensor(values, dtype, grad_fn_name="MulBackward0") == expected


@pytest.mark.parametrize("case", ORACLE_CASES[::4], ids=_case_id)
def test_repr_with_default_float64_matches_torch(torch, case):
    shape, dtype, kind = case
    values = make_array(shape, dtype, kind, _seed(case))
    torch.set_default_dtype(torch.float64)
    expected = torch_repr(torch, values)
    torch.set_default_dtype(torch.float32)
    assert format_tensor(values, dtype, default_dtype_name="float64") == expected


OPTION_SETS = {
    "precision2": {"precision": 2},
    "precision0": {"precision": 0},
    "sci_off": {"sci_mode": False},
    "sci_on": {"sci_mode": True},
    "linewidth60": {"linewidth": 60},
    "threshold5": {"threshold": 5},
    "edgeitems2": {"edgeitems": 2},
    "edgeitems0": {"edgeitems": 0, "threshold": 10},
    "profile_full": {"profile": "full"},
    "profile_short": {"profile": "short"},
}
OPTION_SHAPES = [(), (0, 3), (5,), (3, 4), (2, 3, 4), (1100,), (40, 40), (3, 1200)]
OPTION_CASES = [
    (name, (shape, dtype, kind))
    for name in OPTION_SETS
    for shape in OPTION_SHAPES
    for dtype, kind in [
        ("float32", "mixed"),
        ("float32", "1"),
        ("float64", "int_valued"),
        ("float32", "nonfinite"),
        ("int32", "large"),
        ("bool", "random"),
    ]
]


@pytest.mark.parametrize(
    ("options", "case"),
    OPTION_CASES,
    ids=[f"{name}-{_case_id(case)}" for name, case in OPTION_CASES],
)
def test_repr_with_printoptions_matches_torch(torch, options, case):
    shape, dtype, kind = case
    values = make_array(shape, dtype, kind, _seed(case))
    torch.set_printoptions(**OPTION_SETS[options])
    expected = torch_repr(torch, values)
    with printoptions(**OPTION_SETS[options]):
        assert format_tensor(values, dtype) == expected
