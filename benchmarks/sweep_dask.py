"""A 200-point grid walked forward: serial, ``--workers 2`` and on a ``LocalCluster``.

Builds a grid file in a temporary folder from ``examples/deepseek_rally_feb_2025.yaml`` (its
``pe-reversion`` half-life on ``--points`` values; everything else as in the example), then
runs the same command three ways, each in a fresh process with its own empty store:

* ``scenarios backtest GRID --roll quarterly --from .. --to .. --draws N --format json --no-record``
  (serial, the reference);
* the same with ``--workers 2`` (the command starts and stops its own local cluster: the
  start-up is in the time);
* the same with ``--scheduler ADDR``, pointed at a ``LocalCluster`` (2 single-threaded worker
  processes) this script starts beforehand (its start-up is printed apart, not in the time).

Prints the wall times, the speed-up against serial and whether the JSON output is identical
byte for byte. The machine's load average is printed too: on a shared 2-core machine the
speed-up is bounded by 2 and by whatever else is running.

    SCENARIOS_PRICES=../shared/hkdata/prices python benchmarks/sweep_dask.py [--points 200] [--draws 200]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "deepseek_rally_feb_2025.yaml"


def grid_file(folder: Path, points: int) -> Path:
    """The example with its grid replaced by ``points`` half-lives from 0.25 to 5 years."""
    text = EXAMPLE.read_text(encoding="utf-8")
    values = ", ".join(f"{0.25 + 4.75 * i / max(points - 1, 1):.6g}" for i in range(points))
    new, n = re.subn(r"grid:\n  drivers\[pe-reversion\]\.half_life_years: \[[^\]]*\]",
                     f"grid:\n  drivers[pe-reversion].half_life_years: [{values}]", text)
    if n != 1:
        raise SystemExit(f"{EXAMPLE}: its grid line changed; update benchmarks/sweep_dask.py")
    out = folder / "deepseek_grid.yaml"
    out.write_text(new, encoding="utf-8")
    return out


def run(cmd: list[str], env: dict[str, str], home: Path) -> tuple[float, bytes]:
    """Wall time of ``cmd`` in a fresh process (its own empty store) and its stdout."""
    env = {**env, "SCENARIOS_HOME": str(home)}
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode(errors="replace"))
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}")
    return wall, p.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=200, help="grid points (default 200)")
    ap.add_argument("--draws", type=int, default=200, help="Monte Carlo draws per window")
    ap.add_argument("--from", dest="start", default="2024-01-01")
    ap.add_argument("--to", dest="end", default="2024-12-31")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    prices = os.environ.get("SCENARIOS_PRICES")
    if not prices or not Path(prices).is_dir():
        raise SystemExit("set SCENARIOS_PRICES to the price snapshot (../shared/hkdata/prices)")
    env = {**os.environ, "SCENARIOS_PRICES": str(Path(prices).resolve()), "SCENARIOS_OFFLINE": "1",
           "SCENARIOS_PROGRESS": "0",
           "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    sys.path.insert(0, str(ROOT))  # the LocalCluster's worker processes import this checkout

    from distributed import LocalCluster

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        grid = grid_file(folder, a.points)
        base = [sys.executable, "-m", "scenarios", "backtest", str(grid), "--roll", "quarterly",
                "--from", a.start, "--to", a.end, "--draws", str(a.draws), "--format", "json",
                "--no-record"]
        print(f"{a.points}-point grid x quarterly windows {a.start}..{a.end}, {a.draws} draws; "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
        t_serial, out_serial = run(base, env, folder / "h1")
        print(f"serial                       {t_serial:8.1f} s")
        t_workers, out_workers = run([*base, "--workers", str(a.workers)], env, folder / "h2")
        print(f"--workers {a.workers}                  {t_workers:8.1f} s   speed-up "
              f"{t_serial / t_workers:4.2f}x   identical: {out_workers == out_serial}")
        t0 = time.perf_counter()
        import logging
        import warnings

        with warnings.catch_warnings():  # port 8787 taken by another cluster: it takes another
            warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
            cluster = LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.CRITICAL,
                                   env={"SCENARIOS_PRICES": "", "SCENARIOS_FUNDAMENTALS": "",
                                        "SCENARIOS_OFFLINE": "1"})
        t_start = time.perf_counter() - t0
        try:
            t_sched, out_sched = run([*base, "--scheduler", cluster.scheduler_address], env, folder / "h3")
        finally:
            cluster.close()
        print(f"--scheduler (LocalCluster)   {t_sched:8.1f} s   speed-up {t_serial / t_sched:4.2f}x   "
              f"identical: {out_sched == out_serial}   (cluster start-up {t_start:.1f} s, not counted)")
        n = out_serial.count(b'"as_of"')
        print(f"output: {len(out_serial):,} bytes of JSON; load average {os.getloadavg()[0]:.1f} at end")
        if n == 0 or out_workers != out_serial or out_sched != out_serial:
            raise SystemExit("FAIL: the parallel output differs from the serial one")


if __name__ == "__main__":
    main()
