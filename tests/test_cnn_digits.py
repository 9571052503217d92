"""A small CNN (Conv2d + ReLU + MaxPool2d + Linear) on the digits shipped with bibun: its gradients
on a batch match PyTorch's from identical initial weights, its losses follow PyTorch's step by step,
and it learns to classify the digits under bibun alone."""

from __future__ import annotations

import bibun
import bibun.optim
import numpy as np
import pytest
from bibun.demo_train import load_digits


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits()
    return (x / 16.0).reshape(-1, 1, 8, 8).astype(np.float32), y


def cnn(lib, batch_norm: bool = False):
    nn = lib.nn
    layers = [nn.Conv2d(1, 8, 3, padding=1)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(8))
    layers += [nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2),
               nn.Flatten(), nn.Linear(16 * 2 * 2, 10)]
    return nn.Sequential(*layers)


def twin_models(torch, batch_norm: bool = False, seed: int = 0):
    """A torch CNN and a bibun CNN holding the same weights."""
    torch.manual_seed(seed)
    t_model = cnn(torch, batch_norm)
    b_model = cnn(bibun, batch_norm)
    b_model.load_state_dict({k: bibun.tensor(v.detach().numpy()) for k, v in t_model.state_dict().items()})
    return t_model, b_model


def test_cnn_repr_matches_torch(torch):
    assert repr(cnn(bibun, True)) == repr(cnn(torch, True))


@pytest.mark.parametrize("batch_norm", [False, True])
def test_cnn_gradients_on_a_batch_match_torch(torch, digits, batch_norm):
    x, y = digits
    t_model, b_model = twin_models(torch, batch_norm)
    xb, yb = x[:64], y[:64]
    t_loss = torch.nn.functional.cross_entropy(t_model(torch.tensor(xb)), torch.tensor(yb))
    b_loss = bibun.nn.functional.cross_entropy(b_model(bibun.tensor(xb)), bibun.tensor(yb))
    t_loss.backward()
    b_loss.backward()
    assert abs(b_loss.item() - t_loss.item()) < 1e-5
    for (name, bp), (_, tp) in zip(b_model.named_parameters(), t_model.named_parameters()):
        np.testing.assert_allclose(bp.grad.numpy(), tp.grad.numpy(), atol=1e-5, rtol=1e-4, err_msg=name)


@pytest.mark.parametrize("opt_name,kwargs,batch_norm", [
    ("SGD", {"lr": 0.1, "momentum": 0.9}, False),
    ("Adam", {"lr": 0.01}, True),
])
def test_cnn_losses_follow_torch_step_by_step(torch, digits, opt_name, kwargs, batch_norm):
    x, y = digits
    t_model, b_model = twin_models(torch, batch_norm, seed=1)
    t_opt = getattr(torch.optim, opt_name)(t_model.parameters(), **kwargs)
    b_opt = getattr(bibun.optim, opt_name)(b_model.parameters(), **kwargs)
    order = np.random.RandomState(0).permutation(len(x))
    for step in range(15):
        idx = order[step * 32:(step + 1) * 32]
        losses = []
        for lib, model, opt in ((torch, t_model, t_opt), (bibun, b_model, b_opt)):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(lib.tensor(x[idx])), lib.tensor(y[idx]))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert abs(losses[0] - losses[1]) <= 1e-4 * max(1.0, abs(losses[0])), f"step {step}: {losses}"


def test_cnn_learns_the_digits_under_bibun(digits):
    x, y = digits
    bibun.manual_seed(0)
    model = cnn(bibun)
    opt = bibun.optim.Adam(model.parameters(), lr=0.01)
    perm = np.random.RandomState(0).permutation(len(x))
    train, test = perm[:1500], perm[1500:]
    x_test, first_loss = bibun.tensor(x[test]), None
    for epoch in range(8):
        rng, epoch_losses = np.random.RandomState(epoch), []
        for batch in np.array_split(rng.permutation(train), len(train) // 50):
            opt.zero_grad()
            loss = bibun.nn.functional.cross_entropy(model(bibun.tensor(x[batch])), bibun.tensor(y[batch]))
            loss.backward()
            opt.step()
            epoch_losses.append(loss.item())
            first_loss = loss.item() if first_loss is None else first_loss
    model.eval()
    with bibun.no_grad():
        accuracy = (model(x_test).numpy().argmax(axis=1) == y[test]).mean()
    assert np.mean(epoch_losses) < first_loss / 4, (first_loss, epoch_losses)
    assert accuracy >= 0.93, accuracy
