"""The README's "Python API" block runs as written (the report goes to a temporary folder)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_python_api_block_runs(snapshot_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    block = re.search(r"## Python API.*?```python\n(.*?)```", README, flags=re.DOTALL).group(1)
    assert "import scenarios.api as sa" in block and "r.summary()" in block
    code = block.replace('"out/tencent.html"', repr(str(tmp_path / "tencent.html")))
    monkeypatch.chdir(REPO_ROOT)  # the block names examples/... relative to the repository
    monkeypatch.setenv("SCENARIOS_OFFLINE", "1")
    ns: dict[str, object] = {}
    exec(compile(code, "README.md (Python API)", "exec"), ns)  # noqa: S102 - the README's own code
    r, bt, wf = ns["r"], ns["bt"], ns["wf"]
    assert list(r.summary().index) == ["0700.HK"]
    assert {"median", "band_low", "band_high", "P(up)"} <= set(r.summary().columns)
    assert bt.scores().loc["0700.HK", "scored"]
    assert wf.summary().index.name == "as_of" and len(wf[0].windows) == 5
    assert (tmp_path / "tencent.html").stat().st_size > 10_000
