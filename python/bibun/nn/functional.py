"""bibun.nn.functional: losses and activations as functions."""

from __future__ import annotations

from bibun import _C

Tensor = _C.Tensor

_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


def _reduction_enum(reduction: str, size_average: bool | None = None, reduce: bool | None = None) -> int:
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _REDUCTIONS[reduction]


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross entropy between ``target`` and ``sigmoid(input)``, computed stably from logits."""
    return _C._binary_cross_entropy_with_logits(
        input, target, weight, pos_weight, _reduction_enum(reduction, size_average, reduce)
    )


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(input))``, computed stably."""
    return _C._log_sigmoid(input)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """Rectified linear unit, ``max(input, 0)``."""
    if inplace:
        return input.copy_(input.relu())
    return input.relu()


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Continuously differentiable ELU: ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    result = input._celu(alpha)
    return input.copy_(result) if inplace else result


def sigmoid(input: Tensor) -> Tensor:
    """Logistic sigmoid."""
    return input.sigmoid()


# --- softmax family, losses, linear and dropout (ops/nn_ops.cpp) ------------------------------------


def _get_softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    import warnings

    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """Softmax over ``dim``: ``exp(x) / exp(x).sum(dim)``, computed with the maximum subtracted."""
    if dim is None:
        dim = _get_softmax_dim("softmax", input.dim(), _stacklevel)
    return input.softmax(dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``log(softmax(input, dim))``, computed stably (``x - logsumexp(x, dim)``)."""
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.dim(), _stacklevel)
    return input.log_softmax(dim, dtype=dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``softmax(-input, dim)``."""
    if dim is None:
        dim = _get_softmax_dim("softmin", input.dim(), _stacklevel)
    return (-input).softmax(dim, dtype=dtype)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return input.tanh()


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log likelihood of class-index ``target`` under log-probabilities ``input`` of shape
    ``(C)`` or ``(N, C)``. Inputs with more dimensions (``(N, C, d1, ...)``) are not supported yet."""
    return _C._nll_loss(input, target, weight, _reduction_enum(reduction, size_average, reduce), ignore_index)


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy between logits ``input`` and ``target``: ``nll_loss(log_softmax(input, 1), target)``
    for class indices (the graph shows ``NllLossBackward0`` over ``LogSoftmaxBackward0``), or
    ``-(log_softmax(input, 1) * target).sum(1)`` reduced for class probabilities.
    ``label_smoothing`` other than 0 is not supported yet."""
    if label_smoothing != 0.0:
        raise NotImplementedError("bibun's cross_entropy supports label_smoothing=0.0 only")
    red = _reduction_enum(reduction, size_average, reduce)
    class_dim = 0 if input.dim() == 1 else 1
    logp = input.log_softmax(class_dim)
    if target.is_floating_point():
        if target.shape != input.shape:
            raise RuntimeError(
                f"Expected target size {list(input.shape)}, got {list(target.shape)}"
            )
        prod = logp * target if weight is None else logp * target * _class_weight(weight, input.dim(), class_dim)
        losses = -prod.sum(class_dim)
        if red == 0:
            return losses
        if red == 2:
            return losses.sum()
        return losses.sum() / (input.numel() // input.shape[class_dim])
    return _C._nll_loss(logp, target, weight, red, ignore_index)


def _class_weight(weight: Tensor, ndim: int, class_dim: int) -> Tensor:
    return weight if ndim == 1 else weight.view([weight.numel() if d == class_dim else 1 for d in range(ndim)])


def _broadcast_shapes(a, b) -> tuple:
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + tuple(a)
    b = (1,) * (n - len(b)) + tuple(b)
    out = []
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton dimension {i}"
            )
        out.append(y if x == 1 else x)
    return tuple(out)


def _broadcast_pair(input: Tensor, target: Tensor, name: str):
    if target.shape != input.shape:
        import warnings

        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size ({input.size()}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            stacklevel=3,
        )
        shape = _broadcast_shapes(input.shape, target.shape)
        if input.shape != shape:
            input = input.expand(shape)
        if target.shape != shape:
            target = target.expand(shape)
    return input, target


def _weighted_loss(loss: Tensor, weight: Tensor, input: Tensor, red: int) -> Tensor:
    """PyTorch's per-element ``weight`` for mse/l1: the mean divides by the sum of the weights."""
    if weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    weighted = loss * weight
    return weighted if red == 0 else (weighted.sum() if red == 2 else weighted.sum() / weight.sum())


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean squared error, ``(input - target) ** 2`` reduced."""
    red = _reduction_enum(reduction, size_average, reduce)
    input, target = _broadcast_pair(input, target, "mse_loss")
    if weight is not None:
        return _weighted_loss((input - target).pow(2), weight, input, red)
    return _C._mse_loss(input, target, red)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean absolute error, ``(input - target).abs()`` reduced (composed as PyTorch does)."""
    red = _reduction_enum(reduction, size_average, reduce)
    input, target = _broadcast_pair(input, target, "l1_loss")
    loss = (input - target).abs()
    if weight is not None:
        return _weighted_loss(loss, weight, input, red)
    return loss if red == 0 else (loss.sum() if red == 2 else loss.mean())


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross entropy between probabilities ``input`` and ``target`` (logs clamped at -100)."""
    red = _reduction_enum(reduction, size_average, reduce)
    if target.size() != input.size():
        raise ValueError(
            f"Using a target size ({target.size()}) that is different to the input size ({input.size()}) is "
            "deprecated. Please ensure they have the same size."
        )
    if weight is not None:
        shape = _broadcast_shapes(target.shape, weight.shape)
        if weight.shape != shape:
            weight = weight.expand(shape)
    return _C._binary_cross_entropy(input, target, weight, red)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` (``AddmmBackward0`` for a 2-D input with a bias, as in PyTorch)."""
    return _C._linear(input, weight, bias)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zeroes each element with probability ``p`` and scales the rest by ``1 / (1 - p)`` while ``training``.

    As PyTorch on the CPU: the mask is drawn from bibun's generator and multiplied in (``MulBackward0``);
    ``p == 0`` or ``training=False`` returns ``input`` itself."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0.0 or not training or input.numel() == 0:
        return input
    import bibun

    if p == 1.0:
        noise = bibun.zeros((), dtype=input.dtype)
    else:
        noise = (bibun.rand(input.shape, dtype=input.dtype) < (1.0 - p)).to(input.dtype)
        noise.div_(1.0 - p)
    return input.mul_(noise) if inplace else input * noise


from bibun.nn._conv_functional import *  # noqa: E402,F403  (conv, pooling, batch norm)
