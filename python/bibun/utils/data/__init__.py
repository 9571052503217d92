"""``bibun.utils.data``: datasets, samplers and the DataLoader, as ``torch.utils.data``.

``Generator`` stands in for ``torch.Generator`` where these utilities take ``generator=`` (bibun has no
``bibun.Generator`` yet).
"""

from bibun.utils.data._generator import Generator
from bibun.utils.data.dataloader import DataLoader, default_collate, default_convert
from bibun.utils.data.dataset import (
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from bibun.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "Generator",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "default_collate",
    "default_convert",
    "random_split",
]
