"""``bibun.optim``: PyTorch's optimizers, their update loops in C++ (one call per param group)."""

from bibun.optim import lr_scheduler
from bibun.optim.adagrad import Adagrad
from bibun.optim.adam import Adam
from bibun.optim.adamw import AdamW
from bibun.optim.optimizer import Optimizer
from bibun.optim.rmsprop import RMSprop
from bibun.optim.sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
