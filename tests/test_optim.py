"""bibun.optim against torch.optim: the same model, data and initial weights give the same trajectory.

Every optimizer runs 50 steps on a small MLP under both libraries; parameters are compared after
every step (1e-5 for float32, 1e-10 for float64). State dicts, param groups, zero_grad, closures and
the hyperparameter errors are checked against PyTorch too.
"""

from __future__ import annotations

import copy

import bibun
import bibun.optim
import numpy as np
import pytest

TOL = {"float32": 1e-5, "float64": 1e-10}

CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.05}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.5, "amsgrad": True}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.05}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.005, "centered": True}),
    ("RMSprop", {"lr": 0.005, "centered": True, "momentum": 0.5, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.01}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6, "maximize": True}),
]


def case_id(case) -> str:
    name, kw = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in kw.items())


def mlp(lib, dtype: str):
    model = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.Linear(8, 3))
    return model.double() if dtype == "float64" else model


def make_models(torch, dtype: str, seed: int = 0):
    """A torch MLP and a bibun MLP with the same weights."""
    torch.manual_seed(seed)
    t_model = mlp(torch, dtype)
    b_model = mlp(bibun, dtype)
    b_model.load_state_dict({k: bibun.tensor(v.detach().numpy()) for k, v in t_model.state_dict().items()})
    return t_model, b_model


def make_data(dtype: str, seed: int = 1):
    rng = np.random.RandomState(seed)
    return rng.randn(16, 4).astype(dtype), rng.randn(16, 3).astype(dtype)


def loss_of(lib, model, x, y, sign: float = 1.0):
    return ((model(lib.tensor(x)) - lib.tensor(y)) ** 2).mean() * sign


def train_step(lib, model, opt, x, y):
    # A maximizing optimizer climbs the negated loss, so every run converges.
    opt.zero_grad()
    loss = loss_of(lib, model, x, y, -1.0 if opt.param_groups[0].get("maximize") else 1.0)
    loss.backward()
    opt.step()
    return loss


def assert_params_match(t_model, b_model, tol: float) -> None:
    for (name, tp), (_, bp) in zip(t_model.named_parameters(), b_model.named_parameters()):
        np.testing.assert_allclose(
            np.array(bp.detach().numpy()), tp.detach().numpy(), rtol=0, atol=tol, err_msg=name
        )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_trajectory_matches_torch_for_50_steps(torch, case, dtype):
    name, kw = case
    t_model, b_model = make_models(torch, dtype)
    t_opt = getattr(torch.optim, name)(t_model.parameters(), **kw)
    b_opt = getattr(bibun.optim, name)(b_model.parameters(), **kw)
    for _ in range(50):
        x, y = make_data(dtype)
        train_step(torch, t_model, t_opt, x, y)
        train_step(bibun, b_model, b_opt, x, y)
        assert_params_match(t_model, b_model, TOL[dtype])


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_state_dict_has_torch_structure(torch, case):
    name, kw = case
    t_model, b_model = make_models(torch, "float32")
    t_opt = getattr(torch.optim, name)(t_model.parameters(), **kw)
    b_opt = getattr(bibun.optim, name)(b_model.parameters(), **kw)
    x, y = make_data("float32")
    for _ in range(3):
        train_step(torch, t_model, t_opt, x, y)
        train_step(bibun, b_model, b_opt, x, y)
    t_sd, b_sd = t_opt.state_dict(), b_opt.state_dict()
    assert b_sd["param_groups"] == t_sd["param_groups"]
    assert list(b_sd["state"]) == list(t_sd["state"])
    for index, t_state in t_sd["state"].items():
        b_state = b_sd["state"][index]
        assert list(b_state) == list(t_state)
        for key, t_value in t_state.items():
            b_value = b_state[key]
            assert isinstance(b_value, bibun.Tensor)
            assert str(b_value.dtype) == str(t_value.dtype).replace("torch.", "bibun.")
            assert tuple(b_value.shape) == tuple(t_value.shape)
            np.testing.assert_allclose(np.array(b_value.numpy()), t_value.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_state_dict_round_trip_continues_the_uninterrupted_run(case):
    name, kw = case
    x, y = make_data("float64")
    bibun.manual_seed(3)
    model = mlp(bibun, "float64")
    opt = getattr(bibun.optim, name)(model.parameters(), **kw)
    for _ in range(10):
        train_step(bibun, model, opt, x, y)
    saved_weights = copy.deepcopy(model.state_dict())
    saved = copy.deepcopy(opt.state_dict())
    for _ in range(10):
        train_step(bibun, model, opt, x, y)

    resumed = mlp(bibun, "float64")
    resumed.load_state_dict(saved_weights)
    resumed_opt = getattr(bibun.optim, name)(resumed.parameters(), **kw)
    resumed_opt.load_state_dict(saved)
    for _ in range(10):
        train_step(bibun, resumed, resumed_opt, x, y)
    for a, b in zip(model.parameters(), resumed.parameters()):
        np.testing.assert_array_equal(np.array(a.detach().numpy()), np.array(b.detach().numpy()))


def test_load_state_dict_casts_state_to_the_parameter_dtype_but_keeps_step(torch):
    p = bibun.nn.Parameter(bibun.ones(3, dtype=bibun.float64))
    p.grad = bibun.ones(3, dtype=bibun.float64)
    opt = bibun.optim.Adam([p])
    opt.step()
    sd = opt.state_dict()
    sd = {"state": {0: {k: v.float() for k, v in sd["state"][0].items()}}, "param_groups": sd["param_groups"]}
    opt.load_state_dict(sd)
    state = opt.state[p]
    assert state["exp_avg"].dtype == bibun.float64
    assert state["step"].dtype == bibun.float32


def test_load_state_dict_errors_match_torch(torch):
    def errors(lib):
        a, b = lib.zeros(2, requires_grad=True), lib.zeros(2, requires_grad=True)
        one_group = lib.optim.SGD([a, b], lr=0.1)
        two_groups = lib.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
        messages = []
        for target, source in ((one_group, two_groups), (lib.optim.SGD([a], lr=0.1), one_group)):
            with pytest.raises(ValueError) as info:
                target.load_state_dict(source.state_dict())
            messages.append(str(info.value))
        return messages

    assert errors(bibun) == errors(torch)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_param_groups_with_different_lr_match_torch(torch, name, dtype):
    t_model, b_model = make_models(torch, dtype)
    kw = {"momentum": 0.9} if name == "SGD" else {}

    def groups(model):
        return [{"params": model[0].parameters(), "lr": 0.05}, {"params": model[2].parameters()}]

    t_opt = getattr(torch.optim, name)(groups(t_model), lr=0.01, **kw)
    b_opt = getattr(bibun.optim, name)(groups(b_model), lr=0.01, **kw)
    assert [g["lr"] for g in b_opt.param_groups] == [0.05, 0.01]
    for _ in range(20):
        x, y = make_data(dtype)
        train_step(torch, t_model, t_opt, x, y)
        train_step(bibun, b_model, b_opt, x, y)
        assert_params_match(t_model, b_model, TOL[dtype])
    assert b_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_add_param_group_matches_torch(torch, name):
    t_model, b_model = make_models(torch, "float64")
    t_opt = getattr(torch.optim, name)(t_model[0].parameters(), lr=0.01)
    b_opt = getattr(bibun.optim, name)(b_model[0].parameters(), lr=0.01)
    x, y = make_data("float64")
    for step in range(20):
        if step == 5:
            t_opt.add_param_group({"params": t_model[2].parameters(), "lr": 0.03})
            b_opt.add_param_group({"params": b_model[2].parameters(), "lr": 0.03})
        train_step(torch, t_model, t_opt, x, y)
        train_step(bibun, b_model, b_opt, x, y)
        assert_params_match(t_model, b_model, TOL["float64"])
    assert b_opt.state_dict()["param_groups"] == t_opt.state_dict()["param_groups"]


def test_add_param_group_errors_match_torch(torch):
    def errors(lib):
        a = lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([a], lr=0.1)
        messages = []
        for group, exc in (
            ({"params": [a]}, ValueError),
            ({"params": {a}}, TypeError),
            ({"params": [a * 2]}, ValueError),
            ({"params": [1.0]}, TypeError),
            ([a], TypeError),
        ):
            with pytest.raises(exc) as info:
                opt.add_param_group(group)
            messages.append(str(info.value))
        return messages

    assert [m.replace("torch", "bibun") for m in errors(torch)] == [
        m.replace("bibun", "bibun") for m in errors(bibun)
    ]


def test_constructor_errors_match_torch(torch):
    def errors(lib):
        a = lib.zeros(2, requires_grad=True)
        messages = []
        for make, exc in (
            (lambda: lib.optim.SGD([], lr=0.1), ValueError),
            (lambda: lib.optim.SGD(a, lr=0.1), TypeError),
            (lambda: lib.optim.SGD([{"params": [a]}, {"params": [a]}], lr=0.1), ValueError),
        ):
            with pytest.raises(exc) as info:
                make()
            messages.append(str(info.value))
        return messages

    assert [m.replace("torch", "bibun") for m in errors(torch)] == errors(bibun)


INVALID = [
    ("SGD", {"lr": -1.0}),
    ("SGD", {"lr": 0.1, "momentum": -0.5}),
    ("SGD", {"lr": 0.1, "weight_decay": -1e-3}),
    ("SGD", {"lr": 0.1, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}),
    ("Adam", {"lr": -0.01}),
    ("Adam", {"eps": -1e-8}),
    ("Adam", {"betas": (1.0, 0.999)}),
    ("Adam", {"betas": (0.9, -0.1)}),
    ("Adam", {"weight_decay": -0.1}),
    ("AdamW", {"lr": -1.0}),
    ("AdamW", {"betas": (0.9, 1.5)}),
    ("RMSprop", {"lr": -1.0}),
    ("RMSprop", {"eps": -1.0}),
    ("RMSprop", {"momentum": -1.0}),
    ("RMSprop", {"weight_decay": -1.0}),
    ("RMSprop", {"alpha": -0.5}),
    ("Adagrad", {"lr": -1.0}),
    ("Adagrad", {"lr_decay": -1.0}),
    ("Adagrad", {"weight_decay": -1.0}),
    ("Adagrad", {"initial_accumulator_value": -1.0}),
    ("Adagrad", {"eps": -1.0}),
]


@pytest.mark.parametrize("case", INVALID, ids=case_id)
def test_invalid_hyperparameters_raise_torch_errors(torch, case):
    name, kw = case
    with pytest.raises(ValueError) as t_info:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kw)
    with pytest.raises(ValueError, match=None) as b_info:
        getattr(bibun.optim, name)([bibun.zeros(2, requires_grad=True)], **kw)
    assert str(b_info.value) == str(t_info.value)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_sets_none_or_zeros(torch, set_to_none):
    for lib in (bibun, torch):
        a = lib.ones(3, requires_grad=True)
        (a * 2).sum().backward()
        grad = a.grad
        opt = lib.optim.SGD([a], lr=0.1)
        opt.zero_grad(set_to_none=set_to_none)
        if set_to_none:
            assert a.grad is None
        else:
            assert a.grad is grad
            assert a.grad.tolist() == [0.0, 0.0, 0.0]
            assert not a.grad.requires_grad


def test_zero_grad_defaults_to_set_to_none():
    a = bibun.ones(3, requires_grad=True)
    a.sum().backward()
    bibun.optim.Adam([a]).zero_grad()
    assert a.grad is None


def test_params_without_grad_are_skipped_and_get_no_state(torch):
    for lib in (bibun, torch):
        a, b = lib.ones(2, requires_grad=True), lib.ones(2, requires_grad=True)
        opt = lib.optim.Adam([a, b], lr=0.1)
        a.sum().backward()
        opt.step()
        assert b.tolist() == [1.0, 1.0]
        assert list(opt.state_dict()["state"]) == [0]


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_step_with_closure_returns_its_loss_and_matches_torch(torch, name):
    t_model, b_model = make_models(torch, "float64")
    t_opt = getattr(torch.optim, name)(t_model.parameters(), lr=0.01)
    b_opt = getattr(bibun.optim, name)(b_model.parameters(), lr=0.01)
    x, y = make_data("float64")

    def closure_for(lib, model, opt):
        def closure():
            opt.zero_grad()
            loss = loss_of(lib, model, x, y)
            loss.backward()
            return loss

        return closure

    for _ in range(5):
        t_loss = t_opt.step(closure_for(torch, t_model, t_opt))
        b_loss = b_opt.step(closure_for(bibun, b_model, b_opt))
        assert abs(b_loss.item() - t_loss.item()) < 1e-10
    assert_params_match(t_model, b_model, TOL["float64"])
    assert b_opt.step() is None


def test_closure_runs_with_grad_enabled_even_under_no_grad():
    a = bibun.ones(2, requires_grad=True)
    opt = bibun.optim.SGD([a], lr=0.5)

    def closure():
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss

    with bibun.no_grad():
        opt.step(closure)
    assert a.tolist() == [0.0, 0.0]


def test_step_bumps_versions_and_records_no_history():
    a = bibun.ones(3, requires_grad=True)
    (a * a).sum().backward()
    opt = bibun.optim.Adam([a], lr=0.1)
    before = a._version
    opt.step()
    assert a._version == before + 1
    assert a.grad_fn is None and a.is_leaf and a.requires_grad
    assert opt.state[a]["step"].item() == 1.0
    assert opt.state[a]["step"].dtype == bibun.float32 and opt.state[a]["step"].dim() == 0


def test_step_invalidates_a_graph_that_saved_the_parameter():
    a = bibun.ones(3, requires_grad=True)
    y = (a * a).sum()
    a.grad = bibun.ones(3)
    bibun.optim.SGD([a], lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_non_contiguous_parameters_and_grads_update_like_torch(torch):
    w = np.random.RandomState(0).randn(3, 4)
    g = np.random.RandomState(1).randn(4, 3)
    results = []
    for lib in (bibun, torch):
        base = lib.tensor(w.T.tolist(), dtype=lib.float64)
        p = base.t().detach().requires_grad_(True)
        p.grad = lib.tensor(g.tolist(), dtype=lib.float64).t()
        opt = lib.optim.Adam([p], lr=0.1, amsgrad=True)
        for _ in range(3):
            opt.step()
        results.append(np.array(p.detach().tolist()))
    np.testing.assert_allclose(results[0], results[1], rtol=0, atol=1e-12)


def test_repr_matches_torch(torch):
    t_opt = torch.optim.Adam(
        [
            {"params": [torch.zeros(1, requires_grad=True)]},
            {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.1},
        ]
    )
    b_opt = bibun.optim.Adam(
        [
            {"params": [bibun.zeros(1, requires_grad=True)]},
            {"params": [bibun.zeros(1, requires_grad=True)], "lr": 0.1},
        ]
    )
    assert repr(b_opt) == repr(t_opt)
