"""bibun.nn: modules, parameters, initialisation and the functional API, as ``torch.nn``."""

from bibun.nn import (
    functional,  # noqa: F401
    init,  # noqa: F401
    utils,  # noqa: F401
)
from bibun.nn.modules import *
from bibun.nn.parameter import Parameter  # noqa: F401
