"""Output identity: every example's ``run`` and ``backtest`` JSON, before and after a change.

Runs each ``examples/*.yaml`` (of the tree holding this script) through the CLI (``python -m
scenarios run FILE --format json --no-record`` and ``backtest FILE --format json --no-save``) once
from a base checkout and once from the current tree (each checkout is the working directory and
``PYTHONPATH``; the script checks that each run imports its own ``scenarios`` package), and
compares the two JSON documents value by value: the same keys, the same strings, and numbers
equal (exactly, or within ``--rtol`` when given). Run ids and version fields are ignored. Each
checkout gets its own empty ``$SCENARIOS_HOME`` and ``SCENARIOS_OFFLINE=1``, so both read the
same CSV snapshot. Exit 0 when every output matches.

Usage (from the repository root, the price snapshot in ``$SCENARIOS_PRICES``)::

    git worktree add ../base <commit>
    SCENARIOS_PRICES=../shared/hkdata/prices python benchmarks/output_identity.py --base ../base

``--roll quarterly`` also compares a walk-forward backtest of each example; ``--cache DIR``
keeps the base outputs between invocations; ``--only NAME`` restricts the examples.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: keys whose values differ between two runs of the same thing (ids, clocks, versions)
IGNORED_KEYS = frozenset({"run_id", "created_at", "recorded_at", "elapsed_s", "version",
                          "schema_version", "package_version"})


#: one private store folder per checkout (no lock shared with other processes, no network)
_HOMES: dict[Path, str] = {}


def _env(checkout: Path) -> dict[str, str]:
    prices = os.environ["SCENARIOS_PRICES"]
    home = _HOMES.setdefault(checkout, tempfile.mkdtemp(prefix="scenarios_identity_"))
    return dict(os.environ, PYTHONPATH=str(checkout), COLUMNS="200", NO_COLOR="1",
                SCENARIOS_PRICES=str(Path(prices).resolve()), SCENARIOS_HOME=home,
                SCENARIOS_OFFLINE="1")


def run_cli(checkout: Path, args: list[str]) -> tuple[int, str, str]:
    """Run ``python -m scenarios ARGS`` from ``checkout`` (its folder is the working directory,
    which ``-m`` puts first on ``sys.path``, and ``PYTHONPATH``); (exit code, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "scenarios", *args], cwd=checkout, env=_env(checkout),
                          capture_output=True, text=True, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def package_folder(checkout: Path) -> Path:
    """The ``scenarios`` package a CLI run from ``checkout`` imports."""
    out = subprocess.run([sys.executable, "-c", "import scenarios; print(scenarios.__file__)"],
                         cwd=checkout, env=_env(checkout), capture_output=True, text=True, check=True)
    return Path(out.stdout.strip()).resolve().parent


def differences(a: Any, b: Any, path: str = "$", rtol: float = 0.0, out: list[str] | None = None,
                limit: int = 20) -> list[str]:
    """Where two JSON values differ (at most ``limit`` entries), ignoring :data:`IGNORED_KEYS`."""
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    if isinstance(a, dict) and isinstance(b, dict):
        keys_a = {k for k in a if k not in IGNORED_KEYS}
        keys_b = {k for k in b if k not in IGNORED_KEYS}
        for k in sorted(keys_a ^ keys_b):
            out.append(f"{path}.{k}: only in {'base' if k in keys_a else 'current'}")
        for k in sorted(keys_a & keys_b):
            differences(a[k], b[k], f"{path}.{k}", rtol, out, limit)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: length {len(a)} != {len(b)}")
        else:
            for i, (x, y) in enumerate(zip(a, b, strict=False)):
                differences(x, y, f"{path}[{i}]", rtol, out, limit)
    elif (isinstance(a, (int, float)) and not isinstance(a, bool)
          and isinstance(b, (int, float)) and not isinstance(b, bool)):
        same = a == b or (math.isnan(a) and math.isnan(b)) or (
            rtol > 0 and math.isclose(a, b, rel_tol=rtol, abs_tol=0.0))
        if not same:
            out.append(f"{path}: {a!r} != {b!r}")
    elif a != b:
        out.append(f"{path}: {a!r} != {b!r}")
    return out


def cases(examples: list[Path], roll: str | None) -> list[tuple[str, list[str]]]:
    """(case name, CLI arguments) for every example."""
    out: list[tuple[str, list[str]]] = []
    for f in examples:
        rel = str(f)  # absolute: the same file for both checkouts
        out.append((f"run {f.stem}", ["run", rel, "--format", "json", "--no-record"]))
        out.append((f"backtest {f.stem}", ["backtest", rel, "--format", "json", "--no-save"]))
        if roll:
            out.append((f"backtest --roll {roll} {f.stem}",
                        ["backtest", rel, "--roll", roll, "--format", "json", "--no-save"]))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", type=Path, required=True, help="base checkout (its root goes on PYTHONPATH)")
    p.add_argument("--current", type=Path, default=ROOT, help="current checkout (default: this one)")
    p.add_argument("--roll", default=None, help="also compare a walk-forward backtest (quarterly, monthly)")
    p.add_argument("--only", action="append", default=[], help="example stem (repeatable)")
    p.add_argument("--cache", type=Path, default=None, help="folder keeping the base outputs")
    p.add_argument("--rtol", type=float, default=0.0, help="relative tolerance (default: exact)")
    args = p.parse_args(argv)
    if not os.environ.get("SCENARIOS_PRICES"):
        print("set SCENARIOS_PRICES (e.g. ../shared/hkdata/prices)", file=sys.stderr)
        return 2
    base, current = args.base.resolve(), args.current.resolve()
    for checkout in (base, current):  # each run must import its own checkout's code
        found = package_folder(checkout)
        if found != checkout / "scenarios":
            print(f"{checkout}: python imports scenarios from {found}", file=sys.stderr)
            return 2
    print(f"base: {base}\ncurrent: {current}")
    examples = sorted((ROOT / "examples").glob("*.yaml"))  # the same files for both
    if args.only:
        examples = [f for f in examples if f.stem in args.only]
    failed = 0
    for name, cli_args in cases(examples, args.roll):
        cached = args.cache / (name.replace(" ", "_") + ".json") if args.cache else None
        t0 = time.perf_counter()
        if cached is not None and cached.is_file():
            base_out = json.loads(cached.read_text(encoding="utf-8"))
            base_code = base_out["code"]
        else:
            base_code, out, err = run_cli(base, cli_args)
            base_out = {"code": base_code, "stdout": out, "stderr": err}
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                cached.write_text(json.dumps(base_out), encoding="utf-8")
        code, out, err = run_cli(current, cli_args)
        secs = time.perf_counter() - t0
        if code != base_code:
            failed += 1
            print(f"DIFFERENT {name}: exit {base_code} (base) != {code} (current)\n{err[-2000:]}")
            continue
        if code != 0:  # both failed the same way: compare the messages
            same = base_out["stderr"] == err
            failed += not same
            print(f"{'same' if same else 'DIFFERENT'} {name}: exit {code} in both ({secs:.1f} s)")
            continue
        diffs = differences(json.loads(base_out["stdout"]), json.loads(out), rtol=args.rtol)
        if diffs:
            failed += 1
            print(f"DIFFERENT {name}:\n  " + "\n  ".join(diffs))
        else:
            print(f"identical {name} ({secs:.1f} s)")
    print(f"{len(cases(examples, args.roll)) - failed} identical, {failed} different")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
