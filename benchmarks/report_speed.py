"""`scenarios report` on the 30-name HSTECH example: medians of fresh processes against the targets.

Run: ``python benchmarks/report_speed.py [--prices DIR] [--repeat 5] [--reference CHECKOUT]``.

A temporary ``SCENARIOS_HOME`` gets the price snapshot (``scenarios data import DIR``, default
``$SCENARIOS_PRICES`` or ``../shared/hkdata/prices``). Then, per repetition and per checkout,
each command runs in a fresh process (``python -m scenarios``, offline, prices from the store):

* ``run FILE``: records a new run of ``examples/hstech_ai_reweight_2025.yaml`` (its horizon has
  passed, so recording it also scores it and keeps the score: :mod:`scenarios.report.scored`);
* ``report RUN_ID``, first: that run's first report (target 1.5 s);
* ``report RUN_ID``, repeat: the same report again (target 1.5 s);
* ``report RUN_ID``, nothing kept: the same with its kept score deleted first, as for a run
  recorded before scores were kept: the report re-runs the file with the recorded seed and draws,
  scores it and keeps the score (no target; printed);
* ``report FILE``: runs the scenario, scores it, simulates the index and the tornado (target 2.5 s).

Printed: median wall-clock seconds and median CPU seconds (user + system) per command, and
the target. On a shared machine the wall clock follows the load (printed too); CPU time
does much less. ``--reference CHECKOUT`` times another checkout (e.g. the main one, before a
change) in the same run, alternating with this one, and prints the ratio (a checkout that keeps
no scores re-runs the file at every report). Bytecode is cached as for an installed package
(``$PYTHONDONTWRITEBYTECODE`` dropped, ``$PYTHONPYCACHEPREFIX`` in the scratch folder, filled by an
untimed warm-up round), as ``benchmarks/cli_timings.py`` does. The charts line times the page's
30 fan charts in-process: SVG text (what the page uses) against matplotlib's SVG (what it used),
same data, same run.
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
TARGETS = {"report RUN_ID, first": 1.5, "report RUN_ID, repeat": 1.5, "report FILE": 2.5}
COMMANDS = ("run FILE", "report RUN_ID, first", "report RUN_ID, repeat", "report RUN_ID, nothing kept",
            "report FILE")


def _env(home: Path, checkout: Path, pycache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SCENARIOS_PRICES", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}
    env.update(SCENARIOS_HOME=str(home), PYTHONPATH=str(checkout), SCENARIOS_OFFLINE="1",
               NO_COLOR="1", COLUMNS="120", PYTHONPYCACHEPREFIX=str(pycache))
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


def _forget_score(home: Path, run_id: str) -> None:
    """Delete the kept score of ``run_id`` (if the store has the table), as a store without one."""
    import duckdb

    con = duckdb.connect(str(home / "store.duckdb"))
    try:
        if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'run_scores'").fetchone()[0]:
            con.execute("DELETE FROM run_scores WHERE run_id = ?", [run_id])
    finally:
        con.close()


def _round(path: Path, env: dict[str, str], home: Path, out: Path) -> tuple[dict[str, tuple[float, float]], str]:
    """One fresh process per command of :data:`COMMANDS` for the checkout at ``path``.

    Returns the (wall, CPU) seconds per command and the id of the run recorded; the pages go to
    ``out``-``first``/``repeat``/``cold``/``file``.html.
    """
    example = str(path / "examples" / EXAMPLE.name)

    def page(which: str) -> list[str]:
        return ["--out", f"{out}-{which}.html", "--force"]

    times = {}
    wall, cpu, stdout = _cli(["run", example], env, path)
    times["run FILE"] = (wall, cpu)
    run_id = _run_id(stdout)
    times["report RUN_ID, first"] = _cli(["report", run_id, *page("first")], env, path)[:2]
    times["report RUN_ID, repeat"] = _cli(["report", run_id, *page("repeat")], env, path)[:2]
    _forget_score(home, run_id)
    times["report RUN_ID, nothing kept"] = _cli(["report", run_id, *page("cold")], env, path)[:2]
    times["report FILE"] = _cli(["report", example, *page("file")], env, path)[:2]
    return times, run_id


def _same_pages(checkouts: dict[str, Path], envs: dict[str, dict[str, str]], run_id: str, out: Path) -> str:
    """Say whether every page of this checkout's last recorded run is the same, byte for byte.

    The first, repeat and nothing-kept pages of this checkout, and the reference checkout's page
    of the same run (untimed).
    """
    pages = {w: Path(f"{out}-{w}.html").read_bytes() for w in ("first", "repeat", "cold")}
    if "reference" in checkouts:
        ref = Path(f"{out}-reference.html")
        _cli(["report", run_id, "--out", str(ref), "--force"], envs["reference"], checkouts["reference"])
        pages["reference"] = ref.read_bytes()
    same = len(set(pages.values())) == 1
    return (f"pages of run {run_id} ({', '.join(pages)}): "
            + ("byte-identical" if same else "DIFFERENT: " + ", ".join(f"{k} {len(v)} B" for k, v in pages.items())))


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
        envs = {which: _env(home, path, home / f"pycache-{which}") for which, path in checkouts.items()}
        wall, _, _ = _cli(["data", "import", str(args.prices)], envs["this"], ROOT)
        print(f"store: {args.prices} imported in {wall:.1f} s")
        for which, path in checkouts.items():   # warm-up: bytecode, the OS file cache, calendars
            _round(path, envs[which], home, out / f"warm-{which}")
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        last = ""
        for i in range(args.repeat):
            for which, path in checkouts.items():   # alternate: both see the same load
                got, run_id = _round(path, envs[which], home, out / f"{which}-{i}")
                for name, t in got.items():
                    times.setdefault((name, which), []).append(t)
                if which == "this":
                    last = run_id
        load = os.getloadavg()[0]
        print(f"\nmedians of {args.repeat} fresh processes (load average {load:.1f} on {os.cpu_count()} cores):")
        head = f"{'command':<29}{'checkout':<11}{'wall s':>8}{'CPU s':>8}{'target s':>10}  verdict"
        print(head)
        print("-" * len(head))
        for name in COMMANDS:
            target = TARGETS.get(name)
            for which in checkouts:
                w = statistics.median(t[0] for t in times[(name, which)])
                c = statistics.median(t[1] for t in times[(name, which)])
                verdict = ("" if which != "this" or target is None else
                           "met" if w < target else "MISSED (wall)")
                shown = f"{target:>10.1f}" if target is not None else f"{'-':>10}"
                print(f"{name:<29}{which:<11}{w:>8.2f}{c:>8.2f}{shown}  {verdict}")
            if "reference" in checkouts:
                w0 = statistics.median(t[0] for t in times[(name, "reference")])
                w1 = statistics.median(t[0] for t in times[(name, "this")])
                c0 = statistics.median(t[1] for t in times[(name, "reference")])
                c1 = statistics.median(t[1] for t in times[(name, "this")])
                print(f"{'':<29}{'ratio':<11}{w0 / w1:>7.2f}x{c0 / c1:>7.2f}x  reference / this")
        size = (out / "this-0-first.html").stat().st_size
        print(f"\nreport page: {size / 1024:.0f} KiB")
        print(_same_pages(checkouts, envs, last, out / f"this-{args.repeat - 1}"))
        print(_charts_line())
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
