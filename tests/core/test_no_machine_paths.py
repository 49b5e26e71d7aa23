"""No absolute path of a machine anywhere in the project (the snapshot is ``../shared/hkdata``
from the repository root, or ``$SCENARIOS_PRICES``)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("scenarios", "valuation", "tests", "docs", "seeds", "benchmarks", "examples", "scripts")
SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".csv", ".json", ".sh", ".cfg", ".ini"}
#: a home or work folder of some machine (built from parts so this file does not match itself)
MACHINE_PATH = re.compile("(?<![.\\w])/(?:" + "|".join(("wo" + "rk", "ho" + "me", "Us" + "ers", "ro" + "ot")) + ")/")


def test_no_file_names_a_machine_specific_folder() -> None:
    files = [ROOT / "README.md", ROOT / "pyproject.toml"]
    for folder in FOLDERS:
        files += [p for p in (ROOT / folder).rglob("*") if p.is_file() and p.suffix in SUFFIXES
                  and "__pycache__" not in p.parts]
    offenders = []
    for path in files:
        if not path.is_file():
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if MACHINE_PATH.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}")
    assert offenders == [], "\n".join(offenders)
