"""``DataLoader``: batches of a dataset, collated into tensors, in the main process.

``num_workers > 0`` is accepted and loads in the main process too (same batches in the same order; no
worker processes, ``worker_init_fn`` is not called), so training scripts that ask for workers run unchanged.
"""

from __future__ import annotations

import collections.abc
import copy
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

import bibun
from bibun import _C
from bibun.utils.data._generator import Generator
from bibun.utils.data.dataset import Dataset, IterableDataset
from bibun.utils.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert"]

_COLLATE_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _stack(tensors: list[_C.Tensor]) -> _C.Tensor:
    """``stack(tensors, 0)``; through numpy while bibun has no ``stack``."""
    if hasattr(bibun, "stack"):
        return bibun.stack(tensors, 0)
    first = tensors[0]
    for i, t in enumerate(tensors):
        if t.shape != first.shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(first.shape)} at entry 0 and "
                f"{list(t.shape)} at entry {i}"
            )
    return _C.from_numpy(np.stack([t.detach().numpy() for t in tensors]))


def _from_numpy_batch(arrays: list[np.ndarray]) -> _C.Tensor:
    if arrays[0].dtype.kind in "OSUa":
        raise TypeError(_COLLATE_ERR.format(arrays[0].dtype))
    try:
        stacked = np.stack(arrays)
    except ValueError as e:
        raise RuntimeError(f"stack expects each tensor to be equal size: {e}") from None
    return _C.from_numpy(np.ascontiguousarray(stacked))


def default_collate(batch: list) -> Any:
    """Merges a list of samples into a batch, as PyTorch's ``default_collate``: tensors and numpy arrays are
    stacked along a new first dimension, Python floats become a float64 tensor and ints an int64 tensor
    (bools a bool tensor), strings stay a list, and dicts, tuples (as lists), namedtuples and lists are
    collated field by field."""
    elem = batch[0]
    elem_type = type(elem)
    if isinstance(elem, _C.Tensor):
        return _stack(batch)
    if isinstance(elem, np.ndarray):
        return _from_numpy_batch(batch)
    if isinstance(elem, np.generic) and not isinstance(elem, (np.str_, np.bytes_)):
        return _C.from_numpy(np.array(batch))
    if isinstance(elem, float):
        return bibun.tensor(batch, dtype=bibun.float64)
    if isinstance(elem, int):
        return bibun.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update(collated)
                return clone
            return elem_type(collated)
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return elem_type(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if not all(len(e) == size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = [default_collate(list(s)) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return transposed
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, s in enumerate(transposed):
                    clone[i] = s
                return clone
            return elem_type(transposed)
        except TypeError:
            return transposed
    raise TypeError(_COLLATE_ERR.format(elem_type))


def default_convert(data: Any) -> Any:
    """Converts numpy arrays (and numpy arrays inside containers) to tensors; everything else is kept.
    Used instead of ``default_collate`` when ``batch_size=None``."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OSUa":
        return _C.from_numpy(np.ascontiguousarray(data))
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_)):
        return _C.from_numpy(np.array(data))
    if isinstance(data, collections.abc.Mapping):
        return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, list):
        return [default_convert(d) for d in data]
    return data


class DataLoader:
    """Iterates over ``dataset`` in batches, as PyTorch's ``DataLoader``.

    Args:
        dataset: a map-style ``Dataset`` (``__getitem__``/``__len__``) or an ``IterableDataset``.
        batch_size: samples per batch (None: no batching; samples pass through ``default_convert``).
        shuffle: visit the samples in a new random order every epoch.
        sampler / batch_sampler: custom index order / index lists (exclusive with shuffle, batch_size,
            drop_last as in PyTorch).
        collate_fn: merges a list of samples into a batch (``default_collate``).
        drop_last: drop the last batch when it is shorter than ``batch_size``.
        generator: a ``bibun.utils.data.Generator`` for the shuffle order (bibun has no ``bibun.Generator``
            yet); None draws from bibun's global generator, seeded by ``bibun.manual_seed``.
        num_workers: accepted; loading always runs in the main process (see the module docstring).
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | None = None,
        batch_sampler: Sampler | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing."
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        self.dataset = dataset
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
        self._iterable = isinstance(dataset, IterableDataset)

        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified sampler option, but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                    f"but got batch_sampler={batch_sampler}"
                )
        else:
            if sampler is not None and shuffle:
                raise ValueError("sampler option is mutually exclusive with shuffle")
            if batch_sampler is not None:
                if batch_size != 1 or shuffle or sampler is not None or drop_last:
                    raise ValueError(
                        "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
                    )
                batch_size = None
                drop_last = False
            elif batch_size is None and drop_last:
                raise ValueError(
                    "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"
                )
            if sampler is None:
                sampler = (
                    RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
                )
            if batch_size is not None and batch_sampler is None:
                batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None or (self._iterable and self.batch_size is not None)

    def __iter__(self) -> Iterator:
        if self._iterable:
            return self._iter_iterable()
        if self.batch_sampler is not None:
            return (self.collate_fn([self.dataset[i] for i in idx]) for idx in self.batch_sampler)
        return (self.collate_fn(self.dataset[i]) for i in self.sampler)

    def _iter_iterable(self) -> Iterator:
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch: list = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)  # type: ignore[arg-type]
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)  # type: ignore[arg-type]
        return len(self.sampler)  # type: ignore[arg-type]
