"""The numpy bridge (issue 3): ``Tensor.numpy()``/``np.asarray(t)`` and ``bibun.from_numpy(a)`` share memory
both ways, with odd strides and every supported dtype; unsupported arrays raise as PyTorch raises; the array
stays alive as long as a tensor uses it, also when the engine frees that tensor without the GIL."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import bibun


def values_of(t) -> np.ndarray:
    return np.array(t.detach().tolist())


# --- seed 002's bridge: both directions share memory --------------------------------------------------------


def test_numpy_of_a_tensor_shares_memory_both_ways():
    a = bibun.ones(5)
    b = a.numpy()
    assert b.ctypes.data == a.data_ptr() and b.dtype == np.float32
    a.add_(1)
    np.testing.assert_array_equal(b, np.full(5, 2.0, np.float32))
    b[0] = 7.0
    assert values_of(a).tolist() == [7.0, 2.0, 2.0, 2.0, 2.0]


def test_np_asarray_of_a_tensor_shares_memory():
    t = bibun.zeros(2, 3, dtype=bibun.float64)
    a = np.asarray(t)
    assert a.ctypes.data == t.data_ptr() and a.shape == (2, 3) and a.dtype == np.float64
    np.add(a, 1, out=a)
    assert values_of(t).tolist() == [[1.0] * 3] * 2


def test_from_numpy_shares_memory_both_ways():
    a = np.ones(5)
    b = bibun.from_numpy(a)
    assert b.data_ptr() == a.ctypes.data and b.dtype == bibun.float64
    np.add(a, 1, out=a)
    assert values_of(b).tolist() == [2.0] * 5
    b.add_(1)
    np.testing.assert_array_equal(a, np.full(5, 3.0))
    assert b._version == 1


def test_two_from_numpy_calls_on_one_array_have_their_own_version_counters():
    a = np.zeros(3, np.float32)
    t1, t2 = bibun.from_numpy(a), bibun.from_numpy(a)
    t1.add_(1)
    assert t1._version == 1 and t2._version == 0
    assert values_of(t2).tolist() == [1.0, 1.0, 1.0]


def test_as_tensor_of_an_array_shares_memory_like_from_numpy():
    a = np.arange(4, dtype=np.int32)
    t = bibun.as_tensor(a)
    assert t.data_ptr() == a.ctypes.data and t.dtype == bibun.int32
    converted = bibun.as_tensor(a, dtype=bibun.float32)
    assert converted.dtype == bibun.float32 and converted.data_ptr() != a.ctypes.data


def test_tensor_of_an_array_copies():
    a = np.arange(4.0)
    t = bibun.tensor(a)
    assert t.data_ptr() != a.ctypes.data and t.dtype == bibun.float64
    a[0] = 9.0
    assert values_of(t).tolist() == [0.0, 1.0, 2.0, 3.0]


# --- lifetime -----------------------------------------------------------------------------------------------


def test_from_numpy_keeps_the_array_alive_until_the_last_tensor_goes():
    a = np.arange(6.0)
    base = sys.getrefcount(a)
    t = bibun.from_numpy(a)
    assert sys.getrefcount(a) == base + 1
    view = t.t().detach()  # shares the storage, so it keeps the array alive too
    del t
    gc.collect()
    assert sys.getrefcount(a) == base + 1
    del view
    gc.collect()
    assert sys.getrefcount(a) == base


def test_from_numpy_tensor_outlives_the_python_name_of_its_array():
    t = bibun.from_numpy(np.arange(100_000, dtype=np.int64))
    gc.collect()
    np.testing.assert_array_equal(values_of(t), np.arange(100_000))


def test_engine_freeing_a_borrowed_tensor_without_the_gil_releases_the_array_safely():
    a = np.linspace(-1, 1, 1000)
    base = sys.getrefcount(a)
    x = bibun.from_numpy(a).requires_grad_()
    y = (x * x).sum()  # the node saves x: backward frees it with the GIL released
    del x
    gc.collect()
    assert sys.getrefcount(a) == base + 1
    y.backward()
    del y
    gc.collect()
    assert sys.getrefcount(a) == base


def test_numpy_array_of_a_tensor_keeps_the_tensor_memory_alive():
    b = bibun.arange(5.0).numpy()
    gc.collect()
    np.testing.assert_array_equal(b, np.arange(5.0, dtype=np.float32))


# --- strides ------------------------------------------------------------------------------------------------

STRIDED = {
    "contiguous": lambda: np.arange(12.0).reshape(3, 4),
    "step_slice": lambda: np.arange(10.0)[::3],
    "column_step": lambda: np.arange(12, dtype=np.int32).reshape(3, 4)[:, ::2],
    "inner_block": lambda: np.arange(20, dtype=np.int64).reshape(4, 5)[1:, 2:],
    "row_step_block": lambda: np.arange(12, dtype=np.int32).reshape(3, 4)[::2, 1:3],
    "transpose": lambda: np.arange(12.0, dtype=np.float32).reshape(3, 4).T,
    "fortran": lambda: np.asfortranarray(np.arange(6).reshape(2, 3)),
    "3d_permuted": lambda: np.arange(24.0).reshape(2, 3, 4).transpose(2, 0, 1),
    "broadcast_zero_stride": lambda: np.broadcast_to(np.arange(3.0), (2, 3)),
    "0d": lambda: np.array(3.5),
    "0d_int32": lambda: np.array(3, dtype=np.int32),
    "empty": lambda: np.zeros((0, 3)),
    "bool_column": lambda: np.array([[True, False], [False, True]])[:, 1],
}


@pytest.mark.filterwarnings("ignore:The given NumPy array is not writable:UserWarning")
@pytest.mark.parametrize("name", STRIDED)
def test_from_numpy_of_odd_strides_wraps_the_same_memory(name, torch):
    a = STRIDED[name]()
    t = bibun.from_numpy(a)
    assert tuple(t.shape) == a.shape
    assert t.stride() == tuple(s // a.itemsize for s in a.strides) == torch.from_numpy(a).stride()
    assert t.is_contiguous() == torch.from_numpy(a).is_contiguous()
    if a.size:
        assert t.data_ptr() == a.ctypes.data
    np.testing.assert_array_equal(values_of(t).reshape(a.shape), a)
    back = t.numpy()
    assert back.strides == a.strides and back.ctypes.data == a.ctypes.data


@pytest.mark.parametrize("name", [n for n in STRIDED if n not in ("broadcast_zero_stride", "empty")])
def test_writes_through_a_strided_numpy_tensor_show_in_the_array(name):
    a = STRIDED[name]()
    before = a.copy()
    t = bibun.from_numpy(a)
    if a.dtype == np.bool_:
        t.fill_(True)
        np.testing.assert_array_equal(a, np.ones_like(before))
    else:
        t.add_(1)
        np.testing.assert_array_equal(a, before + 1)


@pytest.mark.parametrize(
    "make",
    [
        lambda: bibun.ones(3, 4).t(),
        lambda: bibun.arange(12).view(3, 4).transpose(0, 1),
        lambda: bibun.zeros(2, 1, 3),
    ],
    ids=["transposed", "transposed_int", "size_one_dim"],
)
def test_numpy_of_a_strided_tensor_keeps_its_strides(make):
    t = make()
    a = t.numpy()
    assert a.shape == tuple(t.shape)
    assert a.strides == tuple(s * t.element_size() for s in t.stride())
    np.testing.assert_array_equal(a, values_of(t).reshape(a.shape))


# --- dtypes -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "np_dtype, name",
    [
        (np.float32, "float32"),
        (np.float64, "float64"),
        (np.int32, "int32"),
        (np.int64, "int64"),
        (np.bool_, "bool"),
    ],
)
def test_numpy_round_trip_keeps_dtype_and_values(np_dtype, name):
    a = (np.arange(6) % 3).astype(np_dtype).reshape(2, 3)
    t = bibun.from_numpy(a)
    assert t.dtype is getattr(bibun, name)
    back = t.numpy()
    assert back.dtype == a.dtype and back.ctypes.data == a.ctypes.data
    np.testing.assert_array_equal(back, a)
    made = bibun.ones(2, dtype=getattr(bibun, name)).numpy()
    assert made.dtype == np.dtype(np_dtype)


@pytest.mark.parametrize(
    "np_dtype",
    [np.uint8, np.int8, np.int16, np.uint16, np.uint32, np.uint64, np.float16, np.complex64, np.complex128],
)
def test_from_numpy_of_a_dtype_bibun_lacks_raises_type_error(np_dtype):
    with pytest.raises(TypeError) as info:
        bibun.from_numpy(np.zeros(3, np_dtype))
    assert str(info.value) == (
        f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).type.__name__}. "
        "The only supported types are: float64, float32, int64, int32, and bool."
    )


@pytest.mark.parametrize("np_dtype", [object, "U3", "S2"])
def test_from_numpy_of_non_numeric_arrays_raises_type_error_as_torch(np_dtype, torch):
    with pytest.raises(TypeError) as expected:
        torch.from_numpy(np.zeros(3, np_dtype))
    with pytest.raises(TypeError) as got:
        bibun.from_numpy(np.zeros(3, np_dtype))
    assert str(got.value).split(". The only")[0] == str(expected.value).split(". The only")[0]


# --- errors and warnings as PyTorch -------------------------------------------------------------------------

BAD_ARRAYS = {
    "negative_stride": lambda: np.arange(6)[::-1],
    "negative_stride_2d": lambda: np.arange(6.0).reshape(2, 3)[:, ::-1],
    "byteswapped": lambda: np.arange(3, dtype=">f4"),
    "byteswapped_int": lambda: np.arange(3, dtype=">i8"),
    "stride_not_multiple_of_itemsize": lambda: np.lib.stride_tricks.as_strided(
        np.zeros(8, np.float32), (3,), (6,)
    ),
    "list": lambda: [1, 2],
    "tensor": lambda: bibun.ones(2),
}


@pytest.mark.parametrize("name", BAD_ARRAYS)
def test_from_numpy_of_an_unsupported_array_raises_torch_error(name, torch):
    arg = BAD_ARRAYS[name]()
    with pytest.raises(Exception) as expected:
        torch.from_numpy(torch.ones(2) if name == "tensor" else arg)
    with pytest.raises(type(expected.value)) as got:
        bibun.from_numpy(arg)
    assert str(got.value) == str(expected.value)


def test_from_numpy_of_a_read_only_array_warns_once_and_shares():
    script = textwrap.dedent(
        """
        import warnings, numpy as np, bibun
        a = np.arange(3.0)
        a.flags.writeable = False
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t = bibun.from_numpy(a)
            bibun.from_numpy(a)
        assert t.data_ptr() == a.ctypes.data
        print(len(caught), caught[0].category.__name__, caught[0].message)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.startswith("1 UserWarning The given NumPy array is not writable, and PyTorch does not support")


def test_numpy_of_a_tensor_that_requires_grad_raises_torch_error(torch):
    msg = "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
    with pytest.raises(RuntimeError) as expected:
        torch.ones(2, requires_grad=True).numpy()
    assert str(expected.value) == msg
    x = bibun.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError) as got:
        x.numpy()
    assert str(got.value) == msg
    y = x * 2
    with pytest.raises(RuntimeError, match="requires grad"):
        y.numpy()
    np.testing.assert_array_equal(y.detach().numpy(), [2.0, 2.0])


def test_numpy_force_detaches_and_still_shares_memory():
    x = bibun.ones(3, requires_grad=True)
    a = x.numpy(force=True)
    assert a.ctypes.data == x.data_ptr()
    np.testing.assert_array_equal(a, [1.0, 1.0, 1.0])


def test_np_asarray_of_a_tensor_that_requires_grad_raises(torch):
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(torch.ones(2, requires_grad=True))
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(bibun.ones(2, requires_grad=True))


# --- numpy 2's __array__(dtype=None, copy=None) -------------------------------------------------------------


def test_array_protocol_shares_unless_a_copy_is_asked_or_needed():
    t = bibun.arange(4.0)
    shared = t.__array__()
    assert shared.ctypes.data == t.data_ptr()
    copied = t.__array__(copy=True)
    assert copied.ctypes.data != t.data_ptr()
    np.testing.assert_array_equal(copied, shared)
    converted = t.__array__(np.float64)
    assert converted.dtype == np.float64 and converted.ctypes.data != t.data_ptr()
    assert t.__array__(np.float32, copy=False).ctypes.data == t.data_ptr()
    with pytest.raises(ValueError, match="Unable to avoid copy"):
        t.__array__(np.float64, copy=False)


def test_numpy_of_an_empty_tensor_has_its_shape_and_dtype():
    a = bibun.zeros(0, 2, dtype=bibun.int32).numpy()
    assert a.shape == (0, 2) and a.dtype == np.int32


@pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)
def test_numpy_conversions_with_copy_and_dtype_behave_as_with_torch(torch):
    for lib in (bibun, torch):
        t = lib.ones(2)
        with pytest.raises(ValueError, match="Unable to avoid copy"):
            np.asarray(t, dtype=np.float64, copy=False)
        assert np.asarray(t, dtype=np.float64).dtype == np.float64
        copy = np.array(t, copy=True)
        copy[0] = 5
        assert t.tolist() == [1.0, 1.0]


# --- conversions --------------------------------------------------------------------------------------------

CASTS = ["float", "double", "long", "int", "bool"]


@pytest.mark.parametrize("cast", CASTS)
@pytest.mark.parametrize("src", ["float32", "float64", "int32", "int64", "bool"])
def test_casts_give_torch_dtype_and_values(cast, src, torch):
    data = [[-2.5, 0.0], [1.7, 3.0]]
    b = getattr(bibun.tensor(data).to(getattr(bibun, src)), cast)()
    t = getattr(torch.tensor(data).to(getattr(torch, src)), cast)()
    assert str(b.dtype).replace("bibun", "torch") == str(t.dtype)
    np.testing.assert_array_equal(b.numpy(), t.numpy())


def test_cast_to_the_same_dtype_returns_self(torch):
    t = bibun.ones(2)
    assert t.float() is t and (torch.ones(2).float() is not None)
    assert t.double() is not t
