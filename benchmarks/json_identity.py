"""Are ``scenarios run --format json`` and ``scenarios backtest --format json`` unchanged?

Captures the JSON output of every example under two checkouts of the project (a reference,
e.g. a pristine worktree of an earlier commit, and the candidate, by default this one) and
compares them number by number. Ignored: run ids, the schema version field, and the absolute
path of the checkout inside recorded file paths. Everything else must be identical (floats
compared exactly; a key present on one side only is a difference).

Usage (from the repository root; the snapshot as for the tests)::

    git worktree add --detach ../wt-base 1686d0f
    SCENARIOS_PRICES=../shared/hkdata/prices python benchmarks/json_identity.py --reference ../wt-base

``--capture-only DIR`` writes the outputs of the candidate into DIR; ``--reference-dir DIR``
reuses outputs captured earlier instead of running the reference checkout again. The commands
run offline with a fresh ``$SCENARIOS_HOME`` per checkout, ``--no-record`` / ``--no-save``.
Exit status 0 when every output matches, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

#: Keys whose values are allowed to differ (ids, versions).
IGNORED_KEYS = frozenset({"run_id", "schema_version"})

#: (name, arguments after ``python -m scenarios``); ``{ex}`` is the example path.
RUN_ARGS = ["run", "{ex}", "--format", "json", "--no-record"]
BACKTEST_ARGS = ["backtest", "{ex}", "--format", "json", "--no-save", "--draws", "2000"]
#: walk-forward backtests (slower): a few examples, fixed dates
WALKS = {
    "tencent_feb_2026.yaml": ["--roll", "quarterly", "--from", "2024-06-30", "--to", "2025-06-30"],
    "deepseek_rally_feb_2025.yaml": ["--roll", "quarterly", "--from", "2024-09-30", "--to", "2025-06-30"],
    "hstech_ai_reweight_2025.yaml": ["--roll", "quarterly", "--from", "2024-09-30", "--to", "2025-03-31"],
}


def _jobs(root: Path) -> list[tuple[str, list[str]]]:
    jobs: list[tuple[str, list[str]]] = []
    for ex in sorted((root / "examples").glob("*.yaml")):
        rel = f"examples/{ex.name}"
        jobs.append((f"run-{ex.stem}", [a.format(ex=rel) for a in RUN_ARGS]))
        jobs.append((f"backtest-{ex.stem}", [a.format(ex=rel) for a in BACKTEST_ARGS]))
        if ex.name in WALKS:
            jobs.append((f"walk-{ex.stem}", [a.format(ex=rel) for a in BACKTEST_ARGS] + WALKS[ex.name]))
    return jobs


def capture(root: Path, out: Path, prices: str) -> None:
    """Run every job under checkout ``root`` and write ``<job>.json`` (stdout) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    home = tempfile.mkdtemp(prefix="json-identity-home-")
    env = {**os.environ, "PYTHONPATH": str(root), "SCENARIOS_PRICES": prices,
           "SCENARIOS_HOME": home, "SCENARIOS_OFFLINE": "1", "NO_COLOR": "1"}
    for name, args in _jobs(root):
        proc = subprocess.run([sys.executable, "-m", "scenarios", *args], cwd=root, env=env,
                              capture_output=True, text=True, check=False)
        (out / f"{name}.json").write_text(proc.stdout, encoding="utf-8")
        (out / f"{name}.exit").write_text(f"{proc.returncode}\n{proc.stderr[-2000:]}", encoding="utf-8")
        print(f"{root.name}: {name} exit {proc.returncode}", file=sys.stderr, flush=True)


def _normalize(obj: Any, root: str) -> Any:
    if isinstance(obj, dict):
        return {k: _normalize(v, root) for k, v in obj.items() if k not in IGNORED_KEYS}
    if isinstance(obj, list):
        return [_normalize(v, root) for v in obj]
    if isinstance(obj, str) and root and obj.startswith(root):
        return "<root>" + obj[len(root):]
    return obj


def diff(a: Any, b: Any, path: str = "$") -> list[str]:
    """Every difference between two JSON values, as ``path: a != b`` lines."""
    out: list[str] = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in dict.fromkeys([*a, *b]):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'candidate' if k in b else 'reference'}")
            else:
                out.extend(diff(a[k], b[k], f"{path}.{k}"))
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: length {len(a)} != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            out.extend(diff(x, y, f"{path}[{i}]"))
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        if not (a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))):
            out.append(f"{path}: {a!r} != {b!r}")
    elif a != b:
        out.append(f"{path}: {a!r} != {b!r}")
    return out


def compare_dirs(ref: Path, ref_root: Path, cand: Path, cand_root: Path) -> int:
    bad = 0
    names = sorted(p.stem for p in ref.glob("*.json"))
    for name in names:
        a_text = (ref / f"{name}.json").read_text(encoding="utf-8")
        b_path = cand / f"{name}.json"
        b_text = b_path.read_text(encoding="utf-8") if b_path.exists() else ""
        if not a_text.strip():
            print(f"{name}: reference produced no JSON (see {ref / (name + '.exit')})")
            bad += 1
            continue
        if not b_text.strip():
            print(f"{name}: candidate produced no JSON (see {cand / (name + '.exit')})")
            bad += 1
            continue
        a = _normalize(json.loads(a_text), str(ref_root.resolve()))
        b = _normalize(json.loads(b_text), str(cand_root.resolve()))
        d = diff(a, b)
        print(f"{name}: {'identical' if not d else f'{len(d)} differences'}")
        for line in d[:20]:
            print("    " + line)
        bad += bool(d)
    print(f"{len(names) - bad} of {len(names)} outputs identical")
    return 0 if bad == 0 and names else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reference", type=Path, help="checkout of the reference version")
    ap.add_argument("--reference-dir", type=Path, help="outputs captured earlier from the reference")
    ap.add_argument("--candidate", type=Path, default=Path(__file__).resolve().parents[1])
    ap.add_argument("--capture-only", type=Path, metavar="DIR")
    ap.add_argument("--work", type=Path, default=None, help="folder for the captured outputs")
    args = ap.parse_args(argv)
    prices = os.environ.get("SCENARIOS_PRICES")
    if not prices:
        ap.error("set SCENARIOS_PRICES (e.g. ../shared/hkdata/prices)")
    prices = str(Path(prices).resolve())
    if args.capture_only:
        capture(args.candidate, args.capture_only, prices)
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="json-identity-"))
    if args.reference_dir is not None:
        ref_dir, ref_root = args.reference_dir, args.reference or Path("/nonexistent")
    elif args.reference is not None:
        ref_dir, ref_root = work / "reference", args.reference
        capture(args.reference, ref_dir, prices)
    else:
        ap.error("give --reference CHECKOUT or --reference-dir DIR")
    cand_dir = work / "candidate"
    capture(args.candidate, cand_dir, prices)
    return compare_dirs(ref_dir, ref_root, cand_dir, args.candidate)


if __name__ == "__main__":
    raise SystemExit(main())
