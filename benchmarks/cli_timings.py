"""CLI timings: medians of fresh processes against the import floor measured in the same run.

Each command runs ``--repeat`` times (default 5) as a fresh ``python -m scenarios ...`` process,
after one untimed warm-up (store, calendars, OS file cache). The import floor is a fresh
``python -c "import pandas, duckdb, pydantic, yaml, typer, rich"``, interleaved with the commands so
that machine load hits it alike. Printed per command: the median wall time, the median CPU time
(user + system of the child: steadier than the wall clock on a shared machine), the overhead of
each over the floor's, the target (issue 13 fixed costs and report; issue 10 ``--help``) and
pass/fail::

    scenarios --help                     under 0.3 s (absolute)
    warm run, one-stock example          floor + 0.15 s
    warm run, HSTECH example             floor + 0.35 s
    report RUN_ID (HSTECH)               under 1.5 s (absolute)
    report FILE (HSTECH)                 under 2.5 s (absolute)
    run of a 3-point grid, backtest      no target: printed, and compared with --reference

First, where the warm runs' overhead goes: the modules each example's ``run --no-record`` loads
beyond the floor's (found once, in a child that runs it), imported again in fresh processes under
the collector settings of a command, timed inside the process (a difference of two fresh processes
is lost in their spread on a shared machine) and split into rich (its console and tables),
pydantic (its model machinery: ``import pydantic`` alone is lazy), and the project's own modules
(most of whose import time is pydantic building the model classes), and the other modules. The
clock starts after ``scenarios.cli.app`` is imported (it sets the collector up), so its few
milliseconds are not counted. ``--no-imports`` skips it.

A plain ``scenarios run`` records the run in the store, and a run whose horizon has passed (both
examples) is scored then and its score kept for its report: the "recorded" cases time that, the
others pass ``--no-record``.

Every process gets ``SCENARIOS_OFFLINE=1`` but the "online" case, which leaves it unset as a user
does who has not declared the machine offline: then a run whose universe has a symbol without a
price file (HSTECH's former member 0136.HK) asks Yahoo for it (offline, one DNS lookup says no;
online, the first run fetches and stores it, in a copy of the store that only this case uses).

"store" runs use a ``$SCENARIOS_HOME`` whose store was filled once by ``scenarios data import``;
"CSV" runs get a new empty ``$SCENARIOS_HOME`` per process (the prices come from the CSV folder, as
on a first run). ``--reference DIR`` also times a checkout of an earlier commit (interleaved) and
prints candidate/reference ratios ("``run`` is not slower")::

    git worktree add --detach ../wt-base 686bfad
    SCENARIOS_PRICES=../shared/hkdata/prices python benchmarks/cli_timings.py --reference ../wt-base

Bytecode is cached as for an installed package (``$PYTHONDONTWRITEBYTECODE`` is dropped and
``$PYTHONPYCACHEPREFIX`` points into the scratch folder, so the trees stay clean; the warm-up
fills it); ``--no-bytecode-cache`` keeps the caller's setting, where a process that may not
write bytecode compiles the project's sources every time (about 0.1-0.2 s CPU).

Exit 0 when every target passes on the wall clock or on CPU time (``--strict``: on both).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR = ["-c", "import pandas, duckdb, pydantic, yaml, typer, rich"]
ONE = "examples/tencent_feb_2026.yaml"
HSTECH = "examples/hstech_ai_reweight_2025.yaml"
GRID = "examples/deepseek_rally_feb_2025.yaml"


@dataclass
class Case:
    name: str
    args: list[str]          # after ``python -m scenarios`` ({run_id} and {out} filled in)
    home: str = "store"      # "store" (imported once) or "csv" (a new empty home per process)
    target: float | None = None
    over_floor: bool = False  # target is an overhead over the floor (else an absolute time)
    offline: bool = True     # SCENARIOS_OFFLINE=1 (False: not declared, as most users leave it)


CASES = [
    Case("--help", ["--help"], target=0.3),
    Case("run one-stock (store)", ["run", ONE, "--no-record"], target=0.15, over_floor=True),
    Case("run one-stock (store, recorded)", ["run", ONE], target=0.15, over_floor=True),
    Case("run one-stock (CSV)", ["run", ONE, "--no-record"], home="csv", target=0.15, over_floor=True),
    Case("run HSTECH (store)", ["run", HSTECH, "--no-record"], target=0.35, over_floor=True),
    Case("run HSTECH (store, recorded)", ["run", HSTECH], target=0.35, over_floor=True),
    Case("run HSTECH (store, online)", ["run", HSTECH, "--no-record"], target=0.35, over_floor=True,
         offline=False),
    Case("run HSTECH (CSV)", ["run", HSTECH, "--no-record"], home="csv", target=0.35, over_floor=True),
    Case("run grid, 3 points (store)", ["run", GRID, "--no-record"]),
    Case("backtest HSTECH (store)", ["backtest", HSTECH, "--no-record"]),
    Case("report RUN_ID HSTECH", ["report", "{run_id}", "--out", "{out}", "--force"], target=1.5),
    Case("report FILE HSTECH", ["report", HSTECH, "--out", "{out}", "--force"], target=2.5),
]


def _timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall, cpu) seconds of one fresh process; cpu = user + system of the child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} (in {cwd}) exit {proc.returncode}:\n{proc.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


class Checkout:
    """One checkout of the project with its own store home and recorded HSTECH run."""

    def __init__(self, root: Path, prices: str, scratch: Path, bytecode_cache: bool = True) -> None:
        self.root = root
        self.scratch = scratch
        self.base = {**os.environ, "PYTHONPATH": str(root), "SCENARIOS_PRICES": prices,
                     "SCENARIOS_OFFLINE": "1", "NO_COLOR": "1", "COLUMNS": "200"}
        if bytecode_cache:  # warm bytecode, as an installed package has, kept out of the tree
            self.base.pop("PYTHONDONTWRITEBYTECODE", None)
            self.base["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
        self.home = str(scratch / "home")
        env = {**self.base, "SCENARIOS_HOME": self.home}
        subprocess.run([sys.executable, "-m", "scenarios", "data", "import", prices], cwd=root, env=env,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out = subprocess.run([sys.executable, "-m", "scenarios", "run", HSTECH, "--format", "json"],
                             cwd=root, env=env, check=True, capture_output=True, text=True).stdout
        self.run_id = json.loads(out)["run_id"]
        self.out = str(scratch / "report.html")
        # the "online" case may fetch into its store (online, 0136.HK once): a copy of its own
        self.online_home = str(scratch / "home-online")
        shutil.copytree(self.home, self.online_home)

    def time(self, case: Case | None) -> tuple[float, float]:
        if case is None:  # the import floor
            return _timed([sys.executable, *FLOOR], self.root, self.base)
        args = [a.format(run_id=self.run_id, out=self.out) for a in case.args]
        if case.home == "csv":
            home = tempfile.mkdtemp(dir=self.scratch, prefix="csv-")
        else:
            home = self.home if case.offline else self.online_home
        env = {**self.base, "SCENARIOS_HOME": home}
        if not case.offline:
            env.pop("SCENARIOS_OFFLINE")
        try:
            return _timed([sys.executable, "-m", "scenarios", *args], self.root, env)
        finally:
            if case.home == "csv":
                shutil.rmtree(home, ignore_errors=True)


_GROUPS = (("rich", ("rich",)), ("pydantic", ("pydantic", "annotated_types")),
           ("project", ("scenarios", "valuation")), ("other", ()))


def run_modules(co: Checkout, file: str) -> list[str]:
    """Modules that a warm ``run FILE --no-record`` loads beyond the floor, in their order.

    One run first fills the caches (a first run also imports scipy for its distribution means),
    then a child runs it again and lists its modules.
    """
    env = {**co.base, "SCENARIOS_HOME": co.home}
    subprocess.run([sys.executable, "-m", "scenarios", "run", file, "--no-record"], cwd=co.root, env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    code = (f"{FLOOR[1]}\nimport contextlib, io, json, sys\nbase = set(sys.modules)\n"
            "from scenarios.cli.app import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    code = main(['run', {file!r}, '--no-record'])\n"
            "assert code == 0, code\n"
            "print(json.dumps([m for m in sys.modules if m not in base]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=co.root, check=True, capture_output=True, text=True,
                         env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def import_split(co: Checkout, modules: list[str]) -> dict[str, float]:
    """Seconds spent importing ``modules`` after the floor, per group, in one fresh process.

    The collector runs as in a command (:func:`scenarios.cli.app.main_process`). A module that
    cannot be imported on its own, out of the run's order, is left out.
    """
    code = (f"{FLOOR[1]}\nimport gc, importlib, json, time\n"
            "from scenarios.cli.app import _fewer_gc_passes\ngc.freeze()\nout = {}\n"
            f"mods = {modules!r}\n"
            "with _fewer_gc_passes():\n"
            f"    for name, prefixes in {_GROUPS!r}:\n"
            "        t = time.perf_counter()\n"
            "        for m in mods:\n"
            "            if not prefixes or m.startswith(prefixes):\n"
            "                try:\n                    importlib.import_module(m)\n"
            "                except ImportError:\n                    pass\n"
            "        out[name] = time.perf_counter() - t\n"
            "print(json.dumps(out))")
    out = subprocess.run([sys.executable, "-c", code], cwd=co.root, check=True, capture_output=True, text=True,
                         env={**co.base, "SCENARIOS_HOME": co.home}).stdout
    return json.loads(out.strip().splitlines()[-1])


def print_import_split(co: Checkout, repeat: int) -> None:
    """Print the median import time beyond the floor of each example's run, split per group."""
    print(f"imports beyond the floor, timed in process (medians of {repeat} fresh processes):")
    for label, file in (("run one-stock", ONE), ("run HSTECH", HSTECH)):
        modules = run_modules(co, file)
        runs = [import_split(co, modules) for _ in range(repeat)]
        med = {name: statistics.median(r[name] for r in runs) for name, _ in _GROUPS}
        total = statistics.median(sum(r.values()) for r in runs)
        parts = ", ".join(f"{name} {1000 * v:.0f} ms" for name, v in med.items())
        print(f"  {label:24s} {1000 * total:4.0f} ms over {len(modules)} modules ({parts})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="fresh processes per command (default 5)")
    ap.add_argument("--reference", type=Path, help="a checkout of an earlier commit to compare with")
    ap.add_argument("--only", action="append", default=[], help="only cases whose name contains this")
    ap.add_argument("--strict", action="store_true", help="a target must pass on wall and CPU time")
    ap.add_argument("--no-imports", action="store_true", help="skip the split of the import time")
    ap.add_argument("--no-bytecode-cache", action="store_true",
                    help="keep $PYTHONDONTWRITEBYTECODE: every process compiles the project's sources")
    args = ap.parse_args()
    prices = os.environ.get("SCENARIOS_PRICES")
    if not prices:
        ap.error("set SCENARIOS_PRICES (e.g. ../shared/hkdata/prices)")
    prices = str(Path(prices).resolve())
    cases = [c for c in CASES if not args.only or any(o in c.name for o in args.only)]
    with tempfile.TemporaryDirectory(prefix="cli-timings-") as tmp:
        roots = {"cand": ROOT} | ({"ref": args.reference.resolve()} if args.reference else {})
        checkouts = {k: Checkout(r, prices, Path(tmp) / k, not args.no_bytecode_cache)
                     for k, r in roots.items()}
        for k in checkouts.values():
            Path(k.scratch).mkdir(exist_ok=True)
        if not args.no_imports:
            print_import_split(checkouts["cand"], args.repeat)
        samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for co in checkouts.values():  # warm-up: one untimed run of everything
            co.time(None)
            for c in cases:
                co.time(c)
        for _ in range(args.repeat):  # interleaved: floor, then every case, per checkout
            for key, co in checkouts.items():
                samples.setdefault((key, "floor"), []).append(co.time(None))
                for c in cases:
                    samples.setdefault((key, c.name), []).append(co.time(c))

    def med(key: str, name: str) -> tuple[float, float]:
        xs = samples[(key, name)]
        return statistics.median(x[0] for x in xs), statistics.median(x[1] for x in xs)

    fw, fc = med("cand", "floor")
    print(f"medians of {args.repeat} fresh processes; import floor: wall {fw:.3f} s, cpu {fc:.3f} s; "
          + ("sources compiled in every process" if args.no_bytecode_cache else "bytecode cached"))
    head = f"{'command':26s} {'wall':>7s} {'cpu':>7s} {'wall-fl':>8s} {'cpu-fl':>7s}  {'target':16s} {'result':10s}"
    if args.reference:
        rw, rc = med("ref", "floor")
        head += f" {'ref wall':>8s} {'ref cpu':>8s} {'ratio w/c':>10s}"
    print(head)
    failed = False
    for c in cases:
        w, u = med("cand", c.name)
        line = f"{c.name:26s} {w:7.3f} {u:7.3f} {w - fw:+8.3f} {u - fc:+7.3f}  "
        if c.target is None:
            line += f"{'-':16s} {'-':10s}"
        else:
            got_w, got_c = (w - fw, u - fc) if c.over_floor else (w, u)
            ok_w, ok_c = got_w <= c.target, got_c <= c.target
            ok = (ok_w and ok_c) if args.strict else (ok_w or ok_c)
            failed |= not ok
            tgt = f"{'floor+' if c.over_floor else '<'}{c.target:.2f} s"
            res = "pass" if ok_w and ok_c else ("pass (cpu)" if ok_c else "pass (wall)" if ok_w else "FAIL")
            line += f"{tgt:16s} {res:10s}"
        if args.reference:
            rw2, rc2 = med("ref", c.name)
            line += f" {rw2:8.3f} {rc2:8.3f} {w / rw2:5.2f}/{u / rc2:4.2f}"
        print(line)
    if args.reference:
        print(f"{'reference floor':26s} {rw:7.3f} {rc:7.3f}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
