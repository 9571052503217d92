"""The module classes of bibun.nn."""

from bibun.nn.modules.activation import CELU, LogSigmoid, LogSoftmax, ReLU, Sigmoid, Softmax, Softmin, Tanh
from bibun.nn.modules.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from bibun.nn.modules.layers import Dropout, Flatten, Identity, Linear, Unflatten
from bibun.nn.modules.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from bibun.nn.modules.module import Module

__all__ = [
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
