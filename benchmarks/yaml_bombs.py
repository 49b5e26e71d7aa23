"""Hostile YAML: how fast and how cheaply the shared loader refuses it.

Each case is parsed by ``scenarios.yamlio.load_yaml`` in a FRESH process (so peak memory is the
case's own); the script prints the median wall time of the parse and the process's peak RSS,
next to the same numbers for a real example file (the reference in the same run):

* ``billion-laughs``: 9 levels of 10 aliases (10^9 leaves if expanded; once 38 s and 3.8 GB);
* ``billion-laughs-in-scenario``: the same bomb under a key of a full example scenario;
* ``recursive``: ``loop: &l [*l]`` (once a RecursionError, exit 70);
* ``deep``: 50,000 nested ``[`` (crashes libyaml's recursive composer if it gets there);
* ``large``: a 6 MB file (over the 5 MB limit).

Then ``scenarios validate --no-data`` runs in-process on mutated copies of every example (the
fuzz test's kinds of damage: truncated, a key deleted, a scalar replaced by junk, a recursive
alias, an alias bomb appended) and the slowest case is printed next to the median.

Targets (issue 16): every bomb rejected in well under 1 s and under 200 MB; every validate case
well under 2 s. Run:

    python benchmarks/yaml_bombs.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, resource, sys, time
from scenarios.errors import ScenarioError
from scenarios.yamlio import load_yaml
t0 = time.perf_counter()
try:
    load_yaml(sys.argv[1])
    outcome = "accepted"
except ScenarioError as exc:
    outcome = "rejected: " + exc.message[:60]
dt = time.perf_counter() - t0
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": dt, "peak_mb": peak_kb / 1024, "outcome": outcome}))
"""


def billion_laughs() -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * 10) + "]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def cases(tmp: Path) -> dict[str, Path]:
    example = ROOT / "examples" / "tencent_feb_2026.yaml"
    bomb = billion_laughs()
    texts = {
        "billion-laughs": bomb,
        "billion-laughs-in-scenario": example.read_text(encoding="utf-8") + "\nbomb:\n"
        + "".join("  " + line + "\n" for line in bomb.splitlines()),
        "recursive": "loop: &l [*l]\n",
        "deep": "a: " + "[" * 50_000 + "]" * 50_000 + "\n",
        "large": "x: " + "y" * (6 * 1024 * 1024) + "\n",
    }
    out = {"reference (example file)": example}
    for name, text in texts.items():
        p = tmp / f"{name}.yaml"
        p.write_text(text, encoding="utf-8")
        out[name] = p
    return out


def measure(path: Path) -> dict[str, object]:
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=120)
    if proc.returncode != 0:
        return {"seconds": float("nan"), "peak_mb": float("nan"),
                "outcome": f"CRASH rc={proc.returncode}: {proc.stderr.strip()[-80:]}"}
    return json.loads(proc.stdout)


def validate_cases() -> list[tuple[str, str]]:
    """(label, text) of damaged copies of every example."""
    out: list[tuple[str, str]] = []
    for ex in sorted((ROOT / "examples").glob("*.yaml")):
        text = ex.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        out += [
            (f"{ex.name} truncated", text[: len(text) // 2]),
            (f"{ex.name} key deleted", "".join(line for line in lines if not line.startswith("as_of:"))),
            (f"{ex.name} junk scalar", text.replace("draws:", "draws: [bold]:100:\x1b #", 1)),
            (f"{ex.name} recursive alias", text + "\nloop: &l [*l]\n"),
            (f"{ex.name} alias bomb",
             text + "\nnotes:\n" + "".join("  " + x + "\n" for x in billion_laughs().splitlines())),
        ]
    return out


def time_validate(tmp: Path) -> None:
    import contextlib
    import io
    import time

    from scenarios.cli.app import main

    times: list[tuple[float, str, int]] = []
    cases = validate_cases()
    warm = tmp / "warm.yaml"  # imports (pydantic models, rich) are paid once, not by the first case
    warm.write_text(cases[0][1], encoding="utf-8")
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        main(["validate", "--no-data", str(warm)])
    for label, text in cases:
        path = tmp / "case.yaml"
        path.write_text(text, encoding="utf-8")
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            t0 = time.perf_counter()
            code = main(["validate", "--no-data", str(path)])
            times.append((time.perf_counter() - t0, label, code))
    times.sort()
    med = statistics.median(t for t, _, _ in times)
    worst, label, code = times[-1]
    codes = sorted({c for _, _, c in times})
    print(f"\nvalidate --no-data on {len(times)} damaged examples (in-process): median {med:.4f} s, "
          f"slowest {worst:.4f} s ({label}, exit {code}); exit codes seen {codes}"
          + ("" if worst < 2 and set(codes) <= {0, 2} else "  << OVER TARGET"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="fresh processes per case (median)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'case':32} {'parse s':>9} {'peak MB':>8}  outcome")
        for name, path in cases(Path(tmp)).items():
            runs = [measure(path) for _ in range(args.repeat)]
            secs = statistics.median(float(r["seconds"]) for r in runs)  # type: ignore[arg-type]
            mb = statistics.median(float(r["peak_mb"]) for r in runs)  # type: ignore[arg-type]
            ok = "" if name.startswith("reference") or (secs < 1 and mb < 200) else "  << OVER TARGET"
            print(f"{name:32} {secs:9.4f} {mb:8.1f}  {runs[0]['outcome']}{ok}")
        sys.path.insert(0, str(ROOT))
        time_validate(Path(tmp))


if __name__ == "__main__":
    main()
