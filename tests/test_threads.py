"""Backward from several Python threads (issues 5 and 8).

Independent graphs on 8 threads give the serial results; a shared leaf accumulates the serial total; grad
mode is per thread; the engine releases the GIL and Python hooks / custom Function backwards re-acquire it;
an exception raised in one thread's hook reaches that thread only. Every wait has a timeout, so a deadlock
fails the test instead of hanging the suite.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import bibun
import numpy as np
import pytest
from conftest import make_tensor, rng_for, to_numpy

N_THREADS = 8
N_ITERS = 200
TIMEOUT = 60.0


def run_in_threads(target: Callable[[int], Any], n: int = N_THREADS) -> list[Any]:
    """Runs ``target(i)`` on n threads; returns their results, re-raising the first thread's exception."""
    results: list[Any] = [None] * n
    errors: list[BaseException | None] = [None] * n

    def body(i: int) -> None:
        try:
            results[i] = target(i)
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            errors[i] = e

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + TIMEOUT
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "a thread did not finish (deadlock?)"
    for i, e in enumerate(errors):
        if e is not None:
            raise AssertionError(f"thread {i} raised {type(e).__name__}: {e}") from e
    return results


# ---------------------------------------------------------------------------------------------------------------------
# Independent graphs


def mlp_params(seed: int) -> dict[str, np.ndarray]:
    r = rng_for("threads-mlp", seed)
    return {
        "x": r.randn(16, 4),
        "w1": r.randn(4, 8) * 0.5,
        "b1": r.randn(8) * 0.1,
        "w2": r.randn(8, 3) * 0.5,
        "b2": r.randn(3) * 0.1,
    }


def mlp_grads(lib: Any, seed: int, iters: int) -> list[list[np.ndarray]]:
    """``iters`` forward+backward passes of a small MLP on fresh leaves; the leaves' gradients of each pass."""
    p = mlp_params(seed)
    out = []
    for i in range(iters):
        scale = 1.0 + i / iters
        w1, b1, w2, b2 = (make_tensor(lib, p[k], "float64", True) for k in ("w1", "b1", "w2", "b2"))
        x = make_tensor(lib, p["x"] * scale, "float64")
        h = lib.sigmoid(x @ w1 + b1)
        o = lib.relu(h @ w2 + b2)
        loss = lib.exp(o * 0.1).mean() + (o * o).sum() * 0.01
        loss.backward()
        out.append([to_numpy(t.grad) for t in (w1, b1, w2, b2)])
    return out


def test_mlp_gradients_match_torch_serially(torch: Any) -> None:
    got = mlp_grads(bibun, 0, 3)
    want = mlp_grads(torch, 0, 3)
    for g_iter, w_iter in zip(got, want):
        for g, w in zip(g_iter, w_iter):
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_eight_threads_backward_on_independent_graphs_equal_serial_results() -> None:
    serial = [mlp_grads(bibun, seed, N_ITERS) for seed in range(N_THREADS)]
    start = threading.Barrier(N_THREADS, timeout=TIMEOUT)

    def work(i: int) -> list[list[np.ndarray]]:
        start.wait()
        return mlp_grads(bibun, i, N_ITERS)

    threaded = run_in_threads(work)
    for seed in range(N_THREADS):
        for it in range(N_ITERS):
            for k, (g, w) in enumerate(zip(threaded[seed][it], serial[seed][it])):
                np.testing.assert_array_equal(g, w, err_msg=f"thread {seed}, pass {it}, parameter {k}")


# ---------------------------------------------------------------------------------------------------------------------
# A shared leaf


def shared_leaf_inputs(i: int) -> tuple[np.ndarray, float]:
    r = rng_for("threads-shared", i)
    return r.randint(-3, 4, size=(5, 4)).astype(np.float64), float(i + 1)


def shared_leaf_step(w: Any, a: Any, c: float) -> None:
    # integer-valued gradient c * a.sum(0) + 1 (broadcast over columns): sums are exact in any order
    (((a @ w) * c).sum() + w.sum()).backward()


def test_eight_threads_accumulate_exactly_the_serial_total_into_one_leaf() -> None:
    w0 = np.zeros((4, 3))
    serial_leaf = make_tensor(bibun, w0, "float64", True)
    for i in range(N_THREADS):
        a_np, c = shared_leaf_inputs(i)
        a = make_tensor(bibun, a_np, "float64")
        for _ in range(N_ITERS):
            shared_leaf_step(serial_leaf, a, c)
    expected = sum(N_ITERS * (c * a_np.sum(0)[:, None] + 1) for a_np, c in map(shared_leaf_inputs, range(N_THREADS)))
    np.testing.assert_array_equal(to_numpy(serial_leaf.grad), np.broadcast_to(expected, (4, 3)))

    w = make_tensor(bibun, w0, "float64", True)
    start = threading.Barrier(N_THREADS, timeout=TIMEOUT)

    def work(i: int) -> None:
        a_np, c = shared_leaf_inputs(i)
        a = make_tensor(bibun, a_np, "float64")
        start.wait()
        for _ in range(N_ITERS):
            shared_leaf_step(w, a, c)

    run_in_threads(work)
    np.testing.assert_array_equal(to_numpy(w.grad), to_numpy(serial_leaf.grad))


def test_shared_leaf_through_nonlinear_graph_matches_serial_total() -> None:
    p = mlp_params(99)
    w_np = p["w1"]

    def step(w: Any, i: int) -> None:
        x = make_tensor(bibun, p["x"] * (1 + i / 10), "float64")
        bibun.sigmoid(x @ w).mean().backward()

    serial = make_tensor(bibun, w_np, "float64", True)
    for i in range(N_THREADS):
        for _ in range(50):
            step(serial, i)

    w = make_tensor(bibun, w_np, "float64", True)
    start = threading.Barrier(N_THREADS, timeout=TIMEOUT)

    def work(i: int) -> None:
        start.wait()
        for _ in range(50):
            step(w, i)

    run_in_threads(work)
    np.testing.assert_allclose(to_numpy(w.grad), to_numpy(serial.grad), rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------------------------------------------------
# Grad mode is per thread


def grad_mode_scenario(lib: Any) -> dict[str, Any]:
    """Thread A sits inside no_grad while thread B records a graph and runs backward, and vice versa."""
    seen: dict[str, Any] = {}
    barrier = threading.Barrier(2, timeout=TIMEOUT)

    def a(_: int) -> None:
        x = make_tensor(lib, [1.0, 2.0], "float64", True)
        with lib.no_grad():
            barrier.wait()  # 1: A is in no_grad
            barrier.wait()  # 2: B has recorded its graph
            seen["A in no_grad: enabled"] = lib.is_grad_enabled()
            seen["A in no_grad: y.requires_grad"] = (x * 2).requires_grad
        seen["A after no_grad: enabled"] = lib.is_grad_enabled()
        lib.set_grad_enabled(False)  # as a function: stays off in this thread only
        barrier.wait()  # 3
        barrier.wait()  # 4: B checked its mode
        seen["A after set_grad_enabled(False): y.requires_grad"] = (x * 2).requires_grad
        lib.set_grad_enabled(True)

    def b(_: int) -> None:
        x = make_tensor(lib, [1.0, 2.0], "float64", True)
        barrier.wait()  # 1
        seen["B while A in no_grad: enabled"] = lib.is_grad_enabled()
        y = (x * x).sum()
        seen["B while A in no_grad: y.grad_fn"] = y.grad_fn.name() if y.grad_fn is not None else None
        y.backward()
        seen["B grad"] = x.grad.tolist()
        barrier.wait()  # 2
        barrier.wait()  # 3: A turned grad mode off with set_grad_enabled(False)
        seen["B while A set_grad_enabled(False): requires_grad"] = (x * 2).requires_grad
        barrier.wait()  # 4

    def body(i: int) -> None:
        (a if i == 0 else b)(i)

    run_in_threads(body, 2)
    seen["main after"] = lib.is_grad_enabled()
    return seen


def test_grad_mode_is_per_thread_like_torch(torch: Any) -> None:
    want = grad_mode_scenario(torch)
    got = grad_mode_scenario(bibun)
    assert want["B while A in no_grad: enabled"] is True
    assert got == want


def test_new_thread_records_graphs_while_main_thread_is_in_no_grad(torch: Any) -> None:
    for lib in (torch, bibun):
        with lib.no_grad():

            def work(_: int, lib: Any = lib) -> tuple[bool, bool, list[float]]:
                x = make_tensor(lib, [3.0], "float64", True)
                y = x * x
                y.backward()
                return lib.is_grad_enabled(), y.requires_grad, x.grad.tolist()

            (result,) = run_in_threads(work, 1)
            assert not lib.is_grad_enabled()
        assert result == (True, True, [6.0]), lib.__name__


def test_no_grad_in_many_threads_does_not_leak_into_recording_threads() -> None:
    ready = threading.Barrier(N_THREADS, timeout=TIMEOUT)

    def work(i: int) -> int:
        ready.wait()
        recorded = 0
        x = make_tensor(bibun, [1.0, 2.0, 3.0], "float64", True)
        for _ in range(N_ITERS):
            if i % 2:
                with bibun.no_grad():
                    assert not (x * 2).requires_grad
            else:
                y = (x * 2).sum()
                assert y.requires_grad, "a no_grad in another thread turned recording off here"
                recorded += 1
        return recorded

    counts = run_in_threads(work)
    assert counts[0::2] == [N_ITERS] * (N_THREADS // 2)
    assert bibun.is_grad_enabled()


# ---------------------------------------------------------------------------------------------------------------------
# The GIL: released by the engine, re-acquired by Python hooks and custom backwards


def test_engine_releases_the_gil_during_backward() -> None:
    counter = [0]
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            counter[0] += 1

    r = rng_for("gil")
    a = make_tensor(bibun, r.randn(200, 200), "float64", True)
    b = make_tensor(bibun, r.randn(200, 200), "float64", True)
    graphs = []
    for _ in range(4):
        y = a
        for _ in range(6):
            y = (y @ b) * 0.01
        graphs.append(y.sum())

    spinner = threading.Thread(target=spin, daemon=True)
    spinner.start()
    time.sleep(0.05)
    advanced, spent = 0, 0.0
    try:
        for loss in graphs:
            before = counter[0]
            t0 = time.perf_counter()
            loss.backward()
            spent += time.perf_counter() - t0
            advanced += counter[0] - before
    finally:
        stop.set()
        spinner.join(TIMEOUT)
    assert spent > 0.02, f"backward too fast ({spent:.3f}s) to observe the GIL"
    assert advanced > 1000, (
        f"another Python thread ran only {advanced} steps during {spent:.3f}s of backward: the engine holds the GIL"
    )


def make_scale_function(lib: Any) -> Any:
    class PyScale(lib.autograd.Function):
        @staticmethod
        def forward(ctx: Any, a: Any, k: float) -> Any:
            ctx.k = k
            ctx.save_for_backward(a)
            return a * k

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (a,) = ctx.saved_tensors
            # Python work inside the engine: a list comprehension and a tensor op
            extra = sum([v * 0 for v in range(50)])
            return g * ctx.k + a * 0 + extra, None

    return PyScale


def hooked_step(lib: Any, fn: Any, x_np: np.ndarray, k: float, log: list[float]) -> np.ndarray:
    x = make_tensor(lib, x_np, "float64", True)
    y = fn.apply(x, k)

    def hook(g: Any) -> Any:
        log.append(float(g.sum().item()))
        return g * 2

    y.register_hook(hook)
    z = lib.exp(y * 0.1).sum()
    z.grad_fn.register_prehook(lambda grads: log.append(-1.0) and None)
    z.backward()
    return to_numpy(x.grad)


def test_python_hooks_and_custom_backward_in_threads_while_other_threads_run_python(torch: Any) -> None:
    fn_b, fn_t = make_scale_function(bibun), make_scale_function(torch)
    inputs = [(rng_for("hooked", i).randn(6), 0.5 + i) for i in range(4)]
    expected = [(hooked_step(torch, fn_t, x, k, log := []), log) for x, k in inputs]
    for (got_grad, _), (x, k) in zip(expected, inputs):
        serial_log: list[float] = []
        np.testing.assert_allclose(hooked_step(bibun, fn_b, x, k, serial_log), got_grad, rtol=1e-12)

    stop = threading.Event()
    python_work = [0, 0]

    def spin(i: int) -> None:
        while not stop.is_set():
            python_work[i] += sum(range(100)) == 4950

    spinners = [threading.Thread(target=spin, args=(i,), daemon=True) for i in range(2)]
    for s in spinners:
        s.start()
    start = threading.Barrier(4, timeout=TIMEOUT)

    def work(i: int) -> list[tuple[np.ndarray, list[float]]]:
        start.wait()
        out = []
        for _ in range(50):
            log: list[float] = []
            out.append((hooked_step(bibun, fn_b, *inputs[i], log), log))
        return out

    try:
        results = run_in_threads(work, 4)
    finally:
        stop.set()
        for s in spinners:
            s.join(TIMEOUT)
    assert all(python_work), "the spinning Python threads made no progress"
    for i, runs in enumerate(results):
        want_grad, want_log = expected[i]
        for grad, log in runs:
            np.testing.assert_allclose(grad, want_grad, rtol=1e-12, err_msg=f"thread {i}")
            assert len(log) == len(want_log) == 2, f"thread {i}: hook calls {log} vs torch {want_log}"
            np.testing.assert_allclose(log, want_log, rtol=1e-12, err_msg=f"thread {i}: hook arguments")


def test_hooks_of_concurrent_backwards_run_at_the_same_time() -> None:
    # Each backward's hook waits for the other three: possible only if all four engines run at once
    # and each hook takes the GIL only while it runs Python.
    meet = threading.Barrier(4, timeout=TIMEOUT)

    def work(i: int) -> list[float]:
        x = make_tensor(bibun, [1.0, 2.0], "float64", True)
        y = x * (i + 1)
        y.register_hook(lambda g: (meet.wait(), g * 10)[1])
        y.sum().backward()
        return x.grad.tolist()

    results = run_in_threads(work, 4)
    assert results == [[10.0 * (i + 1)] * 2 for i in range(4)]


# ---------------------------------------------------------------------------------------------------------------------
# Exceptions stay in their thread


def test_exception_in_one_threads_hook_reaches_that_thread_only() -> None:
    meet = threading.Barrier(4, timeout=TIMEOUT)
    caught: list[BaseException | None] = [None] * 4

    def work(i: int) -> list[float] | None:
        x = make_tensor(bibun, [1.0, 2.0], "float64", True)
        y = x * 3

        def hook(g: Any) -> Any:
            meet.wait()  # all four backwards are inside their hook now
            if i == 0:
                raise ValueError("boom from thread 0")
            return g

        y.register_hook(hook)
        try:
            y.sum().backward()
        except ValueError as e:
            caught[i] = e
            return None
        return x.grad.tolist()

    results = run_in_threads(work, 4)
    assert isinstance(caught[0], ValueError) and str(caught[0]) == "boom from thread 0"
    assert caught[1:] == [None, None, None]
    assert results == [None, [3.0, 3.0], [3.0, 3.0], [3.0, 3.0]]


def test_exceptions_in_custom_backward_stay_in_their_thread_over_many_passes() -> None:
    class Fails(bibun.autograd.Function):
        @staticmethod
        def forward(ctx: Any, a: Any, fail: bool) -> Any:
            ctx.fail = fail
            return a * 1

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            if ctx.fail:
                raise KeyError(f"failing pass {threading.get_ident()}")
            return g * 2, None

    start = threading.Barrier(N_THREADS, timeout=TIMEOUT)

    def work(i: int) -> tuple[int, int]:
        start.wait()
        failures = successes = 0
        me = threading.get_ident()
        for it in range(100):
            x = make_tensor(bibun, [1.0, -1.0], "float64", True)
            fail = (i + it) % 3 == 0
            try:
                Fails.apply(x, fail).sum().backward()
            except KeyError as e:
                assert fail, f"thread {i} got another thread's exception: {e}"
                assert str(e) == repr(f"failing pass {me}"), f"thread {i} got {e}"
                failures += 1
                continue
            assert not fail, f"thread {i}, pass {it}: the exception was lost"
            assert x.grad.tolist() == [2.0, 2.0]
            successes += 1
        return failures, successes

    results = run_in_threads(work)
    for i, (failures, successes) in enumerate(results):
        assert failures == sum((i + it) % 3 == 0 for it in range(100))
        assert failures + successes == 100


# ---------------------------------------------------------------------------------------------------------------------
# Large kernels run without the GIL (issue 8)


def _python_steps_during(work: Callable[[], Any]) -> tuple[int, float]:
    counter = [0]
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            counter[0] += 1

    spinner = threading.Thread(target=spin, daemon=True)
    spinner.start()
    time.sleep(0.05)
    try:
        before = counter[0]
        t0 = time.perf_counter()
        work()
        spent = time.perf_counter() - t0
        return counter[0] - before, spent
    finally:
        stop.set()
        spinner.join(TIMEOUT)


@pytest.mark.parametrize("op", ["matmul", "mul", "add"])
def test_large_forward_kernels_release_the_gil(op: str) -> None:
    r = rng_for("gil-kernels")
    a = make_tensor(bibun, r.randn(600, 600), "float64")
    b = make_tensor(bibun, r.randn(600, 600), "float64")
    fn = {"matmul": lambda: a @ b, "mul": lambda: a * b, "add": lambda: a + b}[op]

    def work() -> None:
        for _ in range(30 if op == "matmul" else 200):
            fn()

    advanced, spent = _python_steps_during(work)
    assert spent > 0.02, f"{op} too fast ({spent:.3f}s) to observe the GIL"
    assert advanced > 1000, f"another Python thread ran only {advanced} steps during {spent:.3f}s of {op}"


def test_threads_running_large_ops_on_a_shared_leaf_get_one_accumulator_and_the_serial_total() -> None:
    # The forward ops run without the GIL here, so the threads race to create the leaf's AccumulateGrad.
    n = 1 << 17
    w = bibun.ones(n, dtype=bibun.float64, requires_grad=True)
    xs = [bibun.full((n,), float(i + 1), dtype=bibun.float64) for i in range(N_THREADS)]

    def work(i: int) -> None:
        for _ in range(5):
            (w * xs[i]).sum().backward()

    run_in_threads(work)
    expected = 5 * sum(range(1, N_THREADS + 1))
    assert w.grad is not None
    assert float(w.grad.min()) == float(w.grad.max()) == expected
