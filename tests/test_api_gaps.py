"""The PyTorch API gaps filled by python/bibun/_api_gaps.py and csrc/ops/api_gaps.cpp that the op table
(tests/op_table_api_gaps.py) does not cover: random samplers (checked by distribution, shape, dtype and
errors: bibun's stream differs from torch's), grids and combinatorics, searching, inference_mode, the
Python-level Tensor methods, and the node names, in-place forms and double backward of the fused ops.
"""

from __future__ import annotations

import itertools
import warnings

import bibun
import numpy as np
import pytest
from op_info import gradcheck, gradgradcheck


def _np(t) -> np.ndarray:
    return np.array(t.detach().tolist()).reshape(tuple(t.shape))


def _same_error(torch, fn):
    """fn(lib) raises the same exception type (and, for RuntimeError/NotImplementedError, text) in both."""
    errors = []
    for lib in (torch, bibun):
        with pytest.raises(Exception) as info:
            fn(lib)
        errors.append(info.value)
    t_err, b_err = errors
    assert type(b_err).__name__ == type(t_err).__name__, (b_err, t_err)
    if isinstance(t_err, (RuntimeError, NotImplementedError, IndexError)):
        assert str(b_err).replace("bibun", "torch") == str(t_err).split("\n")[0].replace(
            " (Triggered internally", "") or str(t_err).startswith(str(b_err)), (str(b_err), str(t_err))


# ---- softmax / dropout at the top level ----


def test_top_level_softmax_dtype_and_grad_fn_match_torch(torch):
    for lib in (torch, bibun):
        x = lib.tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], requires_grad=True)
        s = lib.softmax(x, 1, lib.float64)
        ls = lib.log_softmax(x, dim=0, dtype=lib.float64)
        assert s.dtype == lib.float64 and ls.dtype == lib.float64
        assert s.grad_fn.name() == "SoftmaxBackward0" and ls.grad_fn.name() == "LogSoftmaxBackward0"
    _same_error(torch, lambda lib: lib.softmax(lib.zeros(2, 3).long(), 1))
    _same_error(torch, lambda lib: lib.log_softmax(lib.zeros(2, 3).long(), 0))
    _same_error(torch, lambda lib: lib.softmax(lib.zeros(2, 3)))


def test_top_level_dropout_scales_kept_values_and_returns_input_when_off(torch):
    x = bibun.ones(2000, requires_grad=True)
    y = bibun.dropout(x, 0.25, True)
    kept = _np(y)
    assert set(np.unique(np.round(kept, 5))) <= {0.0, round(1 / 0.75, 5)}
    assert 0.18 < (kept == 0).mean() < 0.32
    assert y.grad_fn.name() == "MulBackward0"
    assert bibun.dropout(x, 0.5, False) is x
    _same_error(torch, lambda lib: lib.dropout(lib.ones(3), 1.5, True))
    _same_error(torch, lambda lib: lib.dropout(lib.ones(3), 0.5))


# ---- arithmetic aliases and fused ops ----


def test_rsub_records_rsub_nodes_like_torch(torch):
    for lib in (torch, bibun):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        assert lib.rsub(x, lib.ones(3), alpha=2).grad_fn.name() == "RsubBackward0"
        r = lib.rsub(x, 5, alpha=3)
        assert r.grad_fn.name() == "RsubBackward1"
    b = bibun.rsub(bibun.tensor([1.0, -2.0]), 5, alpha=3)
    np.testing.assert_allclose(_np(b), [2.0, 11.0])


def test_method_aliases_match_torch(torch):
    a = np.array([[1.5, -2.0], [0.0, 3.0]])
    for name, args in [("subtract", (2.0,)), ("multiply", (3.0,)), ("absolute", ()), ("negative", ())]:
        want = getattr(torch.tensor(a), name)(*args)
        got = getattr(bibun.tensor(a), name)(*args)
        np.testing.assert_allclose(_np(got), want.numpy())
        got_ = getattr(bibun.tensor(a), name + "_")(*args)
        np.testing.assert_allclose(_np(got_), want.numpy())
    assert bibun.tensor(a).subtract(bibun.ones(2), alpha=2).tolist() == torch.tensor(a).subtract(
        torch.ones(2), alpha=2).tolist()


@pytest.mark.parametrize("name", ["clamp_min_", "clamp_max_"])
def test_inplace_clamp_bound_rebases_history_and_bumps_version_once(torch, name):
    for lib in (torch, bibun):
        leaf = lib.tensor([-1.0, 0.2, 3.0], dtype=lib.float64, requires_grad=True)
        y = leaf * 2
        v = y._version
        out = getattr(y, name)(0.5)
        assert out is y and y._version == v + 1
        assert y.grad_fn.name() == ("ClampMinBackward0" if name == "clamp_min_" else "ClampMaxBackward0")
        y.sum().backward()
        if lib is torch:
            want = leaf.grad.numpy()
        else:
            np.testing.assert_allclose(_np(leaf.grad), want)
    bound = np.array([0.0, 1.0, 1.0])
    for lib in (torch, bibun):
        leaf = lib.tensor([-1.0, 0.2, 3.0], dtype=lib.float64, requires_grad=True)
        b = lib.tensor(bound.tolist(), dtype=lib.float64, requires_grad=True)
        y = getattr(leaf * 1, name)(b)
        assert y.grad_fn.name() == ("ClampMinBackward1" if name == "clamp_min_" else "ClampMaxBackward1")
        y.backward(lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64))
        if lib is torch:
            want = (leaf.grad.numpy(), b.grad.numpy())
        else:
            np.testing.assert_allclose(_np(leaf.grad), want[0])
            np.testing.assert_allclose(_np(b.grad), want[1])


def test_clamp_bound_gradients_check_to_second_order():
    x = np.array([[-1.3, 0.4, 2.2], [0.7, -0.2, 1.6]])
    m = np.array([0.1, 0.5, 1.0])
    gradcheck(lambda a, b: bibun.clamp_min(a, b), [x, m])
    gradcheck(lambda a, b: bibun.clamp_max(a, b), [x, m])
    gradgradcheck(lambda a, b: bibun.clamp_min(a, b) * a, [x, m])


def test_sinc_inplace_and_at_zero(torch):
    for lib in (torch, bibun):
        x = lib.tensor([0.0, 0.5, -1.5, 2.0], dtype=lib.float64, requires_grad=True)
        y = (x * 1).sinc_()
        assert y.grad_fn.name() == "SincBackward0"
        (g,) = lib.autograd.grad(y.sum(), x)
        if lib is torch:
            want = (y.detach().numpy(), g.numpy())
        else:
            np.testing.assert_allclose(_np(y), want[0], atol=1e-12)
            np.testing.assert_allclose(_np(g), want[1], atol=1e-12)
    assert bibun.sinc(bibun.tensor([1, 0])).dtype == bibun.float32
    _same_error(torch, lambda lib: lib.tensor([1, 2]).sinc_())


def test_dist_p0_gives_no_gradient_like_torch(torch):
    for lib in (torch, bibun):
        x = lib.tensor([1.0, 0.0, 2.0], requires_grad=True)
        d = lib.dist(x, lib.zeros(3), 0)
        assert d.item() == 2.0 and d.grad_fn.name() == "DistBackward0"
        assert lib.autograd.grad(d, x, allow_unused=True) == (None,)


def test_fused_ops_double_backward_matches_torch(torch):
    a = np.array([[-1.0, 0.5, 2.0], [3.0, -2.0, 0.1]])
    b = np.array([[0.2, 1.0, 2.5], [-1.0, 0.3, 1.0]])
    fns = [lambda lib, x, y: x.logaddexp(y), lambda lib, x, y: x.sinc(), lambda lib, x, y: lib.dist(x, y, 3),
           lambda lib, x, y: x.logcumsumexp(1), lambda lib, x, y: lib.dist(x, y)]
    for k, f in enumerate(fns):
        res = []
        for lib in (torch, bibun):
            x = lib.tensor(a.tolist(), dtype=lib.float64, requires_grad=True)
            y = lib.tensor(b.tolist(), dtype=lib.float64, requires_grad=True)
            gx, gy = lib.autograd.grad(f(lib, x, y).sum(), (x, y), create_graph=True, allow_unused=True)
            total = (gx * gx).sum() + (gy * gy).sum() if gy is not None else (gx * gx).sum()
            res.append([_np(g) if g is not None else None for g in lib.autograd.grad(total, (x, y), allow_unused=True)])
        for got, want in zip(res[1], res[0]):
            if want is None:
                assert got is None or not np.any(got), k
            else:
                np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10, err_msg=str(k))


def test_heaviside_records_not_implemented_node(torch):
    for lib in (torch, bibun):
        x = lib.tensor([-1.0, 0.0, 2.0], requires_grad=True)
        y = lib.heaviside(x, lib.tensor(0.5))
        assert y.tolist() == [0.0, 0.5, 1.0]
        assert y.grad_fn.name() == "torch::autograd::NotImplemented"
        with pytest.raises(RuntimeError, match="derivative for aten::heaviside is not implemented"):
            y.sum().backward()


def test_inner_records_view_like_torch(torch):
    for lib in (torch, bibun):
        x = lib.ones(2, 3, requires_grad=True)
        assert lib.inner(x, lib.ones(4, 3)).grad_fn.name() == "ViewBackward0"
        assert x.inner(lib.ones(3)).shape == (2,)


# ---- grids and combinatorics ----


def test_meshgrid_indexing_forms_and_warning(torch):
    for indexing in ("ij", "xy"):
        t = torch.meshgrid(torch.arange(2), torch.arange(3), torch.arange(4), indexing=indexing)
        b = bibun.meshgrid([bibun.arange(2), bibun.arange(3), bibun.arange(4)], indexing=indexing)
        for bt, tt in zip(b, t):
            assert tuple(bt.shape) == tuple(tt.shape)
            np.testing.assert_array_equal(_np(bt), tt.numpy())
    with pytest.warns(UserWarning, match="it will be required to pass the indexing argument"):
        g = bibun.meshgrid(bibun.arange(2), bibun.tensor(5))
    assert tuple(g[0].shape) == (2, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same_error(torch, lambda lib: lib.meshgrid(lib.arange(2), lib.arange(3), indexing="foo"))
        _same_error(torch, lambda lib: lib.meshgrid(lib.arange(2), lib.arange(3.0), indexing="ij"))
        _same_error(torch, lambda lib: lib.meshgrid(indexing="ij"))
    for lib in (torch, bibun):
        x = lib.arange(3.0, requires_grad=True)
        assert lib.meshgrid(x, x, indexing="ij")[0].grad_fn.name() == "ExpandBackward0"


def test_cartesian_prod_and_combinations_match_torch(torch):
    a, b = [1.0, 2.0], [3.0, 4.0, 5.0]
    t = torch.cartesian_prod(torch.tensor(a), torch.tensor(b))
    np.testing.assert_array_equal(_np(bibun.cartesian_prod(bibun.tensor(a), bibun.tensor(b))), t.numpy())
    x = bibun.tensor(a)
    assert bibun.cartesian_prod(x) is x
    for r, rep in itertools.product((0, 1, 2, 3, 5), (False, True)):
        t = torch.combinations(torch.arange(4), r=r, with_replacement=rep)
        c = bibun.combinations(bibun.arange(4), r=r, with_replacement=rep)
        assert tuple(c.shape) == tuple(t.shape) and c.dtype == bibun.int64
        np.testing.assert_array_equal(_np(c), t.numpy())
    for lib in (torch, bibun):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        assert lib.combinations(x).grad_fn.name() == "StackBackward0"
        assert lib.cartesian_prod(x, x).grad_fn.name() == "StackBackward0"
    _same_error(torch, lambda lib: lib.combinations(lib.zeros(2, 2)))
    _same_error(torch, lambda lib: lib.combinations(lib.arange(3), r=-1))
    _same_error(torch, lambda lib: lib.cartesian_prod(lib.zeros(2, 2)))


def test_combinations_gradient_checks():
    gradcheck(lambda x: bibun.combinations(x, 2) * 1.5, [np.array([0.3, -1.0, 2.0])])


# ---- creation and random ----


def test_logspace_matches_torch(torch):
    for args, kw in [((0, 2, 3), {}), ((0, 2, 3), {"base": 2, "dtype": "int64"}), ((1, -1, 5), {"base": 3.0}),
                     ((0, 1, 1), {}), ((0, 1, 0), {}), ((-2, 2, 4), {"dtype": "float64"})]:
        res = []
        for lib in (torch, bibun):
            k = dict(kw)
            if "dtype" in k:
                k["dtype"] = getattr(lib, k["dtype"])
            res.append(lib.logspace(*args, **k))
        assert str(res[1].dtype).split(".")[-1] == str(res[0].dtype).split(".")[-1]
        np.testing.assert_allclose(_np(res[1]), res[0].numpy(), rtol=1e-6)
    _same_error(torch, lambda lib: lib.logspace(0, 2, -1))


def test_randperm_is_a_permutation_with_torch_dtype_rules(torch):
    bibun.manual_seed(0)
    p = bibun.randperm(50)
    assert p.dtype == bibun.int64 and sorted(p.tolist()) == list(range(50))
    assert bibun.randperm(50).tolist() != list(range(50))
    assert bibun.randperm(5, dtype=bibun.float32).dtype == bibun.float32
    assert bibun.randperm(0).shape == (0,)
    _same_error(torch, lambda lib: lib.randperm(-1))
    _same_error(torch, lambda lib: lib.randperm(3, dtype=lib.bool))
    _same_error(torch, lambda lib: lib.randperm(3, requires_grad=True))


def test_normal_overloads_shapes_dtypes_and_moments(torch):
    bibun.manual_seed(1)
    s = bibun.normal(bibun.full((4000,), 2.0), 0.5)
    assert abs(_np(s).mean() - 2.0) < 0.05 and abs(_np(s).std() - 0.5) < 0.05
    s = bibun.normal(-1.0, bibun.full((4000,), 2.0))
    assert abs(_np(s).mean() + 1.0) < 0.15 and abs(_np(s).std() - 2.0) < 0.15
    for make in [lambda lib: lib.normal(lib.zeros(3), lib.ones(2, 3)), lambda lib: lib.normal(0.0, 1.0, size=(2, 3)),
                 lambda lib: lib.normal(0, 1, (2,), dtype=lib.float64),
                 lambda lib: lib.normal(lib.zeros(3, dtype=lib.float64), lib.ones(3)),
                 lambda lib: lib.normal(lib.zeros(2, 3), lib.ones(3))]:
        t, b = make(torch), make(bibun)
        assert tuple(b.shape) == tuple(t.shape) and str(b.dtype)[-7:] == str(t.dtype)[-7:]
    for lib in (torch, bibun):
        m = lib.zeros(3, requires_grad=True)
        sd = lib.ones(3, requires_grad=True)
        assert lib.normal(m, 1.0).grad_fn.name() == "NormalBackward1"
        assert lib.normal(0.0, sd).grad_fn.name() == "NormalBackward2"
        out = lib.normal(m, sd)
        assert out.grad_fn.name() == "NormalBackward3"
        gm, gs = lib.autograd.grad(out.sum(), (m, sd))
        assert gm.tolist() == [0.0, 0.0, 0.0] and gs.tolist() == [0.0, 0.0, 0.0]
    _same_error(torch, lambda lib: lib.normal(lib.zeros(3), -1.0))
    _same_error(torch, lambda lib: lib.normal(lib.zeros(3), -lib.ones(3)))
    _same_error(torch, lambda lib: lib.normal(lib.zeros(3, dtype=lib.int64), 1.0))
    _same_error(torch, lambda lib: lib.normal(0.0, 1.0))
    _same_error(torch, lambda lib: lib.normal(lib.zeros(3), lib.ones(4)))


def test_multinomial_frequencies_shapes_and_errors(torch):
    bibun.manual_seed(2)
    p = bibun.tensor([0.1, 0.2, 0.7])
    draws = bibun.multinomial(p, 6000, replacement=True)
    assert draws.dtype == bibun.int64 and tuple(draws.shape) == (6000,)
    freq = np.bincount(_np(draws).astype(int), minlength=3) / 6000
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.03)
    rows = bibun.multinomial(bibun.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 5.0]]), 2, True)
    assert rows.tolist() == [[0, 0], [2, 2]]
    firsts = [bibun.multinomial(p, 3).tolist() for _ in range(300)]
    assert all(sorted(f) == [0, 1, 2] for f in firsts)
    assert 0.6 < np.mean([f[0] == 2 for f in firsts]) < 0.8
    assert bibun.multinomial(bibun.tensor([1.0, 0.0]), 2).tolist() == [0, 1]
    for bad in [lambda lib: lib.multinomial(lib.tensor([0.2, 0.3, 0.5]), 4),
                lambda lib: lib.multinomial(lib.tensor([-1.0, 2.0]), 1),
                lambda lib: lib.multinomial(lib.zeros(2), 1),
                lambda lib: lib.multinomial(lib.tensor([0.5, 0.5]), 0),
                lambda lib: lib.multinomial(lib.ones(2, 2, 2), 1),
                lambda lib: lib.multinomial(lib.tensor([1, 2]), 1),
                lambda lib: lib.multinomial(lib.tensor([float("inf"), 2.0]), 1)]:
        _same_error(torch, bad)


def test_random_exponential_bernoulli_ranges_dtypes_errors(torch):
    bibun.manual_seed(3)
    x = bibun.zeros(2000).random_(3, 7)
    assert set(_np(x).astype(int).tolist()) == {3, 4, 5, 6}
    assert set(bibun.zeros(500, dtype=bibun.int32).random_(4).tolist()) == {0, 1, 2, 3}
    assert set(bibun.zeros(500).random_(to=3).tolist()) == {0.0, 1.0, 2.0}
    wide = _np(bibun.zeros(300, dtype=bibun.int64).random_())
    assert wide.min() >= 0 and wide.max() > 2**60
    assert set(bibun.zeros(200, dtype=bibun.bool).random_().tolist()) == {False, True}
    big = _np(bibun.zeros(200, dtype=bibun.float64).random_())
    assert big.min() >= 0 and big.max() <= 2**53 and np.all(big == np.floor(big)) and big.max() > 2**40
    e = bibun.empty(4000, dtype=bibun.float64).exponential_(2.0)
    assert _np(e).min() >= 0 and abs(_np(e).mean() - 0.5) < 0.05
    b = bibun.zeros(4000).bernoulli_(0.3)
    assert set(_np(b).tolist()) <= {0.0, 1.0} and abs(_np(b).mean() - 0.3) < 0.04
    bp = bibun.zeros(3, dtype=bibun.int64).bernoulli_(bibun.tensor([0.0, 1.0, 1.0]))
    assert bp.tolist() == [0, 1, 1]
    for bad in [lambda lib: lib.zeros(3).random_(0), lambda lib: lib.zeros(3).random_(5, 2),
                lambda lib: lib.zeros(3, dtype=lib.int32).random_(2**40),
                lambda lib: lib.zeros(3).exponential_(0), lambda lib: lib.zeros(3, dtype=lib.int64).exponential_(),
                lambda lib: lib.zeros(3).bernoulli_(1.5),
                lambda lib: lib.zeros(3).bernoulli_(lib.tensor([0.0, 1.0, 2.0])),
                lambda lib: lib.zeros(3, requires_grad=True).bernoulli_()]:
        _same_error(torch, bad)


def test_bernoulli_samples_probabilities_with_torch_nodes(torch):
    bibun.manual_seed(4)
    probs = bibun.tensor([0.0, 1.0, 0.25], dtype=bibun.float64).expand(3000, 3)
    s = bibun.bernoulli(probs)
    assert s.dtype == bibun.float64 and tuple(s.shape) == (3000, 3)
    np.testing.assert_allclose(_np(s).mean(0), [0.0, 1.0, 0.25], atol=0.03)
    assert abs(_np(bibun.zeros(4000).bernoulli(0.7)).mean() - 0.7) < 0.04
    for lib in (torch, bibun):
        x = lib.full((3,), 0.5, requires_grad=True)
        y = lib.bernoulli(x)
        assert y.grad_fn.name() == "BernoulliBackward0" and x.bernoulli().grad_fn.name() == "BernoulliBackward0"
        assert lib.autograd.grad(y.sum(), x)[0].tolist() == [0.0, 0.0, 0.0]
        assert lib.bernoulli(x, 0.3).grad_fn.name() == "torch::autograd::NotImplemented"
    _same_error(torch, lambda lib: lib.bernoulli(lib.tensor([1, 0])))
    _same_error(torch, lambda lib: lib.bernoulli(lib.tensor([1.5])))
    _same_error(torch, lambda lib: lib.bernoulli(lib.tensor([0.5]), 1.5))


def test_apply_and_map_call_python_per_element(torch):
    for lib in (torch, bibun):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        assert x.apply_(lambda v: v * 10 + 1) is x
        assert x.tolist() == [[11.0, 21.0], [31.0, 41.0]]
        y = lib.tensor([1, 2, 3])
        assert y.map_(lib.tensor([10, 20, 30]), lambda a, b: a + b).tolist() == [11, 22, 33]
        assert lib.tensor([1, 2], dtype=lib.int64).apply_(lambda v: v + 1.7).tolist() == [2, 3]
    _same_error(torch, lambda lib: lib.zeros(3, requires_grad=True).apply_(lambda v: v))
    _same_error(torch, lambda lib: lib.zeros(3).map_(lib.ones(2), lambda a, b: a))


# ---- searching ----


def test_searchsorted_and_bucketize_match_torch(torch):
    seq = [1.0, 3.0, 5.0, 7.0]
    vals = [[0.0, 3.0, 6.0], [7.0, 8.0, 1.0]]
    for kw in [{}, {"right": True}, {"side": "right"}, {"out_int32": True}]:
        t = torch.searchsorted(torch.tensor(seq), torch.tensor(vals), **kw)
        b = bibun.searchsorted(bibun.tensor(seq), bibun.tensor(vals), **kw)
        assert b.tolist() == t.tolist() and str(b.dtype)[-5:] == str(t.dtype)[-5:]
        kw2 = {k: v for k, v in kw.items() if k != "side"}
        t = torch.bucketize(torch.tensor(vals), torch.tensor(seq), **kw2)
        b = bibun.bucketize(bibun.tensor(vals), bibun.tensor(seq), **kw2)
        assert b.tolist() == t.tolist()
    batched = [[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]]
    t = torch.searchsorted(torch.tensor(batched), torch.tensor([[2.5, 0.0], [25.0, 31.0]]))
    assert bibun.searchsorted(bibun.tensor(batched), bibun.tensor([[2.5, 0.0], [25.0, 31.0]])).tolist() == t.tolist()
    assert bibun.searchsorted(bibun.tensor(seq), 4.0).tolist() == torch.searchsorted(torch.tensor(seq), 4.0).tolist()
    unsorted = [5.0, 1.0, 3.0]
    order = [1, 2, 0]
    t = torch.searchsorted(torch.tensor(unsorted), torch.tensor([2.0, 4.0]), sorter=torch.tensor(order))
    b = bibun.searchsorted(bibun.tensor(unsorted), bibun.tensor([2.0, 4.0]), sorter=bibun.tensor(order))
    assert b.tolist() == t.tolist()
    _same_error(torch, lambda lib: lib.searchsorted(lib.ones(2, 3), lib.ones(3, 3)))
    _same_error(torch, lambda lib: lib.searchsorted(lib.ones(3), lib.ones(3), right=True, side="left"))
    _same_error(torch, lambda lib: lib.bucketize(lib.ones(3), lib.ones(2, 2)))


# ---- inference_mode ----


def test_inference_mode_disables_grad_as_context_and_decorator():
    x = bibun.ones(2, requires_grad=True)
    with bibun.inference_mode():
        assert not bibun.is_grad_enabled() and bibun.is_inference_mode_enabled()
        y = x * 2
    assert not y.requires_grad and bibun.is_grad_enabled() and not bibun.is_inference_mode_enabled()
    with bibun.inference_mode(False):
        assert (x * 2).requires_grad
    with bibun.inference_mode(mode=False):
        assert (x * 2).requires_grad and not bibun.is_inference_mode_enabled()
    with bibun.no_grad(), bibun.inference_mode(mode=True):
        assert not bibun.is_grad_enabled()
    assert bibun.is_grad_enabled()

    @bibun.inference_mode()
    def f(t):
        return t * 3

    @bibun.inference_mode
    def g(t):
        return t * 3

    assert not f(x).requires_grad and not g(x).requires_grad
    assert bibun.is_grad_enabled()


# ---- Tensor methods ----


def test_where_method_matches_torch(torch):
    res = []
    for lib in (torch, bibun):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        out = x.where(x > 0, lib.tensor(0.5))
        assert out.grad_fn.name() == "WhereBackward0"
        res.append(out.tolist())
        assert x.where(x > 0, 1.0).tolist() == [1.0, 1.0, 3.0]
    assert res[0] == res[1]


def test_sum_to_size_shapes_grad_fn_and_errors(torch):
    for size in [(3, 1), (1, 3, 1), (2, 3, 4), ((3, 4),), (4,)]:
        for lib in (torch, bibun):
            x = lib.arange(24.0).reshape(2, 3, 4).requires_grad_()
            out = x.sum_to_size(*size)
            name = out.grad_fn.name() if out.grad_fn is not None else None
            if lib is torch:
                want = (out.tolist(), name)
            else:
                assert (out.tolist(), name) == want, size
    _same_error(torch, lambda lib: lib.zeros(2, 3, 4).sum_to_size(2, 4))
    _same_error(torch, lambda lib: lib.zeros(2, 3, 4).sum_to_size(5, 2, 3, 4))


def test_fill_diagonal_matches_torch(torch):
    for shape, kw in [((3, 4), {}), ((7, 3), {"wrap": True}), ((7, 3), {}), ((3, 3, 3), {}), ((4, 2), {}),
                      ((9, 2), {"wrap": True}), ((5, 1), {"wrap": True}), ((0, 3), {})]:
        t = torch.zeros(shape).fill_diagonal_(2.5, **kw)
        b = bibun.zeros(shape).fill_diagonal_(2.5, **kw)
        np.testing.assert_array_equal(_np(b), t.numpy())
    _same_error(torch, lambda lib: lib.zeros(3).fill_diagonal_(1))
    _same_error(torch, lambda lib: lib.zeros(2, 3, 2).fill_diagonal_(1))
    _same_error(torch, lambda lib: lib.zeros(2, 2, requires_grad=True).fill_diagonal_(1))
    for lib in (torch, bibun):
        leaf = lib.ones(3, 3, requires_grad=True)
        y = (leaf * 2).fill_diagonal_(1)
        assert y.grad_fn.name() == "torch::autograd::CopySlices"
        y.sum().backward()
        assert leaf.grad.tolist() == [[0.0, 2.0, 2.0], [2.0, 0.0, 2.0], [2.0, 2.0, 0.0]]


def test_is_complex_and_is_signed(torch):
    for name in ("float32", "float64", "int32", "int64", "bool"):
        t = torch.zeros(1, dtype=getattr(torch, name))
        b = bibun.zeros(1, dtype=getattr(bibun, name))
        assert b.is_signed() == t.is_signed() and b.is_complex() == t.is_complex()


def test_diff_method_and_prepend_gradient():
    x = bibun.tensor([[1.0, 4.0, 9.0]])
    assert x.diff().tolist() == [[3.0, 5.0]]
    gradcheck(lambda a, p: bibun.diff(a, n=2, prepend=p), [np.array([[0.3, 1.2, -0.5, 2.0]]), np.array([[0.7]])])


# ---- cdist ----


@pytest.mark.parametrize("p", [0.0, 1.0, 2.0, 3.0, 0.5, float("inf")])
def test_cdist_values_gradients_and_node_match_torch(torch, p):
    rng = np.random.RandomState(5)
    a, b = rng.randn(2, 3, 4), rng.randn(1, 5, 4)
    res = []
    for lib in (torch, bibun):
        x = lib.tensor(a.tolist(), dtype=lib.float64, requires_grad=True)
        y = lib.tensor(b.tolist(), dtype=lib.float64, requires_grad=True)
        d = lib.cdist(x, y, p)
        up = lib.tensor(rng.randn(2, 3, 5).tolist(), dtype=lib.float64) if lib is torch else lib.tensor(
            res[0][3].tolist(), dtype=lib.float64)
        gx, gy = lib.autograd.grad(d, (x, y), up)
        res.append((d.grad_fn.name(), _np(d), (_np(gx), _np(gy)), _np(up)))
    assert res[1][0] == res[0][0] == "CdistBackward0"
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-10, atol=1e-12)
    for got, want in zip(res[1][2], res[0][2]):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_cdist_gradcheck_and_gradgradcheck():
    rng = np.random.RandomState(6)
    a, b = rng.randn(3, 2), rng.randn(4, 2)
    for p in (1.0, 2.0, 3.0):
        gradcheck(lambda x, y, p=p: bibun.cdist(x, y, p), [a, b])
    gradgradcheck(lambda x, y: bibun.cdist(x, y), [a, b])


def test_cdist_matrix_product_form_and_errors(torch):
    rng = np.random.RandomState(7)
    a, b = rng.randn(30, 3), rng.randn(4, 3)
    for mode in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"):
        t = torch.cdist(torch.tensor(a, requires_grad=True), torch.tensor(b), compute_mode=mode)
        c = bibun.cdist(bibun.tensor(a.tolist(), dtype=bibun.float64, requires_grad=True),
                        bibun.tensor(b.tolist(), dtype=bibun.float64), compute_mode=mode)
        assert c.grad_fn.name() == t.grad_fn.name()
        np.testing.assert_allclose(_np(c), t.detach().numpy(), rtol=1e-7, atol=1e-7)
    assert tuple(bibun.cdist(bibun.zeros(0, 4), bibun.zeros(5, 4)).shape) == (0, 5)
    for bad in [lambda lib: lib.cdist(lib.ones(3, 4), lib.ones(5, 4), p=-1),
                lambda lib: lib.cdist(lib.ones(4), lib.ones(5, 4)),
                lambda lib: lib.cdist(lib.ones(3, 4), lib.ones(5, 3)),
                lambda lib: lib.cdist(lib.ones(3, 4).long(), lib.ones(5, 4).long()),
                lambda lib: lib.cdist(lib.ones(3, 4).double(), lib.ones(5, 4)),
                lambda lib: lib.cdist(lib.ones(3, 4), lib.ones(5, 4), compute_mode="x")]:
        _same_error(torch, bad)
