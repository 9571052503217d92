"""The buffer caches of csrc/tensor/storage.cpp (Notes [Small-buffer cache] and [Large-buffer cache]):
freed buffers are handed out again, never while still in use, and the values written into a reused
buffer are the new tensor's."""

from __future__ import annotations

import bibun
import pytest


@pytest.mark.skip_under_asan(reason="sanitizer builds compile the buffer caches out (storage.cpp), so that ASan "
                             "still sees every use after free")
def test_freed_large_buffer_is_reused_for_the_same_size_class():
    a = bibun.empty(3_000_000)  # 12 MB: above the 1 MiB threshold
    ptr = a.data_ptr()
    del a
    b = bibun.empty(2_900_000)  # a slightly smaller request of the same size class
    assert b.data_ptr() == ptr


def test_a_live_buffer_is_never_handed_out_twice():
    live = [bibun.full((300_000,), float(i)) for i in range(8)]  # 1.2 MB each
    ptrs = {t.data_ptr() for t in live}
    assert len(ptrs) == len(live)
    for i, t in enumerate(live):
        assert t[0].item() == float(i) and t[-1].item() == float(i)


def test_reused_buffers_hold_the_new_values():
    for _ in range(3):
        x = bibun.arange(1_000_000, dtype=bibun.float64)  # 8 MB, reused on the next round
        y = x * 2 + 1
        assert y[123_456].item() == 2 * 123_456 + 1
        assert y.sum().item() == 2 * (999_999 * 1_000_000 / 2) + 1_000_000
    small = [bibun.full((3,), float(i)) for i in range(2000)]  # small-buffer free lists
    assert all(t.tolist() == [float(i)] * 3 for i, t in enumerate(small))
