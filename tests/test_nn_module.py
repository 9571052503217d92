"""bibun.nn.Module, Parameter, containers, layers, losses, init and utils, against PyTorch."""

from __future__ import annotations

import math
from collections import OrderedDict

import bibun
import numpy as np
import pytest
from bibun import nn


def same_repr(b, t) -> None:
    assert repr(b) == repr(t).replace("torch.", "bibun.")


def copy_weights(b_module, t_module) -> None:
    """Loads torch's parameters and buffers into the bibun module."""
    sd = {k: bibun.tensor(v.detach().numpy()) for k, v in t_module.state_dict().items()}
    b_module.load_state_dict(sd)


def build(lib):
    class Block(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(3, 4)
            self.act = lib.nn.ReLU()
            self.register_buffer("steps", lib.zeros(2))
            self.register_buffer("scratch", lib.zeros(1), persistent=False)

        def forward(self, x):
            return self.act(self.fc(x))

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.layers = lib.nn.ModuleList([lib.nn.Linear(4, 4) for _ in range(3)] + [lib.nn.Tanh()])
            self.head = lib.nn.Sequential(OrderedDict(drop=lib.nn.Dropout(0.25), out=lib.nn.Linear(4, 2, bias=False)))
            self.scale = lib.nn.Parameter(lib.ones(1))

        def forward(self, x):
            x = self.block(x)
            for layer in self.layers:
                x = layer(x)
            return self.head(x) * self.scale

    return Net()


# --- repr -----------------------------------------------------------------------------------------

def test_nested_module_repr_matches_torch(torch):
    same_repr(build(bibun), build(torch))


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.Linear(3, 2, bias=False),
        lambda nn: nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Sigmoid()),
        lambda nn: nn.ModuleDict({"a": nn.ReLU(), "b": nn.Linear(1, 1)}),
        lambda nn: nn.Flatten(),
        lambda nn: nn.Unflatten(1, (2, 3)),
        lambda nn: nn.Dropout(p=0.1, inplace=True),
        lambda nn: nn.Softmax(dim=1),
        lambda nn: nn.LogSoftmax(1),
        lambda nn: nn.Softmax(),
        lambda nn: nn.CELU(2.0),
        lambda nn: nn.ReLU(inplace=True),
        lambda nn: nn.Identity(54, unused="x"),
        lambda nn: nn.CrossEntropyLoss(),
        lambda nn: nn.MSELoss(reduction="sum"),
        lambda nn: nn.ModuleList(),
    ],
)
def test_layer_repr_matches_torch(torch, make):
    same_repr(make(nn), make(torch.nn))


def test_parameter_containers_repr_matches_torch(torch):
    for lib in (bibun, torch):
        lib.manual_seed(0)
    same_repr(nn.ParameterList([nn.Parameter(bibun.zeros(2, 3)), nn.Parameter(bibun.zeros(4))]),
              torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(2, 3)), torch.nn.Parameter(torch.zeros(4))]))
    same_repr(nn.ParameterDict({"a": nn.Parameter(bibun.zeros(2, 3, dtype=bibun.float64))}),
              torch.nn.ParameterDict({"a": torch.nn.Parameter(torch.zeros(2, 3, dtype=torch.float64))}))


# --- Parameter ------------------------------------------------------------------------------------

def test_parameter_is_a_tensor_sharing_memory_and_printing_like_torch(torch):
    t = bibun.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert isinstance(p, bibun.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert p.data_ptr() == t.data_ptr()
    same_repr(p, torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    same_repr(nn.Parameter(bibun.tensor([1.0]), requires_grad=False),
              torch.nn.Parameter(torch.tensor([1.0]), requires_grad=False))
    assert type(p * 2) is bibun.Tensor


def test_parameter_of_a_non_leaf_is_a_leaf_and_ints_cannot_require_grad():
    x = bibun.ones(2, requires_grad=True)
    p = nn.Parameter(x * 2)
    assert p.is_leaf and p.grad_fn is None
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(bibun.arange(3))


# --- registration and iteration -------------------------------------------------------------------

def test_state_dict_keys_and_order_match_torch(torch):
    b, t = build(bibun), build(torch)
    assert list(b.state_dict().keys()) == list(t.state_dict().keys())
    assert [n for n, _ in b.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in b.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in b.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in b.named_children()] == [n for n, _ in t.named_children()]
    assert len(list(b.parameters())) == len(list(t.parameters()))
    assert len(list(b.modules())) == len(list(t.modules()))
    assert all(not v.requires_grad for v in b.state_dict().values())
    assert b.state_dict(keep_vars=True)["scale"] is b.scale


def test_setattr_registers_and_reassigning_moves_between_kinds():
    m = nn.Module()
    m.w = nn.Parameter(bibun.zeros(2))
    m.sub = nn.Linear(1, 1)
    m.plain = 3
    assert list(m._parameters) == ["w"] and list(m._modules) == ["sub"] and m.plain == 3
    with pytest.raises(TypeError, match="cannot assign 'bibun.Tensor' as parameter 'w'"):
        m.w = bibun.zeros(2)
    m.w = None
    assert m.w is None and list(m.parameters()) == list(m.sub.parameters())
    del m.sub
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'sub'"):
        m.sub


def test_registration_errors_match_torch(torch):
    for lib in (bibun, torch):
        m = lib.nn.Module()
        with pytest.raises(KeyError, match="attribute 'training' already exists"):
            m.register_buffer("training", lib.zeros(1))
        with pytest.raises(KeyError, match="contain"):
            m.register_parameter("a.b", None)
        with pytest.raises(TypeError, match="is not a Module subclass"):
            m.add_module("x", 3)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(bibun.zeros(1))

    with pytest.raises(AttributeError, match="cannot assign parameters before Module.__init__\\(\\) call"):
        Early()


# --- state dict loading ---------------------------------------------------------------------------

def test_load_state_dict_round_trip_copies_values():
    a, b = build(bibun), build(bibun)
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(pa.detach().numpy(), pb.detach().numpy())


def test_load_state_dict_errors_match_torch(torch):
    def attempt(lib):
        m = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
        bad = {"0.weight": lib.zeros(4, 3), "foo": lib.zeros(1), "2.bias": lib.zeros(3)}
        with pytest.raises(RuntimeError) as info:
            m.load_state_dict(bad)
        non_strict = m.load_state_dict({"0.weight": lib.zeros(4, 3), "foo": lib.zeros(1)}, strict=False)
        return str(info.value), non_strict

    (b_msg, b_ns), (t_msg, t_ns) = attempt(bibun), attempt(torch)
    assert b_msg == t_msg.replace("torch.", "bibun.")
    assert b_ns.missing_keys == t_ns.missing_keys and b_ns.unexpected_keys == t_ns.unexpected_keys
    assert repr(nn.Linear(1, 1).load_state_dict(nn.Linear(1, 1).state_dict())) == "<All keys matched successfully>"


# --- hooks, modes, grads, conversions -------------------------------------------------------------

def test_forward_hooks_and_pre_hooks_run_in_order_and_can_replace_values():
    m = nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: calls.append("pre") or (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append("post") or out + 1)
    m.register_forward_pre_hook(lambda mod, args: calls.append("first"), prepend=True)
    out = m(bibun.ones(1, 2))
    assert calls == ["first", "pre", "post"]
    np.testing.assert_allclose(out.detach().numpy(), (m.bias + 1).detach().numpy()[None], rtol=1e-6)
    h1.remove()
    h2.remove()
    calls.clear()
    out = m(bibun.ones(1, 2))
    assert calls == ["first"]
    kw = m.register_forward_hook(lambda mod, args, kwargs, out: out * 0, with_kwargs=True)
    assert (m(bibun.ones(1, 2)).detach().numpy() == 0).all()
    kw.remove()


def test_train_eval_propagate_and_dropout_follows():
    m = build(bibun)
    m.eval()
    assert not any(mod.training for mod in m.modules())
    x = bibun.ones(5, 3)
    np.testing.assert_array_equal(m(x).detach().numpy(), m(x).detach().numpy())
    assert m.train() is m and all(mod.training for mod in m.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        m.train("yes")


def test_zero_grad_and_requires_grad_():
    m = nn.Linear(3, 2)
    m(bibun.ones(1, 3)).sum().backward()
    m.zero_grad(set_to_none=False)
    assert (m.weight.grad.numpy() == 0).all()
    m.zero_grad()
    assert m.weight.grad is None and m.bias.grad is None
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_to_double_float_and_apply_keep_parameter_objects():
    m = nn.Sequential(nn.Linear(2, 2))
    w = m[0].weight
    m.double()
    assert m[0].weight is w and w.dtype == bibun.float64 and isinstance(w, nn.Parameter)
    m.to(bibun.float32)
    assert w.dtype == bibun.float32
    m.to(dtype=bibun.float64)
    assert w.dtype == bibun.float64
    m.float()
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ["Linear", "Sequential"]


def test_sequential_indexing_slicing_append_len_iter(torch):
    s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(s) == 3 and isinstance(s[-1], nn.Linear) and isinstance(s[1], nn.ReLU)
    tail = s[1:]
    assert isinstance(tail, nn.Sequential) and len(tail) == 2
    same_repr(tail, torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))[1:])
    s.append(nn.Sigmoid())
    assert [type(x).__name__ for x in s] == ["Linear", "ReLU", "Linear", "Sigmoid"]
    with pytest.raises(IndexError, match="index 7 is out of range"):
        s[7]


def test_module_list_and_dict_behave_like_containers():
    ml = nn.ModuleList([nn.ReLU(), nn.Tanh()])
    ml.append(nn.Sigmoid())
    ml.extend([nn.Identity()])
    assert len(ml) == 4 and isinstance(ml[2], nn.Sigmoid) and isinstance(ml[-1], nn.Identity)
    md = nn.ModuleDict({"a": nn.ReLU()})
    md["b"] = nn.Linear(1, 1)
    assert list(md.keys()) == ["a", "b"] and "b" in md and len(list(md.parameters())) == 2
    pl = nn.ParameterList([bibun.zeros(2)])
    assert isinstance(pl[0], nn.Parameter) and len(list(pl.parameters())) == 1
    pd = nn.ParameterDict({"x": bibun.zeros(1)})
    assert isinstance(pd["x"], nn.Parameter) and [n for n, _ in pd.named_parameters()] == ["x"]


# --- layers and losses ----------------------------------------------------------------------------

def test_linear_init_distribution_matches_torch():
    bibun.manual_seed(0)
    m = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert np.abs(b).max() <= bound
    assert m.weight.dtype == bibun.float32 and nn.Linear(2, 2, dtype=bibun.float64).weight.dtype == bibun.float64


def test_flatten_unflatten_identity_shapes(torch):
    x = np.arange(24.0).reshape(2, 3, 4)
    for make in [lambda nn: nn.Flatten(), lambda nn: nn.Flatten(0, 1), lambda nn: nn.Identity()]:
        assert tuple(make(nn)(bibun.tensor(x)).shape) == tuple(make(torch.nn)(torch.tensor(x)).shape)
    assert tuple(nn.Unflatten(1, (2, 2))(bibun.zeros(3, 4)).shape) == (3, 2, 2)
    assert tuple(nn.Unflatten(-1, (2, 2))(bibun.zeros(3, 4)).shape) == (3, 2, 2)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_modules_match_functional_torch(torch, reduction):
    rng = np.random.RandomState(1)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    p, q = rng.uniform(0.1, 0.9, (4, 3)), rng.uniform(0, 1, (4, 3))
    labels = np.array([0, 2, 1, 2])
    cases = [
        ("MSELoss", x, y), ("L1Loss", x, y), ("BCELoss", p, q), ("BCEWithLogitsLoss", x, q),
        ("CrossEntropyLoss", x, labels), ("NLLLoss", x, labels),
    ]
    for name, a, b in cases:
        got = getattr(nn, name)(reduction=reduction)(bibun.tensor(a), bibun.tensor(b))
        want = getattr(torch.nn, name)(reduction=reduction)(torch.tensor(a), torch.tensor(b))
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, err_msg=name)


def test_activation_modules_match_torch(torch):
    x = np.random.RandomState(2).standard_normal((3, 4))
    for make in [lambda nn: nn.ReLU(), lambda nn: nn.Sigmoid(), lambda nn: nn.Tanh(), lambda nn: nn.Softmax(1),
                 lambda nn: nn.LogSoftmax(dim=0), lambda nn: nn.CELU(0.5)]:
        got = make(nn)(bibun.tensor(x)).numpy()
        want = make(torch.nn)(torch.tensor(x)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)


# --- init and utils -------------------------------------------------------------------------------

def test_init_functions_fill_with_torch_distributions(torch):
    bibun.manual_seed(0)
    w = bibun.empty(300, 200)
    assert nn.init.xavier_uniform_(w) is w
    a = math.sqrt(6 / 500)
    assert np.abs(w.numpy()).max() <= a and abs(w.numpy().std() - a / math.sqrt(3)) < 0.02 * a
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.numpy().std() - math.sqrt(2 / 200)) < 0.02 * math.sqrt(2 / 200)
    nn.init.xavier_normal_(w, gain=2.0)
    assert abs(w.numpy().std() - 2 * math.sqrt(2 / 500)) < 0.04 * math.sqrt(2 / 500)
    nn.init.constant_(w, 0.5)
    assert (w.numpy() == 0.5).all()
    nn.init.eye_(w)
    np.testing.assert_array_equal(w.numpy(), np.eye(300, 200))
    nn.init.zeros_(w)
    nn.init.ones_(w)
    assert (w.numpy() == 1).all()
    for args in [("relu",), ("tanh",), ("leaky_relu", 0.2), ("selu",), ("linear",)]:
        assert nn.init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)
    p = nn.Parameter(bibun.zeros(3, 3))
    nn.init.normal_(p)  # under no_grad, as PyTorch's init does
    assert p.requires_grad and p.grad_fn is None


def test_clip_grad_norm_value_and_parameters_to_vector_match_torch(torch):
    def run(lib):
        m = lib.nn.Linear(3, 2)
        sd = {"weight": lib.tensor(np.arange(6.0).reshape(2, 3)), "bias": lib.tensor([1.0, -1.0])}
        m.load_state_dict(sd)
        m(lib.ones(4, 3) * 3).pow(2).sum().backward()
        norm = lib.nn.utils.clip_grad_norm_(m.parameters(), 1.5)
        grads = [p.grad.numpy().copy() for p in m.parameters()]
        lib.nn.utils.clip_grad_value_(m.parameters(), 0.1)
        clipped = [p.grad.numpy().copy() for p in m.parameters()]
        vec = lib.nn.utils.parameters_to_vector(m.parameters())
        return norm.item(), grads, clipped, vec.detach().numpy()

    b, t = run(bibun), run(torch)
    np.testing.assert_allclose(b[0], t[0], rtol=1e-6)
    for gb, gt in zip(b[1] + b[2], t[1] + t[2]):
        np.testing.assert_allclose(gb, gt, rtol=1e-5)
    np.testing.assert_allclose(b[3], t[3], rtol=1e-6)


# --- a small MLP, identical weights ---------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mlp_forward_and_cross_entropy_gradients_match_torch(torch, dtype):
    rng = np.random.RandomState(5)
    x = rng.standard_normal((8, 6))
    labels = rng.randint(0, 3, 8)
    t_model = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    b_model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
    t_model.to(getattr(torch, dtype))
    b_model.to(getattr(bibun, dtype))
    b_model.load_state_dict({k: bibun.tensor(v.detach().numpy()) for k, v in t_model.state_dict().items()})

    t_out = t_model(torch.tensor(x, dtype=getattr(torch, dtype)))
    b_out = b_model(bibun.tensor(x, dtype=getattr(bibun, dtype)))
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(b_out.detach().numpy(), t_out.detach().numpy(), rtol=tol, atol=tol)
    t_loss = torch.nn.functional.cross_entropy(t_out, torch.tensor(labels))
    b_loss = nn.functional.cross_entropy(b_out, bibun.tensor(labels))
    np.testing.assert_allclose(b_loss.item(), t_loss.item(), rtol=tol)
    t_loss.backward()
    b_loss.backward()
    for (name, bp), (_, tp) in zip(b_model.named_parameters(), t_model.named_parameters()):
        np.testing.assert_allclose(bp.grad.numpy(), tp.grad.numpy(), rtol=tol, atol=tol, err_msg=name)
