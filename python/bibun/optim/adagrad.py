"""``bibun.optim.Adagrad``: the Adagrad algorithm, as torch.optim.Adagrad."""

from __future__ import annotations

from typing import Any

from bibun import _C
from bibun.optim.optimizer import Optimizer, _check_lr, _step_tensor, _to_float


class Adagrad(Optimizer):
    """Implements the Adagrad algorithm.

    Args:
        params (iterable): iterable of parameters or named_parameters to optimize or iterable of
            dicts defining parameter groups.
        lr (float, optional): learning rate (default: 1e-2)
        lr_decay (float, optional): learning rate decay (default: 0)
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0)
        initial_accumulator_value (float, optional): initial value of the sum of squares of
            gradients (default: 0)
        eps (float, optional): term added to the denominator to improve numerical stability
            (default: 1e-10)
        maximize (bool, optional): maximize the objective instead of minimizing (default: False)
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        # Adagrad creates its state up front, as PyTorch's does.
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p: Any) -> dict[str, Any]:
        import bibun

        state = self.state[p]
        if len(state) == 0:
            state["step"] = _step_tensor()
            state["sum"] = bibun.full_like(p, self.defaults["initial_accumulator_value"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("fused", None)

    def _update_group(self, group: dict[str, Any]) -> None:
        params, grads = self._params_with_grad(group)
        if not params:
            return
        state_sums, steps = [], []
        for p in params:
            # Parameters added by add_param_group get their state on their first step.
            state = self._init_state(p)
            state_sums.append(state["sum"])
            steps.append(state["step"])
        _C._optim_adagrad(
            params,
            grads,
            state_sums,
            steps,
            lr=_to_float(group["lr"]),
            lr_decay=_to_float(group["lr_decay"]),
            weight_decay=_to_float(group["weight_decay"]),
            eps=_to_float(group["eps"]),
            maximize=bool(group["maximize"]),
        )
