"""Tensor.type(): the legacy type name, and conversion by dtype or by name, against PyTorch."""

import pytest

import bibun

DTYPES = ["bool", "int32", "int64", "float32", "float64"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_type_name_matches_torch_with_the_module_renamed(torch, dtype):
    ours = bibun.zeros(2, dtype=getattr(bibun, dtype)).type()
    theirs = torch.zeros(2, dtype=getattr(torch, dtype)).type()
    assert ours == theirs.replace("torch.", "bibun.", 1)


@pytest.mark.parametrize("src", DTYPES)
@pytest.mark.parametrize("dst", DTYPES)
def test_type_converts_by_dtype_and_by_name(torch, src, dst):
    x = bibun.tensor([0, 1, 2]).to(getattr(bibun, src))
    tx = torch.tensor([0, 1, 2]).to(getattr(torch, src))
    expected = tx.type(getattr(torch, dst))
    name = torch.zeros(0, dtype=getattr(torch, dst)).type()
    for arg in (getattr(bibun, dst), name, name.replace("torch.", "bibun.")):
        got = x.type(arg)
        assert str(got.dtype) == str(expected.dtype).replace("torch.", "bibun.")
        assert got.tolist() == expected.tolist()
        assert (got is x) == (src == dst)


def test_type_rejects_an_unknown_name(torch):
    for lib in (bibun, torch):
        with pytest.raises(ValueError, match="invalid type: 'torch.Foo'"):
            lib.ones(2).type("torch.Foo")
