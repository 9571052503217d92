"""The module classes of bibun.nn."""

from bibun.nn.modules.activation import CELU, LogSigmoid, LogSoftmax, ReLU, Sigmoid, Softmax, Softmin, Tanh
from bibun.nn.modules.batchnorm import BatchNorm1d, BatchNorm2d
from bibun.nn.modules.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from bibun.nn.modules.conv import Conv1d, Conv2d
from bibun.nn.modules.layers import Dropout, Flatten, Identity, Linear, Unflatten
from bibun.nn.modules.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from bibun.nn.modules.module import Module
from bibun.nn.modules.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
)

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "MaxPool1d",
    "MaxPool2d",
    "CELU",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "Identity",
    "L1Loss",
    "Linear",
    "LogSigmoid",
    "LogSoftmax",
    "MSELoss",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "ParameterDict",
    "ParameterList",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Softmin",
    "Tanh",
    "Unflatten",
]

# The activation, loss and layer families (their own __all__ lists).
from bibun.nn.modules import activation as _activation
from bibun.nn.modules import layers as _layers
from bibun.nn.modules import loss as _loss
from bibun.nn.modules import normalization as _normalization
from bibun.nn.modules import sparse as _sparse
from bibun.nn.modules.activation import *  # noqa: F403
from bibun.nn.modules.layers import *  # noqa: F403
from bibun.nn.modules.loss import *  # noqa: F403
from bibun.nn.modules.normalization import *  # noqa: F403
from bibun.nn.modules.sparse import *  # noqa: F403

__all__ += [n for m in (_activation, _layers, _loss, _normalization, _sparse) for n in m.__all__ if n not in __all__]
