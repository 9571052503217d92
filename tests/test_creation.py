"""Creation functions and dtypes (issue 3): every creation form against PyTorch for values, dtype and shape,
their errors, random functions (distribution and seeding), the default dtype, the legacy ``Tensor(...)``
constructor, ``new_*``, ``*_like``, ``out=``, devices and tensor metadata."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import bibun
from conftest import dtype_name, to_numpy


def values_of(t) -> np.ndarray:
    return np.array(t.detach().tolist())


def assert_same_tensor(b, t, exact: bool = True) -> None:
    assert dtype_name(b.dtype) == dtype_name(t.dtype), "dtype differs from torch's"
    assert tuple(b.shape) == tuple(t.shape), "shape differs from torch's"
    assert b.requires_grad == t.requires_grad
    if exact:
        np.testing.assert_array_equal(values_of(b), values_of(t))
    else:
        np.testing.assert_allclose(values_of(b), values_of(t), rtol=1e-6, atol=1e-6)


# --- deterministic creation forms: values, dtype and shape as PyTorch ---------------------------------------

CREATION = [
    # tensor(): dtype inference from nested Python data
    ("tensor_ints", lambda T: T.tensor([1, 2, 3])),
    ("tensor_int_and_float", lambda T: T.tensor([1, 2.5])),
    ("tensor_bool_and_int", lambda T: T.tensor([True, 1])),
    ("tensor_bool_and_float", lambda T: T.tensor([1.5, True])),
    ("tensor_bools", lambda T: T.tensor([[True, False], [False, True]])),
    ("tensor_nested_tuple_and_list", lambda T: T.tensor(((1, 2), [3, 4]))),
    ("tensor_range", lambda T: T.tensor(range(4))),
    ("tensor_list_of_ranges", lambda T: T.tensor([range(2), range(2)])),
    ("tensor_float_scalar", lambda T: T.tensor(3.5)),
    ("tensor_int_scalar", lambda T: T.tensor(7)),
    ("tensor_bool_scalar", lambda T: T.tensor(True)),
    ("tensor_empty_list", lambda T: T.tensor([])),
    ("tensor_empty_nested", lambda T: T.tensor([[]])),
    ("tensor_3d", lambda T: T.tensor([[[1.0, 2.0]], [[3.0, 4.0]]])),
    ("tensor_int64_extremes", lambda T: T.tensor([2**63 - 1, -(2**63)])),
    ("tensor_of_0d_float_tensors", lambda T: T.tensor([T.tensor(1.0), T.tensor(2.0)])),
    (
        "tensor_of_0d_int32_tensors",
        lambda T: T.tensor([T.tensor(1, dtype=T.int32), T.tensor(2, dtype=T.int32)]),
    ),
    ("tensor_0d_int32_tensor_and_int", lambda T: T.tensor([T.tensor(1, dtype=T.int32), 2])),
    ("tensor_0d_float64_tensor_and_int", lambda T: T.tensor([T.tensor(1.0, dtype=T.float64), 2])),
    ("tensor_one_element_1d_tensors", lambda T: T.tensor([T.tensor([1.0]), T.tensor([2.0])])),
    ("tensor_numpy_float32_scalars", lambda T: T.tensor([np.float32(2.5), np.float32(1)])),
    ("tensor_numpy_int32_scalar", lambda T: T.tensor(np.int32(2))),
    ("tensor_numpy_float64_scalar", lambda T: T.tensor(np.float64(2.5))),
    ("tensor_numpy_bool_scalar", lambda T: T.tensor(np.bool_(True))),
    (
        "tensor_list_of_int32_arrays",
        lambda T: T.tensor([np.array([1, 2], np.int32), np.array([3, 4], np.int32)]),
    ),
    ("tensor_of_float32_array", lambda T: T.tensor(np.array([1.5, 2.5], np.float32))),
    ("tensor_of_int32_array", lambda T: T.tensor(np.array([[1, 2]], np.int32))),
    ("tensor_of_transposed_array", lambda T: T.tensor(np.arange(6.0).reshape(2, 3).T)),
    ("tensor_explicit_float64", lambda T: T.tensor([1, 2], dtype=T.float64)),
    ("tensor_explicit_int_truncates", lambda T: T.tensor([1.7, -2.7], dtype=T.int64)),
    ("tensor_explicit_bool", lambda T: T.tensor([1.5, 0.0], dtype=T.bool)),
    ("tensor_explicit_int32", lambda T: T.tensor([1, 2], dtype=T.int32)),
    ("tensor_array_with_dtype", lambda T: T.tensor(np.array([1, 2], np.float32), dtype=T.float64)),
    ("tensor_requires_grad", lambda T: T.tensor([1.0, 2.0], requires_grad=True)),
    ("tensor_python_dtype_float", lambda T: T.tensor([1, 2], dtype=float)),
    # factories of a size
    ("zeros_varargs", lambda T: T.zeros(2, 3)),
    ("zeros_tuple", lambda T: T.zeros((2, 3))),
    ("zeros_list", lambda T: T.zeros([2, 3])),
    ("zeros_size", lambda T: T.zeros(T.Size([2, 3]))),
    ("zeros_size_keyword", lambda T: T.zeros(size=(2, 3))),
    ("zeros_0d", lambda T: T.zeros(())),
    ("zeros_empty_dim", lambda T: T.zeros(2, 0, 3)),
    ("zeros_numpy_int", lambda T: T.zeros(np.int64(3))),
    ("zeros_0d_int_tensor", lambda T: T.zeros(T.tensor(3))),
    ("zeros_int32", lambda T: T.zeros(2, dtype=T.int32)),
    ("zeros_python_int_dtype", lambda T: T.zeros(2, dtype=int)),
    ("zeros_python_bool_dtype", lambda T: T.zeros(2, dtype=bool)),
    ("ones_bool", lambda T: T.ones(2, dtype=T.bool)),
    ("ones_requires_grad", lambda T: T.ones(2, requires_grad=True)),
    ("ones_long", lambda T: T.ones(2, 2, dtype=T.long)),
    ("full_int_infers_int64", lambda T: T.full((2, 3), 7)),
    ("full_bool_infers_bool", lambda T: T.full((2,), True)),
    ("full_float_infers_default", lambda T: T.full((2,), 2.5)),
    ("full_explicit_int_truncates", lambda T: T.full((2,), 2.5, dtype=T.int64)),
    ("full_0d_int_tensor_value", lambda T: T.full([2], T.tensor(3))),
    ("full_0d_float_tensor_value", lambda T: T.full([2], T.tensor(3.5))),
    ("full_0d", lambda T: T.full((), 1.0)),
    ("full_list_size", lambda T: T.full([1, 2], -1)),
    ("full_requires_grad", lambda T: T.full((2,), 1.0, requires_grad=True)),
    ("eye_square", lambda T: T.eye(3)),
    ("eye_rect_int", lambda T: T.eye(2, 3, dtype=T.int64)),
    # ranges
    ("arange_end", lambda T: T.arange(5)),
    ("arange_float_end", lambda T: T.arange(5.0)),
    ("arange_start_end", lambda T: T.arange(1, 4)),
    ("arange_float_step", lambda T: T.arange(1, 4, 0.5)),
    ("arange_negative_int_step", lambda T: T.arange(10, 0, -3)),
    ("arange_negative_float_step", lambda T: T.arange(0, -1, -0.25)),
    ("arange_odd_count", lambda T: T.arange(-3, 3, 2)),
    ("arange_empty", lambda T: T.arange(0)),
    ("arange_start_equals_end", lambda T: T.arange(1, 1)),
    ("arange_0d_tensor_end", lambda T: T.arange(T.tensor(3))),
    ("arange_0d_float_tensor_end", lambda T: T.arange(T.tensor(3.0))),
    ("arange_bool_end", lambda T: T.arange(True)),
    ("arange_float64", lambda T: T.arange(5, dtype=T.float64)),
    ("arange_int32", lambda T: T.arange(5, dtype=T.int32)),
    ("arange_int64_truncates_bounds", lambda T: T.arange(0.5, 3, dtype=T.int64)),
    ("arange_int32_truncates_step", lambda T: T.arange(1, 2.5, 0.5, dtype=T.int32)),
    ("arange_int64_count", lambda T: T.arange(0, 2.5, 1.7, dtype=T.int64)),
    ("arange_keywords", lambda T: T.arange(start=1, end=4)),
    ("arange_end_keyword", lambda T: T.arange(end=4)),
    ("arange_step_keyword", lambda T: T.arange(1, 4, step=2)),
    ("arange_large_int", lambda T: T.arange(0, 10**10, 10**9)),
    ("arange_requires_grad", lambda T: T.arange(5.0, requires_grad=True)),
    ("linspace", lambda T: T.linspace(0, 1, 5)),
    ("linspace_descending", lambda T: T.linspace(1, 0, 4)),
    ("linspace_float64_symmetric", lambda T: T.linspace(-1, 1, 7, dtype=T.float64)),
    ("linspace_float32_symmetric", lambda T: T.linspace(-1, 1, 7)),
    ("linspace_float32_long", lambda T: T.linspace(-3.7, 11.1, 101)),
    ("linspace_int64", lambda T: T.linspace(0, 10, 5, dtype=T.int64)),
    ("linspace_int32", lambda T: T.linspace(0, 1, 3, dtype=T.int32)),
    ("linspace_zero_steps", lambda T: T.linspace(0, 1, 0)),
    ("linspace_one_step", lambda T: T.linspace(2, 5, 1)),
    ("linspace_0d_tensors", lambda T: T.linspace(T.tensor(0.0), T.tensor(1.0), 3)),
    ("linspace_steps_keyword", lambda T: T.linspace(0, 1, steps=3)),
    ("linspace_requires_grad", lambda T: T.linspace(0, 1, 3, requires_grad=True)),
    # *_like
    ("zeros_like", lambda T: T.zeros_like(T.ones(2, 3))),
    ("zeros_like_dtype", lambda T: T.zeros_like(T.ones(2, 3), dtype=T.int64)),
    ("ones_like_int32", lambda T: T.ones_like(T.ones(2, 3, dtype=T.int32))),
    ("full_like", lambda T: T.full_like(T.ones(2), 5)),
    ("full_like_int_truncates", lambda T: T.full_like(T.ones(2, dtype=T.int64), 2.7)),
    ("full_like_dtype", lambda T: T.full_like(T.ones(2), 5, dtype=T.int32)),
    ("like_requires_grad", lambda T: T.zeros_like(T.ones(2), requires_grad=True)),
    # Tensor.new_*: self's dtype unless given
    ("new_ones", lambda T: T.ones(2, 3).new_ones(2)),
    ("new_ones_tuple_int32", lambda T: T.ones(2, 3, dtype=T.int32).new_ones((2, 2))),
    ("new_ones_dtype", lambda T: T.ones(2, 3).new_ones(2, dtype=T.float64)),
    ("new_zeros_varargs", lambda T: T.ones(2, 3).new_zeros(2, 2)),
    ("new_zeros_list", lambda T: T.ones(2, 3, dtype=T.float64).new_zeros([2, 2])),
    ("new_full_truncates_to_int", lambda T: T.ones(2, dtype=T.int64).new_full((2,), 3.7)),
    ("new_full_float", lambda T: T.ones(2).new_full((2,), 3)),
    ("new_tensor_float", lambda T: T.ones(2).new_tensor([1, 2])),
    ("new_tensor_int", lambda T: T.ones(2, dtype=T.int64).new_tensor([1.5, 2])),
    ("new_tensor_dtype", lambda T: T.ones(2).new_tensor([1, 2], dtype=T.int32)),
    ("new_ones_requires_grad", lambda T: T.ones(2).new_ones(2, requires_grad=True)),
    # the legacy constructor: always the default float dtype for data
    ("Tensor_empty", lambda T: T.Tensor()),
    ("Tensor_list", lambda T: T.Tensor([1, 2])),
    ("Tensor_bools", lambda T: T.Tensor([True, False])),
    ("Tensor_tuple_is_data", lambda T: T.Tensor((2, 3))),
    ("Tensor_nested", lambda T: T.Tensor([[1.0, 2.0], [3.0, 4.0]])),
    ("Tensor_int_array", lambda T: T.Tensor(np.array([1, 2]))),
    ("Tensor_of_int_tensor_keeps_dtype", lambda T: T.Tensor(T.tensor([1, 2]))),
    ("Tensor_device_cpu", lambda T: T.Tensor([1, 2], device="cpu")),
    ("Tensor_in_matmul", lambda T: T.Tensor([[1.0, 2.0], [3.0, 4.0]]) @ T.ones(2)),
    # conversions
    ("to_dtype", lambda T: T.ones(2).to(T.float64)),
    ("to_cpu_dtype", lambda T: T.ones(2).to("cpu", T.double)),
    ("to_other", lambda T: T.ones(2).to(T.ones(1, dtype=T.int32))),
    ("to_dtype_keyword", lambda T: T.ones(2).to(dtype=T.int64)),
    ("to_device_keyword", lambda T: T.ones(2).to(device="cpu")),
    ("to_python_float", lambda T: T.ones(2, dtype=T.int32).to(float)),
    ("double", lambda T: T.tensor([1.5, -2.5]).double()),
    ("long", lambda T: T.tensor([1.5, -2.5]).long()),
    ("int", lambda T: T.tensor([1.5, -2.5]).int()),
    ("bool", lambda T: T.tensor([1.5, 0.0]).bool()),
    ("float", lambda T: T.tensor([1, 2]).float()),
    ("cpu", lambda T: T.ones(2).cpu()),
]


@pytest.mark.parametrize("name, fn", CREATION, ids=[c[0] for c in CREATION])
def test_creation_matches_torch_values_dtype_and_shape(name, fn, torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same_tensor(fn(bibun), fn(torch))


@pytest.mark.parametrize(
    "name, fn",
    [
        ("arange_tenth", lambda T: T.arange(0, 1, 0.1)),
        ("arange_third", lambda T: T.arange(0, 1, 1 / 3)),
        ("arange_float64", lambda T: T.arange(0.0, 2.0, 0.3, dtype=T.float64)),
        ("arange_long_float", lambda T: T.arange(-7.3, 55.1, 0.7)),
    ],
)
def test_float_arange_matches_torch_count_and_values_closely(name, fn, torch):
    # PyTorch fills float ranges with SIMD lanes whose last bit depends on the CPU; the count is exact.
    assert_same_tensor(fn(bibun), fn(torch), exact=False)


@pytest.mark.parametrize(
    "start, end, step",
    [
        (0, 1, 0.1),
        (0, 10, 3),
        (0, 10, 2.5),
        (5, -5, -1.5),
        (0.1, 0.7, 0.2),
        (-3, 3, 2),
        (0, 1e6, 0.3),
        (1, 2, 2),
    ],
)
def test_arange_length_is_ceil_of_range_over_step(start, end, step, torch):
    expected = len(torch.arange(start, end, step))
    assert len(bibun.arange(start, end, step)) == expected
    if all(isinstance(v, int) for v in (start, end, step)):
        assert expected == -(-(end - start) // step)


# --- errors as PyTorch raises them --------------------------------------------------------------------------

ERRORS = [
    ("tensor_ragged", lambda T: T.tensor([[1], [2, 3]]), True),
    ("tensor_ragged_deeper", lambda T: T.tensor([[[1, 2]], [[1]]]), True),
    ("tensor_sequence_then_scalar", lambda T: T.tensor([[1, 2], 3]), True),
    ("tensor_str", lambda T: T.tensor("a"), True),
    ("tensor_list_of_str", lambda T: T.tensor(["a"]), True),
    ("tensor_none_inside", lambda T: T.tensor([1, None]), True),
    ("tensor_set", lambda T: T.tensor({1, 2}), True),
    ("tensor_int_overflow", lambda T: T.tensor([2**63]), True),
    ("tensor_int_underflow", lambda T: T.tensor([-(2**63) - 1]), True),
    ("tensor_multi_element_tensors_inside", lambda T: T.tensor([T.tensor([1, 2]), T.tensor([3, 4])]), True),
    ("tensor_int_requires_grad", lambda T: T.tensor([1, 2], requires_grad=True), True),
    ("tensor_negative_stride_array", lambda T: T.tensor(np.arange(6)[::-1]), True),
    ("tensor_byteswapped_array", lambda T: T.tensor(np.arange(3, dtype=">f4")), True),
    ("zeros_no_size", lambda T: T.zeros(), True),
    ("zeros_negative", lambda T: T.zeros(-1), True),
    ("zeros_negative_second", lambda T: T.zeros(2, -1), True),
    ("ones_negative", lambda T: T.ones(-1), True),
    ("empty_negative", lambda T: T.empty(-1), True),
    ("rand_negative", lambda T: T.rand(-1), True),
    ("full_negative", lambda T: T.full((-1,), 1), True),
    ("zeros_float_size", lambda T: T.zeros(2.5), True),
    ("zeros_bool_size", lambda T: T.zeros(True), True),
    ("zeros_bool_in_sequence", lambda T: T.zeros((True,)), True),
    ("randn_float_in_sequence", lambda T: T.randn((2, 2.5)), True),
    ("zeros_str_dtype", lambda T: T.zeros(2, dtype="float32"), False),
    ("zeros_int_requires_grad", lambda T: T.zeros(2, dtype=T.int64, requires_grad=True), True),
    ("full_int_size", lambda T: T.full(2, 3.0), True),
    ("full_str_value", lambda T: T.full((2,), "a"), True),
    ("arange_zero_step", lambda T: T.arange(0, 1, 0), True),
    ("arange_zero_float_step", lambda T: T.arange(0, 1, 0.0), True),
    ("arange_step_truncated_to_zero", lambda T: T.arange(1, 2.5, 0.5, dtype=T.int64), True),
    ("arange_wrong_sign", lambda T: T.arange(0, 1, -1), True),
    ("arange_descending_default_step", lambda T: T.arange(1, 0), True),
    ("arange_inf", lambda T: T.arange(float("inf")), True),
    ("arange_nan", lambda T: T.arange(float("nan")), True),
    ("arange_bool_dtype", lambda T: T.arange(5, dtype=T.bool), True),
    ("arange_int_requires_grad", lambda T: T.arange(5, requires_grad=True), True),
    ("arange_overflowing_count", lambda T: T.arange(0, 1e20, 1e-20), True),
    ("linspace_negative_steps", lambda T: T.linspace(0, 1, -1), True),
    ("linspace_missing_steps", lambda T: T.linspace(3, 10), False),
    ("linspace_float_steps", lambda T: T.linspace(0, 1, 2.0), False),
    ("linspace_bool", lambda T: T.linspace(0, 1, 3, dtype=T.bool), True),
    ("rand_int64", lambda T: T.rand(2, dtype=T.int64), True),
    ("randn_int64", lambda T: T.randn(2, dtype=T.int64), True),
    ("rand_like_int64", lambda T: T.rand_like(T.ones(2, dtype=T.int64)), True),
    ("randn_like_int64", lambda T: T.randn_like(T.ones(2, dtype=T.int64)), True),
    ("randint_empty_range", lambda T: T.randint(5, 5, (3,)), True),
    ("randint_zero_high", lambda T: T.randint(0, (2,)), True),
    ("randint_int_size", lambda T: T.randint(5, 3), True),
    ("randint_size_keyword_int", lambda T: T.randint(3, size=2), False),
    ("randint_bool_out_of_bounds_high", lambda T: T.randint(3, (2,), dtype=T.bool), True),
    ("randint_bool_out_of_bounds_low", lambda T: T.randint(-1, 2, (2,), dtype=T.bool), True),
    ("randint_int32_out_of_bounds", lambda T: T.randint(0, 2**40, (2,), dtype=T.int32), True),
    ("set_default_dtype_int", lambda T: T.set_default_dtype(T.int64), True),
    ("out_dtype_mismatch", lambda T: T.zeros(2, dtype=T.float64, out=T.empty(2)), True),
    ("Tensor_float", lambda T: T.Tensor(2.5), True),
    ("Tensor_str", lambda T: T.Tensor("a"), True),
    ("Tensor_ragged", lambda T: T.Tensor([[1], [2, 3]]), True),
    ("Tensor_negative_size", lambda T: T.Tensor(-1), True),
    ("Tensor_dtype_keyword", lambda T: T.Tensor([1, 2], dtype=T.float64), False),
    ("Tensor_cuda", lambda T: T.Tensor([1], device="cuda"), True),
    ("Tensor_sizes_cuda", lambda T: T.Tensor(2, 3, device="cuda"), True),
    ("device_unknown_type", lambda T: T.device("foo"), True),
    ("to_int_device", lambda T: T.ones(2).to(5), True),
    ("size_dim_out_of_range", lambda T: T.ones(2, 3).size(2), False),
    ("item_of_many", lambda T: T.ones(2).item(), True),
]


@pytest.mark.parametrize("name, fn, same_text", ERRORS, ids=[e[0] for e in ERRORS])
def test_bad_creation_raises_torch_exception_type(name, fn, same_text, torch):
    with pytest.raises(Exception) as expected:
        fn(torch)
    with pytest.raises(type(expected.value)) as got:
        fn(bibun)
    if same_text:
        assert str(got.value).replace("bibun", "torch") == str(expected.value)


def test_cuda_requests_raise_a_clear_error_catchable_as_torch_raises_it():
    assert bibun.cuda.is_available() is False and bibun.cuda.device_count() == 0
    for make in (
        lambda: bibun.zeros(2, device="cuda"),
        lambda: bibun.rand(2, device="cuda:0"),
        lambda: bibun.tensor([1.0], device=bibun.device("cuda")),
        lambda: bibun.ones(2).to("cuda"),
        lambda: bibun.ones(2).cuda(),
        lambda: bibun.ones(2).new_ones(2, device="cuda"),
        lambda: bibun.zeros_like(bibun.ones(2), device="cuda"),
    ):
        with pytest.raises(RuntimeError, match="CUDA") as info:
            make()
        assert isinstance(info.value, AssertionError)  # PyTorch without CUDA raises AssertionError


# --- random functions: distribution, dtype, seeding ---------------------------------------------------------

RANDOM = {
    "rand": lambda: bibun.rand(4000),
    "randn": lambda: bibun.randn(4000),
    "randint": lambda: bibun.randint(0, 1000, (4000,)),
    "rand_like": lambda: bibun.rand_like(bibun.zeros(4000)),
    "randn_like": lambda: bibun.randn_like(bibun.zeros(4000)),
    "randint_like": lambda: bibun.randint_like(bibun.zeros(4000), 3, 1000),
}


@pytest.mark.parametrize("name", RANDOM)
def test_same_seed_gives_same_numbers_and_another_seed_others(name):
    bibun.manual_seed(7)
    first, second = values_of(RANDOM[name]()), values_of(RANDOM[name]())
    bibun.manual_seed(7)
    np.testing.assert_array_equal(values_of(RANDOM[name]()), first)
    np.testing.assert_array_equal(values_of(RANDOM[name]()), second)
    assert not np.array_equal(first, second)
    bibun.manual_seed(8)
    assert not np.array_equal(values_of(RANDOM[name]()), first)


def test_initial_seed_reports_the_manual_seed():
    bibun.manual_seed(1234)
    assert bibun.initial_seed() == 1234


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rand_is_uniform_on_zero_one(dtype):
    bibun.manual_seed(0)
    v = to_numpy(bibun.rand(200_000, dtype=getattr(bibun, dtype))).astype(np.float64)
    assert v.min() >= 0.0 and v.max() < 1.0
    assert abs(v.mean() - 0.5) < 0.005 and abs(v.var() - 1 / 12) < 0.002
    hist, _ = np.histogram(v, bins=10, range=(0, 1))
    assert hist.min() > 0.95 * len(v) / 10 and hist.max() < 1.05 * len(v) / 10


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_randn_is_standard_normal_in_either_float_dtype(dtype):
    bibun.manual_seed(0)
    v = to_numpy(bibun.randn(100_000, dtype=getattr(bibun, dtype))).astype(np.float64)
    assert abs(v.mean()) < 0.02 and abs(v.std() - 1) < 0.02
    assert abs(np.mean(np.abs(v) < 1) - 0.6827) < 0.01


@pytest.mark.parametrize(
    "args, kwargs, low, high",
    [
        ((10, (20_000,)), {}, 0, 10),
        ((-5, 5, (20_000,)), {}, -5, 5),
        ((), {"high": 4, "size": (20_000,)}, 0, 4),
        ((), {"low": 3, "high": 9, "size": [20_000]}, 3, 9),
        ((3, 9), {"size": (20_000,)}, 3, 9),
        ((2**40, 2**40 + 3, (20_000,)), {}, 2**40, 2**40 + 3),
    ],
)
def test_randint_draws_every_integer_of_the_half_open_range_evenly(args, kwargs, low, high):
    bibun.manual_seed(0)
    t = bibun.randint(*args, **kwargs)
    assert t.dtype == bibun.int64
    v = to_numpy(t)
    assert v.min() == low and v.max() == high - 1
    counts = np.bincount(v - low)
    assert counts.min() > 0.9 * len(v) / (high - low)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "bool"])
def test_randint_honours_dtype(dtype):
    high = 2 if dtype == "bool" else 7
    t = bibun.randint(high, (1000,), dtype=getattr(bibun, dtype))
    assert t.dtype == getattr(bibun, dtype)
    assert set(np.unique(to_numpy(t)).astype(int)) == set(range(high))


def test_random_like_functions_keep_shape_and_dtype():
    src = bibun.zeros(3, 4, dtype=bibun.float64)
    for t in (bibun.rand_like(src), bibun.randn_like(src), bibun.randint_like(src, 5)):
        assert tuple(t.shape) == (3, 4) and t.dtype == bibun.float64
    assert bibun.randint_like(bibun.zeros(2, dtype=bibun.int32), 2, 5).dtype == bibun.int32
    assert bibun.randn_like(src, dtype=bibun.float32).dtype == bibun.float32


@pytest.mark.parametrize("name", ["rand", "randn", "empty", "zeros", "ones"])
@pytest.mark.parametrize(
    "size", [(2, 3), ((2, 3),), ([2, 3],), (bibun.Size([2, 3]),)], ids=["varargs", "tuple", "list", "Size"]
)
def test_factories_accept_size_as_varargs_sequence_or_size(name, size):
    t = getattr(bibun, name)(*size, dtype=bibun.float64, requires_grad=True)
    assert t.shape == bibun.Size([2, 3]) and t.dtype == bibun.float64
    assert t.requires_grad and t.is_leaf and t.grad_fn is None


# --- default dtype ------------------------------------------------------------------------------------------


@pytest.fixture
def float64_default():
    bibun.set_default_dtype(bibun.float64)
    try:
        yield
    finally:
        bibun.set_default_dtype(bibun.float32)


DEFAULT_DTYPE_FORMS = {
    "tensor_of_floats": lambda T: T.tensor([1.5, 2]),
    "tensor_of_float_scalar": lambda T: T.tensor(1.5),
    "zeros": lambda T: T.zeros(2),
    "ones": lambda T: T.ones(2),
    "empty": lambda T: T.empty(2),
    "rand": lambda T: T.rand(2),
    "randn": lambda T: T.randn(2),
    "full_of_float": lambda T: T.full((2,), 1.5),
    "arange_of_floats": lambda T: T.arange(0, 1, 0.5),
    "linspace": lambda T: T.linspace(0, 1, 3),
    "eye": lambda T: T.eye(2),
    "Tensor_data": lambda T: T.Tensor([1, 2]),
    "Tensor_sizes": lambda T: T.Tensor(2, 3),
    "tensor_of_ints_stays_int64": lambda T: T.tensor([1, 2]),
    "arange_of_ints_stays_int64": lambda T: T.arange(3),
    "full_of_int_stays_int64": lambda T: T.full((2,), 1),
    "tensor_of_float32_array_stays_float32": lambda T: T.tensor(np.ones(2, np.float32)),
    "mixed_arithmetic": lambda T: T.tensor([1, 2]) * 1.5,
}


@pytest.mark.parametrize("name", DEFAULT_DTYPE_FORMS)
def test_default_dtype_float64_applies_where_torch_applies_it(name, float64_default, torch):
    torch_default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        want = DEFAULT_DTYPE_FORMS[name](torch).dtype
    finally:
        torch.set_default_dtype(torch_default)
    assert bibun.get_default_dtype() is bibun.float64
    assert dtype_name(DEFAULT_DTYPE_FORMS[name](bibun).dtype) == dtype_name(want)


def test_default_dtype_is_float32_and_only_floats_are_accepted():
    assert bibun.get_default_dtype() is bibun.float32
    with pytest.raises(TypeError, match="only floating-point types are supported as the default type"):
        bibun.set_default_dtype(bibun.int32)
    assert bibun.get_default_dtype() is bibun.float32


# --- the legacy constructor ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, shape",
    [((), (0,)), ((2, 3), (2, 3)), ((4,), (4,)), ((bibun.Size([2, 3]),), (2, 3)), ((0,), (0,))],
    ids=["no_args", "sizes", "one_size", "Size", "zero"],
)
def test_legacy_constructor_with_sizes_makes_uninitialised_float32(args, shape):
    t = bibun.Tensor(*args)
    assert type(t) is bibun.Tensor and isinstance(t, bibun.Tensor)
    assert t.dtype == bibun.float32 and tuple(t.shape) == shape
    assert t.requires_grad is False and t.is_leaf and t.grad_fn is None


def test_legacy_constructor_results_work_with_ops_and_autograd():
    w = bibun.Tensor([[1.0, 2.0], [3.0, 4.0]]).requires_grad_()
    y = (w @ bibun.Tensor([1.0, 1.0])).sum()
    y.backward()
    np.testing.assert_array_equal(to_numpy(w.grad), [[1.0, 1.0], [1.0, 1.0]])
    assert isinstance(w + 1, bibun.Tensor) and isinstance(bibun.ones(2), bibun.Tensor)


def test_legacy_constructor_of_a_tensor_aliases_it():
    src = bibun.tensor([1, 2, 3])
    t = bibun.Tensor(src)
    assert t is not src and t.dtype == bibun.int64
    assert t.data_ptr() == src.data_ptr()
    src.add_(1)
    np.testing.assert_array_equal(to_numpy(t), [2, 3, 4])


def test_legacy_constructor_objects_are_freed_and_keep_one_python_object_per_tensor():
    for _ in range(1000):
        t = bibun.Tensor([1.0, 2.0])
    assert t.tolist() == [1.0, 2.0]
    assert bibun.Tensor.__init__ is not object.__init__
    u = t.detach()
    assert u is not t and u.data_ptr() == t.data_ptr()


# --- out= ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, fn",
    [
        ("zeros", lambda T, out: T.zeros(2, 3, out=out)),
        ("ones", lambda T, out: T.ones(2, 3, out=out)),
        ("full", lambda T, out: T.full((2, 3), 4.0, out=out)),
        ("arange", lambda T, out: T.arange(6, out=out)),
        ("linspace", lambda T, out: T.linspace(0, 1, 6, out=out)),
        ("eye", lambda T, out: T.eye(3, out=out)),
    ],
)
@pytest.mark.parametrize("out_size", [0, 6])
def test_out_argument_fills_and_returns_out(name, fn, out_size, torch):
    b_out, t_out = bibun.empty(out_size), torch.empty(out_size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b, _ = fn(bibun, b_out), fn(torch, t_out)
    assert b is b_out
    assert_same_tensor(b_out, t_out)


@pytest.mark.parametrize("name", ["rand", "randn"])
def test_random_out_argument_fills_out(name):
    out = bibun.zeros(3)
    assert getattr(bibun, name)(3, out=out) is out
    assert not np.all(to_numpy(out) == 0)
    out = bibun.zeros(0, dtype=bibun.int64)
    assert bibun.randint(3, (5,), out=out) is out and tuple(out.shape) == (5,) and out.dtype == bibun.int64


def test_out_of_an_integer_tensor_gives_its_dtype(torch):
    assert_same_tensor(
        bibun.zeros(2, 3, out=bibun.empty(0, dtype=bibun.int64)),
        torch.zeros(2, 3, out=torch.empty(0, dtype=torch.int64)),
    )


# --- as_tensor ----------------------------------------------------------------------------------------------


def test_as_tensor_returns_the_same_tensor_when_nothing_changes():
    t = bibun.ones(3)
    assert bibun.as_tensor(t) is t and bibun.as_tensor(t, dtype=bibun.float32) is t
    d = bibun.as_tensor(t, dtype=bibun.float64)
    assert d.dtype == bibun.float64 and d is not t


@pytest.mark.parametrize("data", [[1, 2], [1.5, 2], [[True]], 3.0])
def test_as_tensor_of_python_data_matches_torch(data, torch):
    assert_same_tensor(bibun.as_tensor(data), torch.as_tensor(data))


# --- devices ------------------------------------------------------------------------------------------------


def test_device_objects_as_torch(torch):
    assert repr(bibun.device("cpu")) == repr(torch.device("cpu")) == "device(type='cpu')"
    assert repr(bibun.device("cpu", 0)) == repr(torch.device("cpu", 0))
    assert repr(bibun.device("cuda:1")) == repr(torch.device("cuda:1"))
    assert str(bibun.device("cuda", 1)) == "cuda:1"
    assert bibun.device("cpu") == bibun.device("cpu") and bibun.device("cpu") != bibun.device("cuda")
    assert (bibun.device("cpu") == "cpu") == (torch.device("cpu") == "cpu")
    t = bibun.ones(2)
    assert t.device == bibun.device("cpu") and t.device.type == "cpu"
    assert t.is_cpu and not t.is_cuda
    assert bibun.zeros(2, device=bibun.device("cpu")).device.type == "cpu"
    assert bibun.zeros(2, device="cpu:0").device.type == "cpu"


def test_to_and_cpu_return_self_when_nothing_changes(torch):
    t = bibun.ones(2)
    assert t.cpu() is t and t.to("cpu") is t and t.to(bibun.float32) is t
    assert t.to(bibun.float32, copy=True) is not t
    assert torch.ones(2).to(torch.float32) is not None


# --- metadata -----------------------------------------------------------------------------------------------

METADATA = {
    "shape": lambda t: tuple(t.shape),
    "size": lambda t: tuple(t.size()),
    "size_0": lambda t: t.size(0) if t.dim() else None,
    "size_last": lambda t: t.size(-1) if t.dim() else None,
    "dim": lambda t: t.dim(),
    "ndim": lambda t: t.ndim,
    "numel": lambda t: t.numel(),
    "stride": lambda t: t.stride(),
    "stride_last": lambda t: t.stride(-1) if t.dim() else None,
    "is_contiguous": lambda t: t.is_contiguous(),
    "element_size": lambda t: t.element_size(),
    "tolist": lambda t: t.tolist(),
    "len": lambda t: len(t) if t.dim() else None,
}
METADATA_TENSORS = {
    "2d_float32": lambda T: T.ones(2, 3),
    "transposed": lambda T: T.ones(2, 3).t(),
    "3d_float64": lambda T: T.zeros(2, 1, 4, dtype=T.float64),
    "0d_int64": lambda T: T.tensor(5),
    "1d_bool": lambda T: T.tensor([True, False]),
    "1d_int32": lambda T: T.tensor([1, 2, 3], dtype=T.int32),
    "empty": lambda T: T.zeros(0, 3),
}


@pytest.mark.parametrize("make", METADATA_TENSORS, ids=list(METADATA_TENSORS))
@pytest.mark.parametrize("query", METADATA, ids=list(METADATA))
def test_metadata_matches_torch(make, query, torch):
    b = METADATA[query](METADATA_TENSORS[make](bibun))
    t = METADATA[query](METADATA_TENSORS[make](torch))
    assert b == t and type(b) is type(t)


@pytest.mark.parametrize("d", [0, -1])
def test_size_of_a_dim_of_a_0d_tensor_raises_index_error(d, torch):
    with pytest.raises(IndexError) as expected:
        torch.tensor(5).size(d)
    with pytest.raises(IndexError) as got:
        bibun.tensor(5).size(d)
    assert str(got.value) == str(expected.value)


def test_size_returns_a_bibun_size_and_item_a_python_number():
    t = bibun.ones(2, 3)
    assert isinstance(t.size(), bibun.Size) and isinstance(t.shape, bibun.Size)
    assert repr(t.size()) == "bibun.Size([2, 3])"
    assert isinstance(t.size(1), int) and t.size(1) == 3
    assert type(bibun.tensor([2.5]).item()) is float and type(bibun.tensor(3).item()) is int
    assert type(bibun.tensor(True).item()) is bool
