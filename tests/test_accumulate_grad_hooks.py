"""Node hooks registered on a leaf's AccumulateGrad node run, as in PyTorch."""

import pytest

import bibun


def test_prehook_and_hook_on_accumulate_grad_node_run_like_torch():
    torch = pytest.importorskip("torch")
    calls = {}
    for lib in (torch, bibun):
        log = []
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        acc = y.grad_fn.next_functions[0][0]
        assert type(acc).__name__ == "AccumulateGrad"
        acc.register_prehook(lambda grads: log.append(("pre", [g.tolist() for g in grads])))
        acc.register_hook(lambda gi, go: log.append(("post", len(gi), [g.tolist() for g in go])))
        y.sum().backward()
        calls[lib.__name__] = (log, x.grad.tolist())
    assert calls["bibun"] == calls["torch"]
    assert calls["bibun"][0][0] == ("pre", [[3.0, 3.0]])


def test_prehook_on_accumulate_grad_can_replace_the_gradient_like_torch():
    torch = pytest.importorskip("torch")
    grads = {}
    for lib in (torch, bibun):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        y.grad_fn.next_functions[0][0].register_prehook(lambda g: (g[0] * 10,))
        y.sum().backward()
        grads[lib.__name__] = x.grad.tolist()
    assert grads["bibun"] == grads["torch"] == [30.0, 30.0]
