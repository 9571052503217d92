"""cat and stack: values, dtypes, gradients and errors against PyTorch."""

import numpy as np
import pytest

import bibun

R = np.random.RandomState(0)


def _pair(lib, arrays, requires_grad=True):
    out = []
    for a in arrays:
        t = lib.tensor(a)
        if requires_grad and t.is_floating_point():
            t.requires_grad_(True)
        out.append(t)
    return out


CAT_CASES = [
    ([R.randn(2, 3), R.randn(4, 3)], 0),
    ([R.randn(2, 3), R.randn(2, 1), R.randn(2, 2)], 1),
    ([R.randn(2, 3), R.randn(2, 3)], -1),
    ([R.randn(3), R.randn(0), R.randn(2)], 0),
    ([R.randn(2, 3), np.zeros(0)], 0),  # legacy: 1-D empty tensors are skipped
    ([R.randn(1, 2, 3), R.randn(1, 2, 3)], 2),
    ([R.randn(2, 2), R.randint(0, 5, (1, 2))], 0),  # float64 and int64 -> float64
]


@pytest.mark.parametrize("arrays,dim", CAT_CASES)
def test_cat_matches_torch_in_values_dtype_and_gradients(arrays, dim):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (torch, bibun):
        ts = _pair(lib, arrays)
        out = lib.cat(ts, dim)
        upstream = lib.tensor(np.arange(out.numel(), dtype=np.float64).reshape(tuple(out.shape)) + 1).to(out.dtype)
        if out.requires_grad:
            (out * upstream).sum().backward()
        grads = [t.grad.tolist() if t.requires_grad else None for t in ts]
        results.append((out.detach().tolist(), str(out.dtype).split(".")[1], tuple(out.shape), grads,
                        out.grad_fn.name() if out.grad_fn else None))
    assert results[1] == results[0]


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_stack_matches_torch_in_values_and_gradients(dim):
    torch = pytest.importorskip("torch")
    arrays = [R.randn(2, 3) for _ in range(3)]
    results = []
    for lib in (torch, bibun):
        ts = _pair(lib, arrays)
        out = lib.stack(ts, dim)
        (out * out).sum().backward()
        results.append((out.detach().tolist(), tuple(out.shape), [t.grad.tolist() for t in ts], out.grad_fn.name()))
    assert results[1] == results[0]


def test_cat_and_stack_pass_gradcheck_and_gradgradcheck():
    a = bibun.tensor(R.randn(2, 3), requires_grad=True)
    b = bibun.tensor(R.randn(1, 3), requires_grad=True)
    assert bibun.autograd.gradcheck(lambda x, y: bibun.cat([x, y * y], 0), (a, b))
    assert bibun.autograd.gradgradcheck(lambda x, y: bibun.cat([x * x, y], 0), (a, b))
    c = bibun.tensor(R.randn(2, 3), requires_grad=True)
    assert bibun.autograd.gradcheck(lambda x, y: bibun.stack([x, y * x], 1), (a, c))


@pytest.mark.parametrize("call", [
    lambda lib: lib.cat([]),
    lambda lib: lib.cat([lib.ones(2, 3), lib.ones(3, 2)], 0),
    lambda lib: lib.cat([lib.ones(2, 3), lib.ones(2)], 0),
    lambda lib: lib.cat([lib.ones(2), lib.ones(2)], 1),
    lambda lib: lib.cat([lib.tensor(1.0), lib.tensor(2.0)]),
    lambda lib: lib.stack([]),
    lambda lib: lib.stack([lib.ones(2), lib.ones(3)]),
    lambda lib: lib.cat(lib.ones(2)),
])
def test_bad_arguments_raise_the_same_exception_type_as_torch(call):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as t_err:
        call(torch)
    with pytest.raises(Exception) as b_err:
        call(bibun)
    assert type(b_err.value) is type(t_err.value) or isinstance(b_err.value, type(t_err.value))


def test_cat_error_text_names_the_mismatching_tensor_like_torch():
    torch = pytest.importorskip("torch")
    msgs = []
    for lib in (torch, bibun):
        with pytest.raises(RuntimeError) as err:
            lib.cat([lib.ones(2, 3), lib.ones(2, 3), lib.ones(3, 2)], 0)
        msgs.append(str(err.value))
    assert msgs[1] == msgs[0]


def test_cat_out_form_writes_the_result():
    out = bibun.empty(4)
    r = bibun.cat([bibun.ones(2), bibun.zeros(2)], out=out)
    assert r is out and out.tolist() == [1.0, 1.0, 0.0, 0.0]
