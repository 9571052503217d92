"""Anomaly mode (issue 5): detect_anomaly / set_detect_anomaly / is_anomaly_enabled against PyTorch.

A backward that produces NaN under anomaly mode raises PyTorch's RuntimeError naming the node, and a
UserWarning shows the traceback of the forward call that created that node. Scenarios run on torch and on
bibun; the texts must agree (``bibun.`` for ``torch.``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any, Callable

import numpy as np
import pytest

import bibun

ENABLED_TEXT = (
    "Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled for "
    "debugging."
)


def anomaly_enabled(lib: Any) -> bool:
    # torch.is_anomaly_enabled is the public spelling; bibun's lack of it has its own test below.
    fn = getattr(lib, "is_anomaly_enabled", None) or lib.autograd.anomaly_mode.is_anomaly_enabled
    return bool(fn())


def check_nan_enabled(lib: Any) -> bool:
    fn = getattr(lib, "is_anomaly_check_nan_enabled", None) or lib.autograd.anomaly_mode.is_anomaly_check_nan_enabled
    return bool(fn())


def reset(lib: Any) -> None:
    if lib is bibun:
        bibun._C._set_anomaly_enabled(False, True)
    else:
        lib.set_anomaly_enabled(False, True)


@pytest.fixture(autouse=True)
def anomaly_off(torch: Any) -> Iterator[None]:
    """Every test starts and ends with anomaly mode off in both libraries (it is process-global)."""
    reset(torch)
    reset(bibun)
    yield
    reset(torch)
    reset(bibun)


def run_recording(fn: Callable[[], Any]) -> tuple[BaseException | None, list[warnings.WarningMessage]]:
    """Calls ``fn``; returns the exception it raised (or None) and every warning it emitted."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - the exception is the result under test
            return e, list(caught)
    return None, list(caught)


def div_by_itself(lib: Any) -> Any:
    x = lib.tensor([0.0], requires_grad=True)
    y = x / x  # FORWARD-LINE-DIV
    y.backward()
    return x


def zero_times_sqrt_of_zero(lib: Any) -> Any:
    x = lib.tensor([0.0, 4.0], requires_grad=True)
    y = (lib.sqrt(x) * 0).sum()  # FORWARD-LINE-SQRT
    y.backward()
    return x


def messages(caught: list[warnings.WarningMessage], prefix: str) -> list[str]:
    return [str(w.message) for w in caught if str(w.message).startswith(prefix)]


# ---------------------------------------------------------------------------------------------------------------------
# The NaN error


@pytest.mark.parametrize("case", [div_by_itself, zero_times_sqrt_of_zero], ids=["div", "sqrt"])
def test_nan_in_backward_under_detect_anomaly_raises_torchs_error(torch: Any, case: Callable[[Any], Any]) -> None:
    results = {}
    for lib in (torch, bibun):
        def run(lib: Any = lib) -> None:
            with lib.autograd.detect_anomaly():
                case(lib)

        err, _ = run_recording(run)
        assert err is not None, f"{lib.__name__}: no error raised"
        results[lib.__name__] = (type(err), str(err))
    assert results["bibun"] == results["torch"]


def test_div_nan_error_names_div_backward_output_1_as_torch(torch: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError) as info, bibun.autograd.detect_anomaly():
            div_by_itself(bibun)
    # d(x/x)/dx for the divisor is -x/x**2 = 0/0: the NaN is in DivBackward0's output 1
    assert str(info.value) == "Function 'DivBackward0' returned nan values in its 1th output."


def test_sqrt_nan_error_names_sqrt_backward_output_0(torch: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError) as info, bibun.autograd.detect_anomaly():
            zero_times_sqrt_of_zero(bibun)
    assert str(info.value) == "Function 'SqrtBackward0' returned nan values in its 0th output."


def test_nan_error_warns_with_traceback_of_the_forward_line(torch: Any) -> None:
    source_line = "y = x / x  # FORWARD-LINE-DIV"
    for lib in (torch, bibun):
        def run(lib: Any = lib) -> None:
            with lib.autograd.detect_anomaly():
                div_by_itself(lib)

        err, caught = run_recording(run)
        assert isinstance(err, RuntimeError), lib.__name__
        found = messages(caught, "Error detected in DivBackward0. Traceback of forward call that caused the error:\n")
        assert len(found) == 1, f"{lib.__name__}: warnings were {[str(w.message)[:120] for w in caught]}"
        text = found[0]
        assert f'File "{__file__}"' in text, f"{lib.__name__}: test file missing from the trace:\n{text}"
        assert source_line in text, f"{lib.__name__}: forward source line missing from the trace:\n{text}"
        assert "in div_by_itself" in text, f"{lib.__name__}: forward function name missing:\n{text}"
        category = [w.category for w in caught if str(w.message).startswith("Error detected")][0]
        assert category is UserWarning


def test_error_in_custom_backward_under_anomaly_warns_with_apply_line(torch: Any) -> None:
    def run(lib: Any) -> tuple[Any, list[str]]:
        class Boom(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, a: Any) -> Any:
                return a * 1

            @staticmethod
            def backward(ctx: Any, g: Any) -> Any:
                raise ValueError("boom in backward")

        def go() -> None:
            with lib.autograd.detect_anomaly():
                x = lib.tensor([1.0, 2.0], requires_grad=True)
                out = Boom.apply(x)  # FORWARD-LINE-BOOM
                out.sum().backward()

        err, caught = run_recording(go)
        return err, messages(caught, "Error detected in BoomBackward. Traceback of forward call that caused the error:")

    t_err, t_msgs = run(torch)
    b_err, b_msgs = run(bibun)
    assert type(b_err) is type(t_err) is ValueError
    assert str(b_err) == str(t_err) == "boom in backward"
    assert len(t_msgs) == 1
    assert len(b_msgs) == 1, "bibun did not warn with the forward traceback"
    assert "out = Boom.apply(x)  # FORWARD-LINE-BOOM" in b_msgs[0]
    assert f'File "{__file__}"' in b_msgs[0]


# ---------------------------------------------------------------------------------------------------------------------
# Without anomaly mode, and with check_nan=False


def test_without_anomaly_mode_nan_propagates_silently_as_in_torch(torch: Any) -> None:
    for case in (div_by_itself, zero_times_sqrt_of_zero):
        t_err, t_caught = run_recording(lambda: case(torch))
        got: dict[str, Any] = {}
        b_err, b_caught = run_recording(lambda: got.setdefault("x", case(bibun)))
        assert t_err is None and b_err is None, f"{case.__name__}: bibun raised {b_err!r}"
        assert not messages(b_caught, "Error detected")
        t_x = case(torch)
        np.testing.assert_array_equal(np.array(got["x"].grad.tolist()), np.array(t_x.grad.tolist()))
        assert np.isnan(np.array(got["x"].grad.tolist())).any(), "the NaN gradient should reach the leaf"


def test_check_nan_false_lets_nan_through_without_error(torch: Any) -> None:
    for lib in (torch, bibun):
        holder: dict[str, Any] = {}

        def run(lib: Any = lib) -> None:
            with lib.autograd.detect_anomaly(check_nan=False):
                assert anomaly_enabled(lib)
                assert not check_nan_enabled(lib)
                holder["x"] = div_by_itself(lib)

        err, caught = run_recording(run)
        assert err is None, f"{lib.__name__} raised {err!r}"
        assert not messages(caught, "Error detected"), lib.__name__
        assert np.isnan(np.array(holder["x"].grad.tolist())).all()
        assert not anomaly_enabled(lib) and check_nan_enabled(lib), f"{lib.__name__}: state not restored"


def test_set_detect_anomaly_check_nan_false_lets_nan_through(torch: Any) -> None:
    bibun.autograd.set_detect_anomaly(True, check_nan=False)
    assert anomaly_enabled(bibun) and not check_nan_enabled(bibun)
    x = div_by_itself(bibun)
    assert np.isnan(np.array(x.grad.tolist())).all()


# ---------------------------------------------------------------------------------------------------------------------
# The warning on entering, state handling


def test_creating_detect_anomaly_warns_like_torch_pointing_at_the_caller(torch: Any) -> None:
    for lib in (torch, bibun):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with lib.autograd.detect_anomaly():  # the caller's line
                pass
        found = [w for w in caught if str(w.message) == ENABLED_TEXT]
        assert len(found) == 1, f"{lib.__name__}: {[str(w.message) for w in caught]}"
        assert found[0].category is UserWarning
        assert found[0].filename == __file__, f"{lib.__name__}: warning attributed to {found[0].filename}"


def test_set_detect_anomaly_does_not_warn(torch: Any) -> None:
    for lib in (torch, bibun):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.autograd.set_detect_anomaly(True)
            lib.autograd.set_detect_anomaly(False)
        assert not [w for w in caught if "Anomaly" in str(w.message)], lib.__name__


def test_detect_anomaly_context_enables_and_restores_state(torch: Any) -> None:
    seen = {}
    for lib in (torch, bibun):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            before = (anomaly_enabled(lib), check_nan_enabled(lib))
            with lib.autograd.detect_anomaly():
                inside = (anomaly_enabled(lib), check_nan_enabled(lib))
                with lib.autograd.detect_anomaly(check_nan=False):
                    nested = (anomaly_enabled(lib), check_nan_enabled(lib))
                after_nested = (anomaly_enabled(lib), check_nan_enabled(lib))
            after = (anomaly_enabled(lib), check_nan_enabled(lib))
        seen[lib.__name__] = (before, inside, nested, after_nested, after)
    assert seen["torch"] == ((False, True), (True, True), (True, False), (True, True), (False, True))
    assert seen["bibun"] == seen["torch"]


def test_detect_anomaly_restores_state_when_backward_raises(torch: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError), bibun.autograd.detect_anomaly():
            div_by_itself(bibun)
    assert not anomaly_enabled(bibun)
    # and a NaN backward afterwards raises nothing
    x = div_by_itself(bibun)
    assert np.isnan(np.array(x.grad.tolist())).any()


def test_detect_anomaly_used_as_decorator_behaves_like_torch(torch: Any) -> None:
    # torch 2.13's detect_anomaly has no __call__: decorating raises TypeError.
    outcomes = {}
    for lib in (torch, bibun):
        def make(lib: Any = lib) -> Any:
            @lib.autograd.detect_anomaly()
            def f() -> bool:
                return anomaly_enabled(lib)

            return f()

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                outcomes[lib.__name__] = ("returned", make())
            except Exception as e:  # noqa: BLE001
                outcomes[lib.__name__] = (type(e).__name__, str(e))
        outcomes[lib.__name__ + " after"] = anomaly_enabled(lib)
    assert outcomes["torch"] == ("TypeError", "'detect_anomaly' object is not callable")
    assert outcomes["bibun"] == outcomes["torch"]
    assert outcomes["bibun after"] is False


def test_set_detect_anomaly_as_function_switches_state(torch: Any) -> None:
    for lib in (torch, bibun):
        lib.autograd.set_detect_anomaly(True)
        assert anomaly_enabled(lib) and check_nan_enabled(lib), lib.__name__
        lib.autograd.set_detect_anomaly(False)
        assert not anomaly_enabled(lib), lib.__name__


def test_set_detect_anomaly_true_as_function_raises_on_nan(torch: Any) -> None:
    bibun.autograd.set_detect_anomaly(True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match=r"^Function 'DivBackward0' returned nan values in its 1th output\.$"):
            div_by_itself(bibun)
    assert anomaly_enabled(bibun), "set_detect_anomaly(True) stays on until switched off"


def test_set_detect_anomaly_as_context_manager_restores_previous_state(torch: Any) -> None:
    seen = {}
    for lib in (torch, bibun):
        states = []
        with lib.autograd.set_detect_anomaly(True):
            states.append(anomaly_enabled(lib))
            with lib.autograd.set_detect_anomaly(False):
                states.append(anomaly_enabled(lib))
            states.append(anomaly_enabled(lib))
        states.append(anomaly_enabled(lib))
        seen[lib.__name__] = states
    assert seen["torch"] == [True, False, True, False]
    assert seen["bibun"] == seen["torch"]


def test_set_detect_anomaly_false_context_disables_error_inside_detect_anomaly(torch: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with bibun.autograd.detect_anomaly():
            with bibun.autograd.set_detect_anomaly(False):
                x = div_by_itself(bibun)
            assert anomaly_enabled(bibun)
    assert np.isnan(np.array(x.grad.tolist())).any()


def test_is_anomaly_enabled_is_exposed_where_torch_has_it(torch: Any) -> None:
    for name in ("is_anomaly_enabled", "is_anomaly_check_nan_enabled"):
        assert hasattr(torch, name)
        assert hasattr(bibun, name), f"bibun.{name} is missing (torch.{name} exists)"
        assert getattr(bibun, name)() is False if name == "is_anomaly_enabled" else True
