"""bibun.utils.data: datasets, samplers, random_split and DataLoader, batch for batch against PyTorch's."""

from __future__ import annotations

import collections

import bibun
import numpy as np
import pytest
from bibun.utils import data


def values(t) -> np.ndarray:
    return np.array(t.detach().numpy())


def dtype_name(t) -> str:
    return str(t.dtype).rsplit(".", 1)[-1]


def assert_same_batch(got, want) -> None:
    """A bibun batch equals a torch batch: same container types, keys, dtypes, shapes and values."""
    if hasattr(want, "dtype") and hasattr(want, "shape"):
        assert isinstance(got, bibun.Tensor), type(got)
        assert dtype_name(got) == dtype_name(want)
        assert tuple(got.shape) == tuple(want.shape)
        np.testing.assert_array_equal(values(got), want.numpy())
    elif isinstance(want, dict):
        assert type(got) is type(want) and list(got) == list(want)
        for k in want:
            assert_same_batch(got[k], want[k])
    elif isinstance(want, (list, tuple)):
        assert type(got) is type(want) and len(got) == len(want)
        for g, w in zip(got, want):
            assert_same_batch(g, w)
    else:
        assert got == want


class Samples(data.Dataset):
    """Samples of mixed kinds, built from numpy, readable by both libraries' loaders."""

    def __init__(self, lib, kind: str, n: int = 7) -> None:
        self.lib, self.kind, self.n = lib, kind, n
        self.rng = np.random.RandomState(0)
        self.x = self.rng.randn(n, 3).astype(np.float32)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        x = self.lib.from_numpy(self.x[i].copy())
        if self.kind == "tensor":
            return x
        if self.kind == "tuple":
            return x, i, float(i) / 2
        if self.kind == "dict":
            return {"x": x, "label": i % 3, "name": f"s{i}", "w": np.float32(i)}
        if self.kind == "list":
            return [x, [i, i + 1]]
        if self.kind == "numpy":
            return self.x[i].astype(np.float64), np.int64(i)
        if self.kind == "bool":
            return i % 2 == 0
        raise AssertionError(self.kind)


@pytest.mark.parametrize("kind", ["tensor", "tuple", "dict", "list", "numpy", "bool"])
@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (7, True), (10, False)])
def test_batches_match_torch_without_shuffle(torch, kind, batch_size, drop_last):
    import torch.utils.data as tdata

    ours = data.DataLoader(Samples(bibun, kind), batch_size=batch_size, drop_last=drop_last)
    theirs = tdata.DataLoader(Samples(torch, kind), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    got, want = list(ours), list(theirs)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert_same_batch(g, w)


def test_tensor_dataset_batches_match_torch(torch):
    import torch.utils.data as tdata

    x = np.arange(20, dtype=np.float64).reshape(10, 2)
    y = np.arange(10)
    ours = data.DataLoader(data.TensorDataset(bibun.from_numpy(x), bibun.from_numpy(y)), batch_size=4)
    theirs = tdata.DataLoader(tdata.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=4)
    for g, w in zip(ours, theirs, strict=True):
        assert_same_batch(g, w)


def test_batch_size_none_converts_numpy_like_torch(torch):
    import torch.utils.data as tdata

    ours = list(data.DataLoader(Samples(bibun, "numpy", 3), batch_size=None))
    theirs = list(tdata.DataLoader(Samples(torch, "numpy", 3), batch_size=None))
    for g, w in zip(ours, theirs, strict=True):
        assert_same_batch(g, w)


def test_default_collate_numbers_become_int64_and_float64():
    ints = data.default_collate([1, 2, 3])
    floats = data.default_collate([1.0, 2.5])
    assert ints.dtype is bibun.int64 and ints.tolist() == [1, 2, 3]
    assert floats.dtype is bibun.float64 and floats.tolist() == [1.0, 2.5]
    assert data.default_collate(["a", "b"]) == ["a", "b"]


def test_default_collate_keeps_namedtuples_and_ordered_dicts():
    Point = collections.namedtuple("Point", "x y")
    got = data.default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert type(got) is Point and got.x.tolist() == [1, 3] and got.y.dtype is bibun.float64
    od = data.default_collate([collections.OrderedDict(b=1, a=2)] * 2)
    assert type(od) is collections.OrderedDict and list(od) == ["b", "a"]


def test_default_collate_rejects_ragged_batches_and_unknown_types():
    with pytest.raises(RuntimeError, match="equal size"):
        data.default_collate([bibun.zeros(2), bibun.zeros(3)])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        data.default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="default_collate"):
        data.default_collate([object(), object()])


def test_iteration_restarts_each_epoch():
    loader = data.DataLoader(Samples(bibun, "tuple"), batch_size=3)
    first = [b[1].tolist() for b in loader]
    second = [b[1].tolist() for b in loader]
    assert first == second == [[0, 1, 2], [3, 4, 5], [6]]


def _order(loader) -> list[int]:
    return [i for batch in loader for i in batch[1].tolist()]


def test_shuffle_with_same_seed_gives_same_order():
    ds = Samples(bibun, "tuple", 50)
    a = _order(data.DataLoader(ds, batch_size=8, shuffle=True, generator=data.Generator().manual_seed(3)))
    b = _order(data.DataLoader(ds, batch_size=8, shuffle=True, generator=data.Generator().manual_seed(3)))
    c = _order(data.DataLoader(ds, batch_size=8, shuffle=True, generator=data.Generator().manual_seed(4)))
    assert a == b
    assert a != c
    assert sorted(a) == list(range(50)) and a != list(range(50))


def test_shuffle_draws_a_new_order_each_epoch():
    loader = data.DataLoader(
        Samples(bibun, "tuple", 50), batch_size=50, shuffle=True, generator=data.Generator().manual_seed(0)
    )
    assert _order(loader) != _order(loader)


def test_unseeded_shuffle_follows_bibun_manual_seed():
    ds = Samples(bibun, "tuple", 30)
    bibun.manual_seed(7)
    a = _order(data.DataLoader(ds, batch_size=4, shuffle=True))
    bibun.manual_seed(7)
    b = _order(data.DataLoader(ds, batch_size=4, shuffle=True))
    assert a == b and sorted(a) == list(range(30))


def test_generator_must_be_a_bibun_generator():
    with pytest.raises(TypeError, match="Generator"):
        list(data.DataLoader(Samples(bibun, "tuple"), shuffle=True, generator=42))


def test_len_and_drop_last():
    ds = Samples(bibun, "tensor", 10)
    assert len(data.DataLoader(ds, batch_size=3)) == 4
    assert len(data.DataLoader(ds, batch_size=3, drop_last=True)) == 3
    assert [b.shape[0] for b in data.DataLoader(ds, batch_size=3, drop_last=True)] == [3, 3, 3]
    assert [b.shape[0] for b in data.DataLoader(ds, batch_size=3)] == [3, 3, 3, 1]


def test_sampler_and_batch_sampler():
    ds = Samples(bibun, "tuple", 6)
    loader = data.DataLoader(ds, batch_size=2, sampler=[5, 4, 3, 2, 1, 0])
    assert _order(loader) == [5, 4, 3, 2, 1, 0]
    batches = [[0, 5], [1], [2, 3, 4]]
    loader = data.DataLoader(ds, batch_sampler=batches)
    assert [b[1].tolist() for b in loader] == batches and len(loader) == 3
    with pytest.raises(ValueError, match="mutually exclusive"):
        data.DataLoader(ds, batch_size=2, batch_sampler=batches)
    with pytest.raises(ValueError, match="mutually exclusive"):
        data.DataLoader(ds, sampler=[0], shuffle=True)


def test_num_workers_loads_in_process_with_the_same_batches():
    ds = Samples(bibun, "tuple", 9)
    assert _order(data.DataLoader(ds, batch_size=4, num_workers=2)) == list(range(9))
    with pytest.raises(ValueError, match="non-negative"):
        data.DataLoader(ds, num_workers=-1)


def test_iterable_dataset_batches():
    class Stream(data.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b.tolist() for b in data.DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in data.DataLoader(Stream(), batch_size=3, drop_last=True)] == [
        [0, 1, 2],
        [3, 4, 5],
    ]
    with pytest.raises(ValueError, match="shuffle"):
        data.DataLoader(Stream(), shuffle=True)


def test_tensor_dataset_checks_sizes_and_indexes_rows():
    ds = data.TensorDataset(bibun.arange(6).reshape(3, 2), bibun.arange(3))
    assert len(ds) == 3
    x, y = ds[1]
    assert x.tolist() == [2, 3] and y.item() == 1
    with pytest.raises(AssertionError, match="Size mismatch"):
        data.TensorDataset(bibun.zeros(3), bibun.zeros(4))


def test_concat_dataset_and_subset():
    a, b = data.TensorDataset(bibun.arange(3)), data.TensorDataset(bibun.arange(10, 12))
    cat = a + b
    assert len(cat) == 5 and [cat[i][0].item() for i in range(5)] == [0, 1, 2, 10, 11]
    assert cat[-1][0].item() == 11
    sub = data.Subset(cat, [4, 0])
    assert len(sub) == 2 and sub[0][0].item() == 11 and sub[1][0].item() == 0


@pytest.mark.parametrize(
    "lengths,sizes", [([3, 7], [3, 7]), ([0.3, 0.7], [3, 7]), ([0.5, 0.25, 0.25], [6, 2, 2])]
)
def test_random_split_sizes_and_disjointness(lengths, sizes):
    n = sum(sizes)
    parts = data.random_split(
        data.TensorDataset(bibun.arange(n)), lengths, generator=data.Generator().manual_seed(0)
    )
    assert [len(p) for p in parts] == sizes
    seen = [p[i][0].item() for p in parts for i in range(len(p))]
    assert sorted(seen) == list(range(n))


def test_random_split_fraction_sizes_match_torch(torch):
    import torch.utils.data as tdata

    for n, fracs in [(10, [0.3, 0.3, 0.4]), (7, [0.5, 0.5]), (11, [0.1, 0.2, 0.7])]:
        ours = data.random_split(list(range(n)), fracs, generator=data.Generator().manual_seed(0))
        theirs = tdata.random_split(list(range(n)), fracs, generator=torch.Generator().manual_seed(0))
        assert [len(p) for p in ours] == [len(p) for p in theirs]


def test_random_split_is_reproducible_with_a_seed():
    ds = list(range(20))
    a = data.random_split(ds, [10, 10], generator=data.Generator().manual_seed(1))
    b = data.random_split(ds, [10, 10], generator=data.Generator().manual_seed(1))
    c = data.random_split(ds, [10, 10], generator=data.Generator().manual_seed(2))
    assert a[0].indices == b[0].indices and a[0].indices != c[0].indices


def test_random_split_rejects_wrong_lengths():
    with pytest.raises(ValueError, match="Sum of input lengths"):
        data.random_split(list(range(5)), [2, 2])


def test_random_samplers():
    gen = data.Generator().manual_seed(0)
    draws = list(data.RandomSampler(range(5), replacement=True, num_samples=100, generator=gen))
    assert len(draws) == 100 and set(draws) <= set(range(5)) and len(set(draws)) > 1
    sub = list(data.SubsetRandomSampler([10, 20, 30], generator=gen))
    assert sorted(sub) == [10, 20, 30]
    weighted = list(data.WeightedRandomSampler([0.0, 1.0, 0.0], 10, generator=gen))
    assert weighted == [1] * 10


def test_collate_without_bibun_stack_goes_through_numpy(monkeypatch):
    monkeypatch.delattr(bibun, "stack", raising=False)
    batch = data.default_collate([bibun.tensor([1.0, 2.0]), bibun.tensor([3.0, 4.0])])
    assert batch.dtype is bibun.float32 and batch.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        data.default_collate([bibun.zeros(2), bibun.zeros(3)])
