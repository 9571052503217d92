"""bibun.optim.lr_scheduler against torch.optim.lr_scheduler: the same lr sequences over 30 epochs."""

from __future__ import annotations

import warnings

import bibun
import bibun.optim
import pytest

EPOCHS = 30


def make_optimizer(lib, lrs=(0.1,), name="SGD"):
    groups = [{"params": [lib.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    return getattr(lib.optim, name)(groups, lr=lrs[0])


SCHEDULERS = [
    ("StepLR", lambda lib: {"step_size": 7}),
    ("StepLR", lambda lib: {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", lambda lib: {"milestones": [5, 12, 12, 20], "gamma": 0.3}),
    ("ExponentialLR", lambda lib: {"gamma": 0.9}),
    ("CosineAnnealingLR", lambda lib: {"T_max": 10}),
    ("CosineAnnealingLR", lambda lib: {"T_max": 7, "eta_min": 0.01}),
    ("LambdaLR", lambda lib: {"lr_lambda": lambda epoch: 0.95**epoch + 0.01 * epoch}),
    ("LambdaLR", lambda lib: {"lr_lambda": [lambda e: 1 / (e + 1), lambda e: 0.5 if e % 2 else 1.0]}),
]


def sched_id(case) -> str:
    name, kw = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in kw(None).items() if k != "lr_lambda")


def lr_sequence(lib, name, kw, epochs=EPOCHS, opt_name="SGD"):
    opt = make_optimizer(lib, (0.1, 0.03), opt_name)
    sched = getattr(lib.optim.lr_scheduler, name)(opt, **kw(lib))
    seq = [(sched.last_epoch, sched.get_last_lr(), [g["lr"] for g in opt.param_groups])]
    for _ in range(epochs):
        opt.step()
        sched.step()
        seq.append((sched.last_epoch, sched.get_last_lr(), [g["lr"] for g in opt.param_groups]))
    return seq, sched


@pytest.mark.parametrize("case", SCHEDULERS, ids=sched_id)
def test_lr_sequence_matches_torch_over_30_epochs(torch, case):
    name, kw = case
    b_seq, _ = lr_sequence(bibun, name, kw)
    t_seq, _ = lr_sequence(torch, name, kw)
    assert b_seq == t_seq


@pytest.mark.parametrize("case", SCHEDULERS, ids=sched_id)
def test_scheduler_state_dict_round_trip_matches_torch(torch, case):
    name, kw = case

    def run(lib):
        _seq, sched = lr_sequence(lib, name, kw, epochs=10)
        state = sched.state_dict()
        opt = make_optimizer(lib, (0.1, 0.03))
        opt.load_state_dict(sched.optimizer.state_dict())
        resumed = getattr(lib.optim.lr_scheduler, name)(opt, **kw(lib))
        resumed.load_state_dict(state)
        out = []
        for _ in range(10):
            opt.step()
            resumed.step()
            out.append(resumed.get_last_lr())
        keys = sorted(k for k in state if k not in ("lr_lambdas",))
        return out, keys

    b_out, b_keys = run(bibun)
    t_out, t_keys = run(torch)
    assert b_out == t_out
    assert b_keys == t_keys


@pytest.mark.parametrize("case", SCHEDULERS[:6], ids=sched_id)
def test_step_with_epoch_uses_closed_form_and_warns_like_torch(torch, case):
    name, kw = case

    def run(lib):
        opt = make_optimizer(lib, (0.1,))
        sched = getattr(lib.optim.lr_scheduler, name)(opt, **kw(lib))
        out = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for epoch in (3, 9, 4, 15):
                opt.step()
                sched.step(epoch)
                out.append((sched.last_epoch, sched.get_last_lr()))
        return out, [str(w.message) for w in caught]

    assert run(bibun) == run(torch)


def test_scheduler_before_optimizer_step_warns_like_torch(torch):
    def messages(lib):
        opt = make_optimizer(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=2)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sched.step()
        return [str(w.message) for w in caught]

    assert messages(bibun) == messages(torch)
    assert len(messages(bibun)) == 1


def test_initial_lr_is_recorded_and_resuming_requires_it(torch):
    opt = make_optimizer(bibun, (0.1, 0.2))
    bibun.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.2]

    def error(lib):
        with pytest.raises(KeyError) as info:
            lib.optim.lr_scheduler.StepLR(make_optimizer(lib), step_size=2, last_epoch=3)
        return str(info.value)

    assert error(bibun) == error(torch)


def test_scheduler_of_a_non_optimizer_raises_like_torch(torch):
    for lib in (bibun, torch):
        with pytest.raises(TypeError, match="^int is not an Optimizer$"):
            lib.optim.lr_scheduler.StepLR(3, step_size=2)
        with pytest.raises(TypeError, match="^int is not an Optimizer$"):
            lib.optim.lr_scheduler.ReduceLROnPlateau(3)


def test_lambda_lr_with_wrong_number_of_lambdas_raises_like_torch(torch):
    def error(lib):
        with pytest.raises(ValueError) as info:
            lib.optim.lr_scheduler.LambdaLR(make_optimizer(lib, (0.1, 0.2)), lr_lambda=[lambda e: 1.0])
        return str(info.value)

    assert error(bibun) == error(torch)


# A metric that improves, stalls, improves a little (below a relative threshold), then stalls.
METRICS = [
    1.0,
    0.9,
    0.8,
    0.8,
    0.8,
    0.8,
    0.79995,
    0.8,
    0.81,
    0.7,
    0.7,
    0.7,
    0.7,
    0.7,
    0.69,
    0.7,
    0.7,
    0.7,
    0.7,
    0.7,
    0.7,
    0.7,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
]

PLATEAU = [
    {},
    {"patience": 2},
    {"patience": 1, "factor": 0.5, "cooldown": 2},
    {"patience": 1, "threshold": 0.05, "threshold_mode": "abs"},
    {"mode": "max", "patience": 2, "factor": 0.3},
    {"mode": "max", "patience": 1, "threshold": 0.1, "threshold_mode": "abs", "min_lr": 0.005},
    {"patience": 0, "factor": 0.5, "min_lr": [0.02, 0.001]},
    {"patience": 0, "factor": 0.9, "eps": 0.01},
]


@pytest.mark.parametrize(
    "kw", PLATEAU, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()) or "default"
)
def test_reduce_lr_on_plateau_matches_torch(torch, kw):
    def run(lib):
        opt = make_optimizer(lib, (0.1, 0.03))
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
        out = [sched.get_last_lr()]
        for metric in METRICS:
            opt.step()
            sched.step(metric)
            out.append(
                (
                    sched.last_epoch,
                    sched.get_last_lr(),
                    sched.num_bad_epochs,
                    sched.best,
                    sched.cooldown_counter,
                )
            )
        state = sched.state_dict()
        return out, sorted(k for k in state if k != "optimizer"), state["best"]

    assert run(bibun) == run(torch)


def test_reduce_lr_on_plateau_state_dict_round_trip():
    opt = make_optimizer(bibun)
    sched = bibun.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=1)
    for metric in METRICS[:8]:
        sched.step(metric)
    fresh = bibun.optim.lr_scheduler.ReduceLROnPlateau(make_optimizer(bibun))
    fresh.load_state_dict(sched.state_dict())
    assert fresh.mode == "max" and fresh.best == sched.best and fresh.num_bad_epochs == sched.num_bad_epochs
    assert fresh.mode_worse == -float("inf")


def test_reduce_lr_on_plateau_errors_match_torch(torch):
    def errors(lib):
        messages = []
        for kw in ({"factor": 1.0}, {"mode": "up"}, {"threshold_mode": "pct"}, {"min_lr": [0.1, 0.2]}):
            with pytest.raises(ValueError) as info:
                lib.optim.lr_scheduler.ReduceLROnPlateau(make_optimizer(lib), **kw)
            messages.append(str(info.value))
        return messages

    assert errors(bibun) == errors(torch)


def test_scheduled_lr_drives_the_optimizer_like_torch(torch):
    import numpy as np

    def run(lib):
        p = lib.tensor([1.0, -2.0, 3.0], dtype=lib.float64, requires_grad=True)
        opt = lib.optim.SGD([p], lr=0.1, momentum=0.9)
        sched = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5)
        for _ in range(12):
            opt.zero_grad()
            (p * p).sum().backward()
            opt.step()
            sched.step()
        return np.array(p.detach().tolist())

    np.testing.assert_allclose(run(bibun), run(torch), rtol=0, atol=1e-12)
