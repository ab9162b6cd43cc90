"""``tieout sandbox generate``: write a scenario directory and print what was written."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import typer

from .config import ConfigError, GeneratorConfig, parse_rates


def run(out: Path, ledger: str, seed: int, size: str, invoices: int | None, rates: str | None) -> None:
    """Generate the scenario into ``out`` and print one line per file with its row count."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise typer.BadParameter(f"{out} exists and is not a directory; choose a new directory for --out")
    if out.exists() and any(out.iterdir()):
        typer.echo(
            f"error: {out} is not empty; give --out a new or empty directory (nothing was written)", err=True
        )
        raise typer.Exit(code=2)
    try:
        cfg = GeneratorConfig(
            ledger=ledger, seed=seed, size=size, invoices=invoices, rates=parse_rates(rates)
        )
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    from .engine import generate

    out.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    result = generate(
        cfg, out, progress=lambda msg: print(f"  {msg}", file=sys.stderr) if size != "small" else None
    )
    elapsed = time.perf_counter() - began
    width = max(len(name) for name in result.counts)
    for name, count in sorted(result.counts.items()):
        size_kb = (out / name).stat().st_size / 1024
        typer.echo(f"{name:<{width}}  {count:>10,} rows  {size_kb:>12,.1f} KiB")
    total = sum(result.counts.values())
    typer.echo(f"wrote {len(result.counts)} files, {total:,} rows to {out} in {elapsed:.1f} s")
