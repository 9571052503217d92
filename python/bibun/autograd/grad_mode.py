"""Grad-mode context managers: no_grad, enable_grad, set_grad_enabled (thread-local, in C++)."""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

from bibun import _C


class _GradModeContext:
    """Base of the grad-mode context managers; also usable as a function decorator."""

    _enabled: bool

    def __call__(self, func: Callable) -> Callable:
        if inspect.isclass(func):
            raise TypeError(f"{type(self).__name__} cannot decorate a class")
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator_wrapper(*args: Any, **kwargs: Any):
                gen = func(*args, **kwargs)
                try:
                    with self.clone():
                        request = next(gen)
                    while True:
                        try:
                            response = yield request
                        except GeneratorExit:
                            with self.clone():
                                gen.close()
                            raise
                        with self.clone():
                            request = gen.send(response)
                except StopIteration as stop:
                    return stop.value

            return generator_wrapper

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper

    def clone(self) -> "_GradModeContext":
        return type(self)()

    def __enter__(self) -> None:
        self._prev = _C.is_grad_enabled()
        _C._set_grad_enabled(self._enabled)

    def __exit__(self, *exc: object) -> None:
        _C._set_grad_enabled(self._prev)


class _NoParamGradModeContext(_GradModeContext):
    """A grad-mode context that also decorates without parentheses (``@no_grad``)."""

    def __new__(cls, orig_func: Callable | None = None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)

    def __init__(self) -> None:
        self._prev = False


class no_grad(_NoParamGradModeContext):
    """Context manager (and decorator) that disables gradient recording in its thread."""

    _enabled = False


class enable_grad(_NoParamGradModeContext):
    """Context manager (and decorator) that enables gradient recording in its thread."""

    _enabled = True


class set_grad_enabled(_GradModeContext):
    """Sets grad mode on or off; works as a function call, a context manager or a decorator."""

    def __init__(self, mode: bool) -> None:
        self._prev = _C.is_grad_enabled()
        self._enabled = bool(mode)
        _C._set_grad_enabled(self._enabled)

    def __call__(self, func: Callable) -> Callable:
        _C._set_grad_enabled(self._prev)
        return super().__call__(func)

    def __enter__(self) -> None:
        _C._set_grad_enabled(self._enabled)

    def __exit__(self, *exc: object) -> None:
        _C._set_grad_enabled(self._prev)

    def clone(self) -> "set_grad_enabled":
        return set_grad_enabled(self._enabled)


def is_grad_enabled() -> bool:
    """Whether gradient recording is on in this thread."""
    return _C.is_grad_enabled()
