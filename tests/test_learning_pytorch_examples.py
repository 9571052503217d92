"""The kinds of scripts in PyTorch's "Learning PyTorch with Examples" tutorial, in our own words, run
under bibun: fit a cubic polynomial to sin(x) on [-pi, pi] with (1) tensors and hand-written
gradients, (2) autograd, (3) a custom autograd.Function, (4) nn.Sequential + MSELoss(reduction='sum')
with manual updates under no_grad, (5) an optimizer, (6) a custom Module whose forward repeats a
layer a random number of times. Each checks that the loss falls and that bibun follows PyTorch's
trajectory from the same start (the random layer counts are drawn from one seeded stream for both)."""

from __future__ import annotations

import math
import random

import bibun
import numpy as np
import pytest

START = (0.3, -0.5, 0.2, 0.1)  # a, b, c, d of y = a + b x + c x^2 + d x^3


def sample(lib, n: int = 500):
    x = lib.linspace(-math.pi, math.pi, n, dtype=lib.float64)
    return x, lib.sin(x)


def fit_with_manual_gradients(lib, steps: int = 300, lr: float = 1e-5):
    x, y = sample(lib)
    a, b, c, d = (lib.tensor(v, dtype=lib.float64) for v in START)
    losses = []
    for _ in range(steps):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        grad_y_pred = 2.0 * (y_pred - y)
        a = a - lr * grad_y_pred.sum()
        b = b - lr * (grad_y_pred * x).sum()
        c = c - lr * (grad_y_pred * x**2).sum()
        d = d - lr * (grad_y_pred * x**3).sum()
    return losses


def fit_with_autograd(lib, steps: int = 300, lr: float = 1e-5):
    x, y = sample(lib)
    params = [lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in START]
    losses = []
    for _ in range(steps):
        a, b, c, d = params
        loss = (a + b * x + c * x**2 + d * x**3 - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
    return losses


def legendre3(lib):
    class LegendrePolynomial3(lib.autograd.Function):
        """P3(t) = (5 t^3 - 3 t) / 2 with its derivative 1.5 (5 t^2 - 1) written by hand."""

        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return 0.5 * (5 * t**3 - 3 * t)

        @staticmethod
        def backward(ctx, grad_output):
            (t,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * t**2 - 1)

    return LegendrePolynomial3


def fit_with_custom_function(lib, steps: int = 300, lr: float = 5e-6):
    x, y = sample(lib)
    p3 = legendre3(lib).apply
    a, b, c, d = (lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3))
    losses = []
    for _ in range(steps):
        loss = (a + b * p3(c + d * x) - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with lib.no_grad():
            for p in (a, b, c, d):
                p -= lr * p.grad
                p.grad = None
    return losses


def polynomial_model(lib):
    model = lib.nn.Sequential(lib.nn.Linear(3, 1), lib.nn.Flatten(0, 1)).double()
    with lib.no_grad():
        model[0].weight.copy_(lib.tensor([START[1:]], dtype=lib.float64))
        model[0].bias.fill_(START[0])
    return model


def features(lib):
    x, y = sample(lib)
    powers = lib.tensor([1, 2, 3])
    return x.unsqueeze(-1).pow(powers), y


def fit_with_nn(lib, steps: int = 300, lr: float = 1e-5):
    xx, y = features(lib)
    model = polynomial_model(lib)
    loss_fn = lib.nn.MSELoss(reduction="sum")
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(xx), y)
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with lib.no_grad():
            for param in model.parameters():
                param -= lr * param.grad
    return losses


def fit_with_optimizer(lib, steps: int = 150, lr: float = 3e-3):
    # RMSprop divides by a running RMS of the gradient, so once a gradient nears zero the last-bit
    # differences of two libraries grow without bound: 150 steps stay before that point.
    xx, y = features(lib)
    model = polynomial_model(lib)
    loss_fn = lib.nn.MSELoss(reduction="sum")
    optimizer = lib.optim.RMSprop(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(xx), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses


def dynamic_net(lib, draw):
    class DynamicNet(lib.nn.Module):
        """A cubic plus a quartic-and-up term whose count is drawn anew on every forward pass; the
        higher-order terms share one weight ``e``."""

        def __init__(self):
            super().__init__()
            self.a, self.b, self.c, self.d = (lib.nn.Parameter(lib.tensor(v, dtype=lib.float64)) for v in START)
            self.e = lib.nn.Parameter(lib.tensor(0.0, dtype=lib.float64))

        def forward(self, x):
            y = self.a + self.b * x + self.c * x**2 + self.d * x**3
            for exp in range(4, draw(4, 6)):
                y = y + self.e * x**exp
            return y

    return DynamicNet()


def fit_dynamic_net(lib, steps: int = 200, lr: float = 1e-7):
    draws = random.Random(0)
    x, y = sample(lib)
    model = dynamic_net(lib, draws.randint)
    loss_fn = lib.nn.MSELoss(reduction="sum")
    optimizer = lib.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(x), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses


SCRIPTS = [fit_with_manual_gradients, fit_with_autograd, fit_with_custom_function, fit_with_nn,
           fit_with_optimizer, fit_dynamic_net]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda f: f.__name__)
def test_script_loss_falls_under_bibun(script):
    losses = script(bibun)
    assert all(math.isfinite(v) for v in losses)
    assert losses[-1] < 0.5 * losses[0], (losses[0], losses[-1])


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda f: f.__name__)
def test_script_follows_torch_trajectory(torch, script):
    np.testing.assert_allclose(script(bibun), script(torch), rtol=1e-9, atol=1e-9)


def test_dynamic_net_repr_and_parameters_match_torch(torch):
    b, t = dynamic_net(bibun, random.randint), dynamic_net(torch, random.randint)
    assert repr(b) == repr(t)
    assert [n for n, _ in b.named_parameters()] == [n for n, _ in t.named_parameters()] == list("abcde")
