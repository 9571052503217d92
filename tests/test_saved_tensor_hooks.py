"""bibun.autograd.graph.saved_tensors_hooks / save_on_cpu (issue 5) against PyTorch.

Every scenario is ``run(lib)`` executed on torch and on bibun: what pack saw (count, shapes), the
gradients, and the errors must agree.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

import numpy as np
import pytest

import bibun
from conftest import make_tensor, rng_for, to_numpy

R = rng_for("saved-tensor-hooks")
A = R.randn(3, 4)
B = R.randn(4, 2)
V = R.rand(3, 4) + 0.5  # positive, for pow with a tensor exponent


def leaf(lib: Any, values: Any) -> Any:
    return make_tensor(lib, values, "float64", True)


def np_of(t: Any) -> np.ndarray:
    return to_numpy(t)


def assert_close(got: Any, want: Any, what: str) -> None:
    assert got is not None, f"{what}: None, torch has a tensor"
    assert tuple(got.shape) == tuple(want.shape), f"{what}: shape {tuple(got.shape)} vs torch {tuple(want.shape)}"
    np.testing.assert_allclose(np_of(got), np_of(want), rtol=1e-10, atol=1e-12, err_msg=what)


class CustomMul(object):
    """A custom Function per library that saves both inputs with save_for_backward."""

    cache: dict[str, Any] = {}

    @classmethod
    def get(cls, lib: Any) -> Any:
        if lib.__name__ not in cls.cache:

            class MyMul(lib.autograd.Function):
                @staticmethod
                def forward(ctx: Any, a: Any, b: Any) -> Any:
                    ctx.save_for_backward(a, b)
                    return a * b

                @staticmethod
                def backward(ctx: Any, g: Any) -> Any:
                    a, b = ctx.saved_tensors
                    return g * b, g * a

            cls.cache[lib.__name__] = MyMul
        return cls.cache[lib.__name__]


OPS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "mul": lambda lib, a, b: a * a.sum(1, keepdim=True),
    "exp_saves_output": lambda lib, a, b: lib.exp(a),
    "pow_scalar": lambda lib, a, b: a**3,
    "pow_tensor": lambda lib, a, b: (a * a + 1) ** a,
    "matmul": lambda lib, a, b: a @ b,
    "sigmoid_saves_output": lambda lib, a, b: lib.sigmoid(a),
    "custom_function": lambda lib, a, b: CustomMul.get(lib).apply(a, a + 1),
    "mlp": lambda lib, a, b: lib.relu(a @ b + 0.1).mean(),
}


def run_with_logging_hooks(lib: Any, op: Callable[[Any, Any, Any], Any]) -> dict[str, Any]:
    packed: list[tuple[int, ...]] = []
    unpacked: list[tuple[int, ...]] = []

    def pack(t: Any) -> Any:
        packed.append(tuple(t.shape))
        return t

    def unpack(t: Any) -> Any:
        unpacked.append(tuple(t.shape))
        return t

    a, b = leaf(lib, A), leaf(lib, B)
    with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
        out = op(lib, a, b)
    out.sum().backward()
    return {"packed": packed, "unpacked": sorted(unpacked), "a.grad": a.grad, "b.grad": b.grad}


@pytest.mark.parametrize("name", list(OPS))
def test_pack_is_called_once_per_saved_tensor_with_torchs_shapes(torch: Any, name: str) -> None:
    want = run_with_logging_hooks(torch, OPS[name])
    got = run_with_logging_hooks(bibun, OPS[name])
    assert got["packed"] == want["packed"], f"pack calls (shapes, in order): bibun {got['packed']} torch {want['packed']}"
    assert got["unpacked"] == want["unpacked"], f"unpack calls: bibun {got['unpacked']} torch {want['unpacked']}"
    for k in ("a.grad", "b.grad"):
        if want[k] is None:
            assert got[k] is None, k
        else:
            assert_close(got[k], want[k], k)


def test_pack_is_not_called_for_a_python_scalar_operand(torch: Any) -> None:
    # torch does not hand wrapped numbers (the 2 in a * 2) to pack hooks
    def run(lib: Any) -> list[tuple[int, ...]]:
        log: list[tuple[int, ...]] = []
        a = leaf(lib, A)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: log.append(tuple(t.shape)) or t, lambda t: t):
            out = a * 2
        out.sum().backward()
        return log

    assert run(torch) == []
    assert run(bibun) == run(torch)


def numpy_roundtrip(lib: Any) -> tuple[Callable[[Any], Any], Callable[[Any], Any], list[int]]:
    calls = [0]

    def pack(t: Any) -> Any:
        return np.array(t.detach().numpy(), copy=True)

    def unpack(arr: Any) -> Any:
        assert isinstance(arr, np.ndarray), "unpack must receive what pack returned"
        calls[0] += 1
        return lib.from_numpy(arr)

    return pack, unpack, calls


@pytest.mark.parametrize("name", list(OPS))
def test_pack_to_numpy_unpack_from_numpy_gives_torchs_gradients(torch: Any, name: str) -> None:
    grads = {}
    for lib in (torch, bibun):
        pack, unpack, calls = numpy_roundtrip(lib)
        a, b = leaf(lib, A), leaf(lib, B)
        with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
            out = OPS[name](lib, a, b)
        out.sum().backward()
        grads[lib.__name__] = (a.grad, b.grad, calls[0])
    assert grads["bibun"][2] == grads["torch"][2], "number of unpack calls"
    for i, what in enumerate(("a.grad", "b.grad")):
        if grads["torch"][i] is None:
            assert grads["bibun"][i] is None, what
        else:
            assert_close(grads["bibun"][i], grads["torch"][i], what)


def test_unpack_result_is_what_the_backward_uses(torch: Any) -> None:
    # unpack returns twice the saved value: mul's gradient doubles in both libraries
    def run(lib: Any) -> Any:
        a = leaf(lib, A)
        w = leaf(lib, np.full_like(A, 3.0))
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t * 2):
            out = a * w
        out.sum().backward()
        return a.grad

    got, want = run(bibun), run(torch)
    np.testing.assert_allclose(np_of(want), 6.0)
    assert_close(got, want, "a.grad with doubled saved tensor")


def test_nested_hook_contexts_innermost_wins(torch: Any) -> None:
    def run(lib: Any) -> list[str]:
        log: list[str] = []
        a = leaf(lib, A)

        def hooks(tag: str) -> Any:
            return lib.autograd.graph.saved_tensors_hooks(
                lambda t: log.append("pack " + tag) or t, lambda t: log.append("unpack " + tag) or t
            )

        with hooks("outer"):
            with hooks("inner"):
                y = a * a  # two saved tensors: packed by inner
            z = lib.exp(a)  # one saved output: packed by outer
        w = a * a  # no hooks
        (y.sum() + z.sum() + w.sum()).backward()
        return sorted(log)

    want = run(torch)
    assert want == ["pack inner", "pack inner", "pack outer", "unpack inner", "unpack inner", "unpack outer"]
    assert run(bibun) == want


def test_hooks_are_only_active_inside_the_context(torch: Any) -> None:
    log: list[str] = []
    a = leaf(bibun, A)
    before = a * a
    with bibun.autograd.graph.saved_tensors_hooks(lambda t: log.append("pack") or t, lambda t: t):
        inside = bibun.exp(a)
    after = a * a
    assert log == ["pack"]
    (before.sum() + after.sum()).backward()
    assert log == ["pack"], "unpack hooks must only run for tensors packed inside the context"
    assert_close(a.grad, make_tensor(bibun, 4 * A, "float64"), "a.grad")
    del inside


def test_create_graph_through_hooks_gives_torchs_second_derivative(torch: Any) -> None:
    def run(lib: Any) -> tuple[Any, Any]:
        pack, unpack, _ = numpy_roundtrip(lib)
        a = leaf(lib, A)
        with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
            y = (lib.exp(a) * a * a).sum()
        (g,) = lib.autograd.grad(y, a, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), a)
        return g, gg

    (bg, bgg), (tg, tgg) = run(bibun), run(torch)
    assert_close(bg, tg, "first derivative")
    assert_close(bgg, tgg, "second derivative")


def test_create_graph_through_identity_hooks_gives_torchs_second_derivative(torch: Any) -> None:
    def run(lib: Any) -> Any:
        a = leaf(lib, A)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            y = (lib.exp(a) * a * a).sum()
        (g,) = lib.autograd.grad(y, a, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), a)
        return gg

    assert_close(run(bibun), run(torch), "second derivative")


@pytest.mark.parametrize("bad", [3, None, "x"], ids=["int", "None", "str"])
def test_unpack_returning_non_tensor_raises_torchs_type_error(torch: Any, bad: Any) -> None:
    errors = {}
    for lib in (torch, bibun):
        a = leaf(lib, A)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: bad):
            y = (a * a).sum()
        with pytest.raises(Exception) as info:
            y.backward()
        errors[lib.__name__] = (type(info.value), str(info.value))
    assert errors["torch"][0] is TypeError
    assert errors["bibun"] == errors["torch"]


def test_save_on_cpu_gives_torchs_gradients(torch: Any) -> None:
    grads = {}
    for lib in (torch, bibun):
        a, b = leaf(lib, A), leaf(lib, B)
        with lib.autograd.graph.save_on_cpu():
            out = OPS["mlp"](lib, a, b) + lib.exp(a).sum() + (a**3).sum()
        out.backward()
        grads[lib.__name__] = (a.grad, b.grad)
    assert_close(grads["bibun"][0], grads["torch"][0], "a.grad")
    assert_close(grads["bibun"][1], grads["torch"][1], "b.grad")


def test_save_on_cpu_pin_memory_argument_is_accepted(torch: Any) -> None:
    a = leaf(bibun, A)
    with bibun.autograd.graph.save_on_cpu(pin_memory=False):
        y = (a * a).sum()
    y.backward()
    assert_close(a.grad, make_tensor(bibun, 2 * A, "float64"), "a.grad")


def test_hooks_are_per_thread() -> None:
    main_log: list[str] = []
    other_log: list[str] = []
    entered = threading.Event()
    done = threading.Event()
    errors: list[BaseException] = []

    def other() -> None:
        try:
            entered.wait(10)
            a = leaf(bibun, A)
            y = (a * a).sum()  # the main thread's hooks are active now, but not here
            with bibun.autograd.graph.saved_tensors_hooks(lambda t: other_log.append("pack") or t, lambda t: t):
                z = bibun.exp(a).sum()
            (y + z).backward()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
        finally:
            done.set()

    thread = threading.Thread(target=other)
    thread.start()
    a = leaf(bibun, A)
    with bibun.autograd.graph.saved_tensors_hooks(lambda t: main_log.append("pack") or t, lambda t: t):
        entered.set()
        assert done.wait(20), "the other thread did not finish"
        y = bibun.exp(a).sum()
    thread.join(20)
    assert not errors, errors
    assert main_log == ["pack"], "the main thread's hook saw another thread's tensors"
    assert other_log == ["pack"], "the other thread's hook was not used there (or saw the main thread's)"
    y.backward()


def test_second_backward_after_release_raises_torchs_error(torch: Any) -> None:
    errors = {}
    for lib in (torch, bibun):
        a = leaf(lib, A)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: np.array(t.detach().numpy()), lib.from_numpy):
            y = (lib.exp(a) * a).sum()
        y.backward()
        with pytest.raises(RuntimeError) as info:
            y.backward()
        errors[lib.__name__] = str(info.value)
    assert errors["torch"].startswith("Trying to backward through the graph a second time")
    assert errors["bibun"] == errors["torch"].replace("torch.", "bibun.")


def test_retain_graph_with_hooks_unpacks_again(torch: Any) -> None:
    def run(lib: Any) -> tuple[int, Any]:
        calls = [0]

        def unpack(t: Any) -> Any:
            calls[0] += 1
            return t

        a = leaf(lib, A)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, unpack):
            y = (a * a).sum()
        y.backward(retain_graph=True)
        y.backward()
        return calls[0], a.grad

    (bc, bg), (tc, tg) = run(bibun), run(torch)
    assert bc == tc
    assert_close(bg, tg, "a.grad after two backwards")
