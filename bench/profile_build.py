"""Where a dbt build's time goes: per layer and per node from ``run_results.json``, and DuckDB's
``EXPLAIN ANALYZE`` of one model's compiled SQL on a built warehouse.

    python bench/profile_build.py --run-results bench/cache/work/xero-medium-seed1/run_results-full-1.json
    python bench/profile_build.py --warehouse W.duckdb --target-path bench/cache/work/.../dbt-target \\
        --explain int_recon__document_candidates
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path


def layer(unique_id: str) -> str:
    kind, _, *rest = unique_id.split(".")
    name = rest[-1] if rest else unique_id
    if kind != "model":
        return kind + "s"
    for prefix, label in (
        ("stg_", "staging"),
        ("int_recon__", "intermediate/recon"),
        ("int_", "intermediate"),
    ):
        if name.startswith(prefix):
            return label
    return "marts"


def summarize(path: Path, top: int) -> None:
    data = json.loads(path.read_text())
    results = data["results"]
    print(f"{path.name}: dbt execution {data.get('elapsed_time', 0):.1f}s, {len(results)} nodes (2 threads)")
    by_layer: dict[str, list[float]] = defaultdict(list)
    for r in results:
        by_layer[layer(r["unique_id"])].append(float(r.get("execution_time") or 0))
    for name, times in sorted(by_layer.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {name:<22} {len(times):>4} nodes {sum(times):>8.1f}s (sum of node times)")
    print(f"  slowest {top}:")
    for r in sorted(results, key=lambda r: -float(r.get("execution_time") or 0))[:top]:
        rows = (r.get("adapter_response") or {}).get("rows_affected")
        print(
            f"    {float(r['execution_time']):>7.1f}s  {r['unique_id']}"
            + (f"  ({rows} rows)" if rows else "")
        )


def explain(warehouse: Path, target_path: Path, model: str) -> None:
    import duckdb

    found = list((target_path / "compiled").rglob(f"{model}.sql"))
    if not found:
        raise SystemExit(f"no compiled SQL for {model} under {target_path / 'compiled'}; run dbt build first")
    sql = found[0].read_text()
    con = duckdb.connect(str(warehouse), read_only=True)
    for _, plan in con.execute("explain analyze " + sql).fetchall():
        print(plan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-results", type=Path)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--warehouse", type=Path)
    parser.add_argument("--target-path", type=Path)
    parser.add_argument("--explain", metavar="MODEL")
    args = parser.parse_args()
    if args.run_results:
        summarize(args.run_results, args.top)
    if args.explain:
        explain(args.warehouse, args.target_path, args.explain)


if __name__ == "__main__":
    main()
