"""A seedable random generator for data loading, until bibun has its own ``bibun.Generator``.

``bibun.Generator`` does not exist yet; ``bibun.utils.data.Generator`` stands in for it wherever PyTorch's
data utilities take ``generator=``: ``manual_seed(seed)`` makes shuffling and ``random_split``
reproducible. It draws from numpy's PCG64, so the orders differ from PyTorch's for the same seed.
"""

from __future__ import annotations

import numpy as np

_SEED_MASK = 2**64 - 1


class Generator:
    """A random generator for shuffling and splitting: ``Generator().manual_seed(0)`` is reproducible."""

    def __init__(self, device: str = "cpu") -> None:
        self._seed = int(np.random.SeedSequence().entropy) & _SEED_MASK
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> Generator:
        """Seeds the generator; returns it, as PyTorch does."""
        self._seed = int(seed) & _SEED_MASK
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def initial_seed(self) -> int:
        return self._seed

    def seed(self) -> int:
        """Reseeds from fresh entropy and returns the new seed."""
        return self.manual_seed(int(np.random.SeedSequence().entropy) & _SEED_MASK).initial_seed()

    def get_state(self) -> dict:
        return self._rng.bit_generator.state

    def set_state(self, state: dict) -> Generator:
        self._rng.bit_generator.state = state
        return self

    def _randperm(self, n: int) -> list[int]:
        return self._rng.permutation(n).tolist()

    def _randint(self, high: int, size: int) -> list[int]:
        return self._rng.integers(0, high, size).tolist()

    def _choice(self, weights: np.ndarray, size: int, replacement: bool) -> list[int]:
        p = weights / weights.sum()
        return self._rng.choice(len(weights), size=size, replace=replacement, p=p).tolist()


def _resolve(generator) -> Generator:
    """The generator to draw from: the given one, or a fresh one seeded from bibun's global generator (so
    ``bibun.manual_seed`` makes an unseeded shuffle reproducible, as ``torch.manual_seed`` does)."""
    if isinstance(generator, Generator):
        return generator
    if generator is not None:
        raise TypeError(f"generator must be a bibun.utils.data.Generator, not {type(generator).__name__}")
    import bibun

    seed = int(bibun.randint(0, 2**62, (1,)).item())
    return Generator().manual_seed(seed)
