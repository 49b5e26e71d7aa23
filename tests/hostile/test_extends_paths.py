"""``extends`` resolves only inside the extending file's folder tree, or a folder given with
``--allow-path`` (issue 16); outside, a located error that echoes nothing of the other file."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.cli.app import main
from scenarios.errors import ScenarioError
from scenarios.model import load_scenario
from scenarios.model.loader import allow_paths

FIXTURE = Path(__file__).parents[1] / "model" / "fixtures" / "tencent_small.yaml"
SECRET = "secret_token: hunter2-DO-NOT-LEAK\nname: leaked\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """tmp/outside/secret.yaml and tmp/project/{base.yaml, sub/child.yaml}."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.yaml").write_text(SECRET, encoding="utf-8")
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    (project / "base.yaml").write_text(FIXTURE.read_text(encoding="utf-8"), encoding="utf-8")
    return project


@pytest.mark.parametrize("ext", ["../outside/secret.yaml", "{abs}", "sub/../../outside/secret.yaml",
                                 "../../../../../../../../etc/passwd", "/etc/passwd", "link.yaml"])
def test_extends_outside_the_tree_is_a_located_error_without_leaks(tree, ext, capsys, monkeypatch) -> None:
    secret = tree.parent / "outside" / "secret.yaml"
    (tree / "link.yaml").symlink_to(secret)
    ext = ext.replace("{abs}", str(secret))
    (tree / "child.yaml").write_text(f"name: child\nextends: {ext}\n", encoding="utf-8")
    monkeypatch.chdir(tree)
    with pytest.raises(ScenarioError) as info:
        load_scenario("child.yaml")
    text = str(info.value)
    assert text.startswith("child.yaml:2:10 extends: ") and "is outside the folder of this file" in text
    assert "secret_token" not in text and "hunter2" not in text and "leaked" not in text
    for cmd in (["validate", "--no-data"], ["run", "--no-record"], ["backtest", "--no-record"]):
        assert main([*cmd, "child.yaml"]) == 2
        err = capsys.readouterr().err
        assert "child.yaml:2:10 extends:" in err and "hunter2" not in err and "secret_token" not in err


def test_extends_inside_the_tree_still_works(tree) -> None:
    (tree / "sub" / "child.yaml").write_text("extends: ../base.yaml\nname: child\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="is outside the folder of this file"):
        load_scenario(tree / "sub" / "child.yaml")  # up one level: outside sub/
    (tree / "child.yaml").write_text("extends: base.yaml\nname: child\n", encoding="utf-8")
    assert load_scenario(tree / "child.yaml").name == "child"
    (tree / "sub" / "base2.yaml").write_text(FIXTURE.read_text(encoding="utf-8"), encoding="utf-8")
    (tree / "child2.yaml").write_text("extends: sub/base2.yaml\nname: child2\n", encoding="utf-8")
    assert load_scenario(tree / "child2.yaml").name == "child2"


def test_allow_path_opens_one_more_folder(tree, capsys) -> None:
    (tree / "sub" / "child.yaml").write_text("extends: ../base.yaml\nname: child\n", encoding="utf-8")
    assert main(["validate", "--no-data", str(tree / "sub" / "child.yaml")]) == 2
    assert "--allow-path" in capsys.readouterr().err
    assert main(["validate", "--no-data", "--allow-path", str(tree), str(tree / "sub" / "child.yaml")]) == 0
    # the permission does not outlive the command
    assert main(["validate", "--no-data", str(tree / "sub" / "child.yaml")]) == 2
    allow_paths(None)


@pytest.mark.parametrize("name", ["../../../etc/passwd", "/etc/passwd", "sub/x.txt", ".hidden.txt"])
def test_article_names_are_names_not_paths(tmp_path, name) -> None:
    text = FIXTURE.read_text(encoding="utf-8").replace("articles: [000_a7fbbc5f650d9614.txt]",
                                                       f"articles: ['{name}']")
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "narrative.articles[0]: must be an article file name" in str(info.value)
