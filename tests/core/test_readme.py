"""The README's promises: .ci/run runs exactly its test command, and its YAML example is valid."""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def _bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL)


def test_ci_runs_exactly_the_readme_test_command() -> None:
    lines = [ln for ln in _bash_blocks()[0].splitlines() if ln.strip() and not ln.startswith("#")]
    assert len(lines) == 2, "the README's first block holds the two set-up commands"
    run_cmd, test_cmd = lines
    assert "scenarios run examples/" in run_cmd and "pytest" in test_cmd
    # the static checks run before the tests, in this order (issue 10: tooling in CI)
    assert "&& ruff check . && mypy && lint-imports && " in test_cmd
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_cmd in ci, ".ci/run must run the README's test command verbatim"
    example = re.search(r"scenarios run (\S+\.yaml)", run_cmd).group(1)
    assert (REPO_ROOT / example).is_file()


def test_readme_scenario_example_validates_and_runs(snapshot_dir: Path, tmp_path: Path) -> None:
    from scenarios.engine import run_scenario
    from scenarios.model import load_scenario

    block = re.search(r"A scenario in brief.*?```yaml\n(.*?)```", README, flags=re.DOTALL).group(1)
    path = tmp_path / "readme.yaml"
    path.write_text(block, encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.warnings == []
    result = run_scenario(scenario, draws=2000)
    assert result.symbols == ["0700.HK"]
    # the baseline is the snapshot close on as_of, read independently
    import pandas as pd

    closes = pd.read_csv(snapshot_dir / "0700.HK.csv", index_col="date", parse_dates=True)["close"]
    assert float(result.baseline_price[0]) == closes.loc[:"2026-02-12"].iloc[-1]
