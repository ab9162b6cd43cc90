"""Scenario generator: a believable company in Xero or KashFlow beside an imperfectly integrated Sage 100,
with injected exceptions and the truth about them (see docs/scenario-format.md)."""

from .config import EXCEPTION_TYPES, GENERATOR_VERSION, GeneratorConfig

__all__ = ["EXCEPTION_TYPES", "GENERATOR_VERSION", "GeneratorConfig", "generate"]


def generate(cfg: GeneratorConfig, out):  # noqa: ANN001, ANN201 - thin lazy wrapper
    """Write the scenario for ``cfg`` into the empty directory ``out``; see :func:`engine.generate`."""
    from .engine import generate as _generate

    return _generate(cfg, out)
