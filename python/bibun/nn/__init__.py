"""bibun.nn: neural-network building blocks (functional API for now)."""

from bibun.nn import functional  # noqa: F401
