"""``bibun.utils``: PyTorch's ``torch.utils`` namespace; ``bibun.utils.data`` holds datasets and loaders."""

from bibun.utils import data

__all__ = ["data"]
