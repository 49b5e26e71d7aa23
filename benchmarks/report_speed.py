"""`scenarios report` on the 30-name HSTECH example: medians of fresh processes against the targets.

Run: ``python benchmarks/report_speed.py [--prices DIR] [--repeat 5] [--reference CHECKOUT]``.

A temporary ``SCENARIOS_HOME`` gets the price snapshot (``scenarios data import DIR``, default
``$SCENARIOS_PRICES`` or ``../shared/hkdata/prices``) and one recorded run of
``examples/hstech_ai_reweight_2025.yaml`` (``scenarios run FILE``). Then each command runs
``--repeat`` times in a fresh process (``python -m scenarios``, offline, prices from the store):

* ``report RUN_ID``: the recorded run; its horizon has passed, so the report re-runs the file
  with the recorded seed and draws and scores it (target 1.5 s);
* ``report FILE``: runs the scenario, scores it, simulates the index and the tornado (target 2.5 s).

Printed: median wall-clock seconds and median CPU seconds (user + system) per command, and
the target. On a shared machine the wall clock follows the load (printed too); CPU time
does much less. ``--reference CHECKOUT`` times another checkout (e.g. the main one, before a
change) in the same run, alternating with this one, and prints the ratio. The charts line
times the page's 30 fan charts in-process: SVG text (what the page uses) against matplotlib's
SVG (what it used), same data, same run.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "hstech_ai_reweight_2025.yaml"
TARGETS = {"report RUN_ID": 1.5, "report FILE": 2.5}


def _env(home: Path, checkout: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SCENARIOS_PRICES", "PYTHONPATH")}
    env.update(SCENARIOS_HOME=str(home), PYTHONPATH=str(checkout), SCENARIOS_OFFLINE="1",
               NO_COLOR="1", COLUMNS="120")
    return env


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """(wall s, CPU s of the child, stdout) of one fresh ``python -m scenarios ARGS``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "scenarios", *args], env=env, cwd=cwd, check=False,
                          capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"scenarios {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def _run_id(stdout: str) -> str:
    for line in stdout.splitlines():
        if line.startswith("run id:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit(f"no run id in the output of scenarios run:\n{stdout[-2000:]}")


def _charts_line() -> str:
    """The 30 fan charts of the example's report: SVG text vs matplotlib SVG, CPU per chart."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))      # this checkout's scenarios, not an installed one
    import numpy as np

    from scenarios.report import charts, svg
    from scenarios.report.model import FanChartData

    rng = np.random.default_rng(0)
    fans = []
    import datetime as dt
    days = [dt.date(2024, 7, 1) + dt.timedelta(days=i) for i in range(183)]
    real_days = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(365)]
    for i in range(30):
        hist = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, len(days))))
        real = hist[-1] * np.exp(np.cumsum(rng.normal(0, 0.02, len(real_days))))
        fans.append(FanChartData.from_draws(
            f"{i:04d}.HK", dt.date(2024, 12, 31), dt.date(2025, 12, 31), float(hist[-1]),
            hist[-1] * np.exp(rng.normal(0.05, 0.3, 10_000)), realized_return=float(real[-1] / hist[-1] - 1),
            history_dates=days, history_prices=hist, realized_dates=real_days, realized_prices=real))
    charts.to_svg(charts.fan_chart(fans[0]), "warm")      # fonts, imports
    t = time.process_time()
    for i, f in enumerate(fans):
        charts.to_svg(charts.fan_chart(f), f"fan-{i}", "t")
    mpl = (time.process_time() - t) / len(fans)
    t = time.process_time()
    for i, f in enumerate(fans):
        svg.fan_svg(f, f"fan-{i}", "t")
    direct = (time.process_time() - t) / len(fans)
    return (f"30 fan charts, CPU per chart: SVG text {direct * 1000:.1f} ms, matplotlib SVG "
            f"{mpl * 1000:.0f} ms (x{mpl / direct:.0f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prices", default=os.environ.get("SCENARIOS_PRICES") or str(ROOT.parent / "shared/hkdata/prices"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--reference", type=Path, default=None,
                    help="another checkout to time in the same run (e.g. the main one)")
    args = ap.parse_args()
    if not Path(args.prices).is_dir():
        raise SystemExit(f"no price folder at {args.prices}: pass --prices DIR or set SCENARIOS_PRICES")
    checkouts = {"this": ROOT}
    if args.reference is not None:
        checkouts["reference"] = args.reference.resolve()
    home = Path(tempfile.mkdtemp(prefix="report-speed-"))
    out = home / "out"
    out.mkdir()
    try:
        env = _env(home, ROOT)
        wall, _, _ = _cli(["data", "import", str(args.prices)], env, ROOT)
        print(f"store: {args.prices} imported in {wall:.1f} s")
        _, _, stdout = _cli(["run", str(EXAMPLE)], env, ROOT)
        run_id = _run_id(stdout)
        print(f"recorded run {run_id} of {EXAMPLE.name}")
        commands = {"report RUN_ID": ["report", run_id], "report FILE": ["report", str(EXAMPLE)]}
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for name, cmd in commands.items():
            # cwd = the checkout: ``python -m`` puts the working folder first on sys.path
            for path in checkouts.values():   # warm the file cache once per checkout
                _cli([*cmd, "--out", str(out / "warm.html"), "--force"], _env(home, path), path)
            for i in range(args.repeat):
                for which, path in checkouts.items():   # alternate: both see the same load
                    wall, cpu, _ = _cli([*cmd, "--out", str(out / f"{which}-{i}.html"), "--force"],
                                        _env(home, path), path)
                    times.setdefault((name, which), []).append((wall, cpu))
        load = os.getloadavg()[0]
        print(f"\nmedians of {args.repeat} fresh processes (load average {load:.1f} on {os.cpu_count()} cores):")
        head = f"{'command':<15}{'checkout':<11}{'wall s':>8}{'CPU s':>8}{'target s':>10}  verdict"
        print(head)
        print("-" * len(head))
        for name in commands:
            for which in checkouts:
                w = statistics.median(t[0] for t in times[(name, which)])
                c = statistics.median(t[1] for t in times[(name, which)])
                verdict = ("met" if w < TARGETS[name] else "MISSED (wall)") if which == "this" else ""
                print(f"{name:<15}{which:<11}{w:>8.2f}{c:>8.2f}{TARGETS[name]:>10.1f}  {verdict}")
            if "reference" in checkouts:
                w0 = statistics.median(t[0] for t in times[(name, "reference")])
                w1 = statistics.median(t[0] for t in times[(name, "this")])
                c0 = statistics.median(t[1] for t in times[(name, "reference")])
                c1 = statistics.median(t[1] for t in times[(name, "this")])
                print(f"{'':<15}{'ratio':<11}{w0 / w1:>7.2f}x{c0 / c1:>7.2f}x  reference / this")
        size = (out / "this-0.html").stat().st_size
        print(f"\nreport page: {size / 1024:.0f} KiB")
        print(_charts_line())
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
