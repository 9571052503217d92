"""bibun.Size against torch.Size: indexing (C, Note [Size in C]), slicing, arithmetic, printing,
pickling and its use as a shape argument."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import bibun


def _same(b, t) -> None:
    """A bibun result against torch's: Sizes compare by type and items, anything else by value."""
    import torch

    if isinstance(t, torch.Size):
        assert type(b) is bibun.Size, type(b)
        assert tuple(b) == tuple(t)
        assert repr(b) == repr(t).replace("torch", "bibun")
    elif isinstance(t, str):
        assert b == t.replace("torch", "bibun")
    else:
        assert type(b) is type(t) and b == t


SHAPES = [(), (0,), (3,), (2, 3), (4, 1, 5), (2, 0, 3)]
EXPRS = [
    lambda s: s[0],
    lambda s: s[-1],
    lambda s: s[1:],
    lambda s: s[:0],
    lambda s: s[::-1],
    lambda s: s[::2],
    lambda s: s[5:9],
    lambda s: s + (7,),
    lambda s: (7,) + s,
    lambda s: s + s,
    lambda s: s.numel(),
    lambda s: len(s),
    lambda s: s == tuple(s),
    lambda s: hash(s) == hash(tuple(s)),
    lambda s: s.count(3),
    lambda s: list(s),
    lambda s: str(s),
]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("expr", range(len(EXPRS)))
def test_size_matches_torch(torch, shape, expr) -> None:
    f = EXPRS[expr]
    b_size, t_size = bibun.zeros(shape).shape, torch.zeros(shape).shape
    try:
        want = f(t_size)
    except IndexError as e:
        with pytest.raises(IndexError, match=str(e)):
            f(b_size)
        return
    _same(f(b_size), want)


@pytest.mark.parametrize("key", [5, -9, "a", 1.0, None])
def test_bad_index_raises_like_torch(torch, key) -> None:
    with pytest.raises(Exception) as want:
        torch.Size([2, 3])[key]
    with pytest.raises(want.type):
        bibun.Size([2, 3])[key]


def test_size_and_shape_are_sizes_of_the_tensor() -> None:
    x = bibun.zeros(4, 2, 3).transpose(0, 2)
    assert x.shape == x.size() == (3, 2, 4)
    assert type(x.shape) is bibun.Size and type(x.size()) is bibun.Size
    assert x.shape[0] == 3 and type(x.shape[0]) is int
    assert x.size(-1) == 4


def test_size_round_trips_and_builds_tensors() -> None:
    s = bibun.zeros(2, 5).shape
    for other in (pickle.loads(pickle.dumps(s)), copy.deepcopy(s), copy.copy(s), bibun.Size(s), bibun.Size([2, 5])):
        assert type(other) is bibun.Size and other == s
    assert bibun.ones(s).shape == s
    assert bibun.ones(s[1:]).shape == (5,)
    assert np.zeros(s).shape == (2, 5)
    assert isinstance(s, tuple)
