"""bibun.nn.functional: losses and activations as functions."""

from __future__ import annotations

from bibun import _C

Tensor = _C.Tensor

_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}


def _no_grad_arg(fn: str, arg: str, t: Tensor | None) -> None:
    """PyTorch's error for a tensor argument without a derivative that requires grad."""
    if t is not None and t.requires_grad and _C.is_grad_enabled():
        raise RuntimeError(f"The function '{fn}' is not differentiable with respect to argument '{arg}'. "
                           "This input cannot have requires_grad True.")


def _apply_reduction(loss: Tensor, red: int) -> Tensor:
    """An elementwise loss reduced as ``_reduction_enum`` says: 0 none, 1 mean, 2 sum."""
    return loss if red == 0 else (loss.sum() if red == 2 else loss.mean())


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
    _no_grad_arg("binary_cross_entropy_with_logits", "weight", weight)
    _no_grad_arg("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    return _C._binary_cross_entropy_with_logits(
        input, target, weight, pos_weight, _reduction_enum(reduction, size_average, reduce)
    )


_C_TYPE_NAMES = {"int64": "Long", "int32": "Int", "bool": "Bool", "float32": "Float", "float64": "Double"}


def _require_floating(input: Tensor, kernel: str) -> None:
    if not input.is_floating_point():
        name = _C_TYPE_NAMES.get(str(input.dtype).rsplit(".", 1)[-1], str(input.dtype))
        raise NotImplementedError(f'"{kernel}" not implemented for \'{name}\'')


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(input))``, computed stably."""
    _require_floating(input, "log_sigmoid_cpu")
    return _C._log_sigmoid(input)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """Rectified linear unit, ``max(input, 0)``."""
    return input.relu_() if inplace else input.relu()


def relu_(input: Tensor) -> Tensor:
    """In-place :func:`relu`."""
    return input.relu_()


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(0, x), 6)`` (a ``hardtanh`` with bounds 0 and 6, as in PyTorch)."""
    return _C._nn_hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` for positive ``x``, else ``negative_slope * x``."""
    return _C._nn_leaky_relu(input, negative_slope, inplace)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place :func:`leaky_relu`."""
    return _C._nn_leaky_relu(input, negative_slope, True)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Exponential linear unit: ``x`` for positive ``x``, else ``alpha * (exp(x) - 1)``."""
    return _C._nn_elu(input, alpha, 1.0, 1.0, inplace)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`elu`."""
    return _C._nn_elu(input, alpha, 1.0, 1.0, True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """Scaled ELU with PyTorch's constants (``EluBackward0``)."""
    return _C._nn_selu(input, inplace)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Continuously differentiable ELU: ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return _C._nn_celu(input, alpha, inplace)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit, exact (``erf``) or with the ``'tanh'`` approximation."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _C._nn_gelu(input, approximate == "tanh")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (swish)."""
    return _C._nn_silu(input, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    return _C._nn_mish(input, inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``."""
    return _C._nn_softplus(input, beta, threshold)


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)`` (composed as PyTorch does: ``DivBackward0``)."""
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    return input - input.tanh()


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """Clamps to ``[min_val, max_val]`` (gradient zero at and beyond the bounds)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _C._nn_hardtanh(input, min_val, max_val, inplace)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place :func:`hardtanh`."""
    return hardtanh(input, min_val, max_val, True)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``."""
    return _C._nn_hardsigmoid(input, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``."""
    return _C._nn_hardswish(input, inplace)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``."""
    return _C._nn_threshold(input, threshold, value, inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place :func:`threshold`."""
    return _C._nn_threshold(input, threshold, value, True)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: ``a * sigmoid(b)`` with ``a, b`` the halves of ``input`` along ``dim``."""
    return _C._nn_glu(input, dim)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` for positive ``x``, else ``weight * x`` with one weight or one per channel (dim 1)."""
    return _C._nn_prelu(input, weight)


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
    ``(C)``, ``(N, C)`` or ``(N, C, d1, ...)``."""
    red = _reduction_enum(reduction, size_average, reduce)
    _no_grad_arg("nll_loss_forward", "weight", weight)
    out = _C._nll_loss(input, target, weight, red, ignore_index)
    if red == 0 and (input.dim() == 3 or input.dim() > 4):
        out = out.view(out.shape)  # PyTorch folds these through a 4-D nll_loss2d and views back
    return out


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
    """Cross entropy between logits ``input`` (``(C)``, ``(N, C)`` or ``(N, C, d1, ...)``) and ``target``:
    class indices (``nll_loss(log_softmax(input, 1), target)``, with ``ignore_index``) or class
    probabilities (``-(log_softmax(input, 1) * target).sum(1)``), with optional ``label_smoothing``."""
    red = _reduction_enum(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.dim() == 1 else 1
    n_classes = input.shape[class_dim]
    if target.shape == input.shape and not target.is_floating_point():
        name = _C_TYPE_NAMES.get(str(target.dtype).rsplit(".", 1)[-1], str(target.dtype))
        raise RuntimeError(f"Expected floating point type for target with class probabilities, got {name}")
    logp = input.log_softmax(class_dim)
    if target.is_floating_point():
        if target.shape != input.shape:
            raise RuntimeError(
                f"Expected floating point type for target with class probabilities, got {target.dtype}"
                if target.dim() != input.dim() else
                f"Expected target size {list(input.shape)}, got {list(target.shape)}"
            )
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        if label_smoothing > 0.0:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        prod = logp * target if weight is None else logp * target * _class_weight(weight, input.dim(), class_dim)
        if red == 0:
            return -prod.sum(class_dim)
        if red == 2:
            return -prod.sum()
        if input.numel() == 0:
            return -prod.sum() / 0.0
        return _C._div_scalar(-prod.sum(), input.numel() // n_classes)  # div.Scalar: DivBackward1
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction if red != 0 else "none")
    if label_smoothing == 0.0:
        return nll
    ignore_mask = target == ignore_index
    if weight is not None:
        smooth = -(logp * _class_weight(weight, input.dim(), class_dim)).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    smooth = smooth.masked_fill(ignore_mask, 0.0)
    if red == 1:
        if weight is not None:
            import bibun

            kept = bibun.where(ignore_mask, bibun.zeros((), dtype=target.dtype), target).reshape(-1)
            picked = weight.index_select(0, kept).masked_fill(ignore_mask.reshape(-1), 0.0)
            smooth = smooth.sum() / picked.sum()
        else:
            smooth = smooth.sum() / (~ignore_mask).sum()
    elif red == 2:
        smooth = smooth.sum()
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / n_classes)


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
    return _apply_reduction(loss, red)


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """``0.5 * d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta`` (``d = input - target``)."""
    red = _reduction_enum(reduction, size_average, reduce)
    input, target = _broadcast_pair(input, target, "smooth_l1_loss")
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction if size_average is None and reduce is None else
                       ("none", "mean", "sum")[red])
    return _C._smooth_l1_loss(input, target, red, float(beta))


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """``0.5 * d**2`` where ``|d| < delta``, else ``delta * (|d| - 0.5 * delta)``."""
    red = _reduction_enum(reduction)
    input, target = _broadcast_pair(input, target, "huber_loss")
    if weight is not None:
        return _weighted_loss(_C._huber_loss(input, target, 0, float(delta)), weight, input, red)
    return _C._huber_loss(input, target, red, float(delta))


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Kullback-Leibler divergence of ``target`` from log-probabilities ``input`` (``reduction`` may
    also be ``'batchmean'``: the sum divided by the batch size)."""
    if size_average is not None or reduce is not None:
        reduction = ("none", "mean", "sum")[_reduction_enum(reduction, size_average, reduce)]
    elif reduction == "mean":
        import warnings

        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if not input.is_floating_point() and not target.is_floating_point():
        raise RuntimeError("kl_div: Integral inputs not supported.")
    import bibun

    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = bibun.xlogy(target, target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.size(0) if input.dim() != 0 else loss.sum()
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum(x1 * x2, dim) / (max(|x1|, eps) * max(|x2|, eps))``, with the inputs broadcast."""
    shape = _broadcast_shapes(x1.shape, x2.shape)
    if x1.shape != shape:
        x1 = x1.expand(shape)
    if x2.shape != shape:
        x2 = x2.expand(shape)
    n1 = x1.norm(2, dim, keepdim=True).clamp(min=eps)
    n2 = x2.norm(2, dim, keepdim=True).clamp(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` over the last dim."""
    ndim = max(x1.dim(), x2.dim())
    return _C._norm_backward1(x1 - x2 + eps, p, ndim - 1, keepdim)  # at::norm: NormBackward1


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``1 - cos(x1, x2)`` for target 1, ``max(0, cos(x1, x2) - margin)`` for target -1."""
    import bibun

    red = _reduction_enum(reduction, size_average, reduce)
    eps = 1e-12
    dim = input1.dim() - 1
    prod = (input1 * input2).sum(dim)
    mag1 = (input1 * input1).sum(dim) + eps
    mag2 = (input2 * input2).sum(dim) + eps
    cos = prod / (mag1 * mag2).sqrt()
    zeros = bibun.zeros_like(cos)
    pos = 1 - cos
    neg = (cos - margin).clamp(min=0)
    loss = bibun.where(target == 1, pos, zeros) + bibun.where(target == -1, neg, zeros)
    return _apply_reduction(loss, red)


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``."""
    red = _reduction_enum(reduction, size_average, reduce)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: "
            f"{input1.size()}, input2: {input2.size()}, target: {target.size()} "
        )
    loss = (-target * (input1 - input2) + margin).clamp(min=0)
    return _apply_reduction(loss, red)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``x`` where target is 1, ``max(0, margin - x)`` where target is -1."""
    import bibun

    red = _reduction_enum(reduction, size_average, reduce)
    zeros = bibun.zeros_like(input)
    margin_clamp = (margin - input).clamp(min=0)
    output_margin = bibun.where(target != 1, margin_clamp, zeros)
    output_self = bibun.where(target != -1, input, zeros)
    loss = output_margin + output_self
    return _apply_reduction(loss, red)


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


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y_k = x1ᵀ W_k x2 + b_k`` over the last dims of ``input1`` and ``input2``."""
    if input1.dim() != input2.dim():
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.dim()} and {input2.dim()}")
    if weight.dim() != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got {weight.dim()}")
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} and "
            f"{list(input2.shape[:-1])}"
        )
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(
            f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but expected {weight.shape[1]}"
        )
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(
            f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but expected {weight.shape[2]}"
        )
    lead = list(input1.shape[:-1])
    x1 = input1.reshape(-1, input1.shape[-1])
    x2 = input2.reshape(-1, input2.shape[-1])
    # (out, N, in2) = x1 (N, in1) @ W (out, in1, in2); then contract in2 with x2.
    y = (x1.matmul(weight) * x2).sum(-1).t().contiguous().view(lead + [weight.shape[0]])
    if y.dtype != input1.dtype and not input1.is_floating_point():
        y = y.to(input1.dtype)  # the integer sum widened to int64; PyTorch keeps the input's dtype
    return y if bias is None else y + bias


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding along a new last dim (``num_classes=-1``: ``max + 1``)."""
    import bibun

    if tensor.dtype != bibun.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() == 0:
        if num_classes <= 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
    else:
        if int(tensor.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        top = int(tensor.max())
        if num_classes == -1:
            num_classes = top + 1
        elif top >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return (tensor.unsqueeze(-1) == bibun.arange(num_classes)).to(bibun.int64)


def pad(input: Tensor, pad: list, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pads the last ``len(pad) // 2`` dims: ``pad = (left, right, top, bottom, ...)`` from the last dim
    backwards; negative values crop. Modes ``'constant'`` (with ``value``), ``'reflect'``, ``'replicate'``
    and ``'circular'``."""
    pad = [int(p) for p in pad]
    if len(pad) % 2 != 0:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError(
            f"Padding length should be less than or equal to two times the input dimension but got padding length "
            f"{len(pad)} and input of dimension {input.dim()}"
        )
    if mode != "constant":
        if value is not None and value != 0:
            raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
        if mode not in ("reflect", "replicate", "circular"):
            raise NotImplementedError(f"Unrecognised padding mode {mode}")
        k = len(pad) // 2
        if k not in (1, 2, 3) or input.dim() not in (k + 1, k + 2):
            raise NotImplementedError(
                f"Padding size {len(pad)} is not supported for {input.dim()}D input tensor.\n"
                "Supported combinations for non-constant padding:\n"
                "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
            )
        if mode == "circular":
            return _pad_circular(input, pad)
        if any(s == 0 for s in input.shape[1:]):
            raise RuntimeError(
                f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and other non-zero "
                f"dimensions for input, but got: {list(input.shape)}"
            )
        if mode == "reflect":
            for i in range(k):
                d, (left, right) = input.dim() - 1 - i, pad[2 * i:2 * i + 2]
                if left >= input.shape[d] or right >= input.shape[d]:
                    raise RuntimeError(
                        "Argument #4: Padding size should be less than the corresponding input dimension, but got: "
                        f"padding ({left}, {right}) at dimension {d} of input {list(input.shape)}"
                    )
        if input.dtype == _C.bool:
            kernel = "reflection_pad" if mode == "reflect" else "replication_pad"
            raise NotImplementedError(f"\"{kernel}{k}d\" not implemented for 'Bool'")
        return _C._index_pad(input, pad, mode == "reflect")
    return _C._constant_pad_nd(input, pad, 0.0 if value is None else value)


def _pad_circular(input: Tensor, pad: list) -> Tensor:
    """Circular padding as PyTorch composes it: the input copied into the middle of a new tensor, then
    each padded dim's borders copied from the opposite side of that tensor (so the result's grad_fn is
    ``CopySlices`` and the gradient sums the wrapped copies)."""
    k = len(pad) // 2
    in_shape = list(input.shape)
    out_shape = list(in_shape)
    for i in range(k):
        d, (left, right) = input.dim() - 1 - i, pad[2 * i:2 * i + 2]
        if left > in_shape[d] or right > in_shape[d]:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        out_shape[d] = in_shape[d] + left + right
        if out_shape[d] < 0:
            raise RuntimeError(
                f"Negative padding value is resulting in an empty dimension. Dimension {d} of input {in_shape}")
    out = input.new_empty(out_shape)
    out_part, in_part = out, input
    for i in range(k):
        d, (left, right) = input.dim() - 1 - i, pad[2 * i:2 * i + 2]
        out_part = out_part.narrow(d, max(left, 0), out_shape[d] - max(left, 0) - max(right, 0))
        in_part = in_part.narrow(d, max(-left, 0), in_shape[d] - max(-left, 0) - max(-right, 0))
    out_part.copy_(in_part)
    for i in range(k):
        d, (left, right) = input.dim() - 1 - i, pad[2 * i:2 * i + 2]
        # the dims wrapped later are copied over their filled middle only: their borders are not written yet
        part = out
        for j in range(i + 1, k):
            dj, (lj, rj) = input.dim() - 1 - j, pad[2 * j:2 * j + 2]
            part = part.narrow(dj, max(lj, 0), out_shape[dj] - max(lj, 0) - max(rj, 0))
        if left > 0:
            part.narrow(d, 0, left).copy_(part.narrow(d, out_shape[d] - left - max(right, 0), left))
        if right > 0:
            part.narrow(d, out_shape[d] - right, right).copy_(part.narrow(d, max(left, 0), right))
    return out


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None) -> Tensor:
    """``input / max(||input||_p over dim, eps)``."""
    denom = input.norm(p, dim, keepdim=True).clamp(min=eps).expand_as(input)
    if out is None:
        return input / denom
    import bibun

    return bibun.div(input, denom, out=out)


def layer_norm(
    input: Tensor,
    normalized_shape: list,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalizes over the trailing ``normalized_shape`` dims (biased variance), then scales and shifts."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    shape = [int(s) for s in normalized_shape]
    k = len(shape)
    if k == 0:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           "element, but got normalized_shape = []")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and list(t.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(t.shape)} and normalized_shape = {shape}")
    if input.dim() < k or list(input.shape[input.dim() - k:]) != shape:
        raise RuntimeError(f"Given normalized_shape={shape}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    return _C._layer_norm(input, k, weight, bias, eps)


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` picked by the integer ``input``; ``padding_idx``'s row gets no gradient and
    ``max_norm`` renormalizes the picked rows of ``weight`` in place."""
    import bibun

    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < weight.size(0), "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -weight.size(0), "Padding_idx must be within num_embeddings"
            padding_idx = weight.size(0) + padding_idx
    else:
        padding_idx = -1
    if input.dtype not in (bibun.int64, bibun.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got "
            f"bibun.{_C_TYPE_NAMES.get(str(input.dtype).rsplit('.', 1)[-1], '')}Tensor instead (while checking arguments "
            "for embedding)"
        )
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("bibun's embedding supports scale_grad_by_freq=False and sparse=False only")
    if max_norm is not None:
        with bibun.no_grad():
            rows = input.reshape(-1).unique() if hasattr(input, "unique") else input.reshape(-1)
            picked = weight.index_select(0, rows)
            norms = picked.norm(norm_type, 1, keepdim=True)
            scale = bibun.where(norms > max_norm, max_norm / (norms + 1e-7), bibun.ones_like(norms))
            for k, r in enumerate(rows.tolist()):
                weight[r] = picked[k] * scale[k]
    return _C._embedding(weight, input, padding_idx)


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


from bibun.nn._conv_functional import *
