"""`scenarios run SET.yaml` prints the mixture and the components verbatim (no markup)."""

from __future__ import annotations

from set_helpers import component

from scenarios.cli.app import main


def test_run_table_prints_names_verbatim_and_validate_knows_sets(make_set, monkeypatch, capsys) -> None:
    from scenarios.data.memory import flat_source

    src = flat_source({"0700.HK": 400.0, "9988.HK": 100.0})
    monkeypatch.setattr("scenarios.data.default_source", lambda: src)
    path = make_set([(component("[bold]a[/bold]", 0.1), 0.6), (component("b", -0.1), 0.4)], draws=500)
    code = main(["run", str(path), "--no-record"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "[bold]a[/bold]" in out and "expected" in out and "share" in out
    assert "0700.HK" in out and "index" in out
    code = main(["validate", "--no-data", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "scenario set of 2 components" in out and "ok:" in out


def test_validate_reports_a_bad_set_with_exit_2(make_set, capsys) -> None:
    path = make_set([(component("a", 0.1), 0.6), (component("b", -0.1), 0.6)])
    code = main(["validate", "--no-data", str(path)])
    assert code == 2
    err = capsys.readouterr().err
    assert str(path) in err and "sum to 1" in err


def test_a_set_run_that_cannot_be_recorded_exits_5_after_its_results(make_set, monkeypatch, capsys) -> None:
    """Never a silent loss: the results are shown, then exit 5 saying NOT recorded."""
    from scenarios.data.memory import flat_source
    from scenarios.errors import StoreError

    src = flat_source({"0700.HK": 400.0, "9988.HK": 100.0})
    monkeypatch.setattr("scenarios.data.default_source", lambda: src)

    def busy(*args, **kwargs):
        raise StoreError("the store is busy (test)")

    monkeypatch.setattr("scenarios.api.record", busy)
    path = make_set([(component("a", 0.1), 0.6), (component("b", -0.1), 0.4)], draws=200)
    assert main(["run", str(path)]) == 5
    out, err = capsys.readouterr()
    assert "expected" in out and "NOT recorded" in err
    assert main(["run", str(path), "--no-save"]) == 0  # the hidden alias of --no-record


def test_a_component_name_with_a_newline_stays_on_its_row(make_set, monkeypatch, capsys) -> None:
    r"""A component's name (its label) shows its newline as ``\n`` in the components table of a
    set run and in the set backtest's table (it used to start a second row there)."""
    from scenarios.data.memory import flat_source

    src = flat_source({"0700.HK": 400.0, "9988.HK": 100.0})
    monkeypatch.setattr("scenarios.data.default_source", lambda: src)
    path = make_set([(component("a\nforged", 0.1), 0.6), (component("b", -0.1), 0.4)], draws=500)
    assert main(["run", str(path), "--no-record"]) == 0
    out = capsys.readouterr().out
    assert "forged" not in out.replace("a\\nforged", ""), out
    rows = [line for line in out.splitlines() if "a\\nforged" in line]
    assert len(rows) == 1 + 3 and all("60%" in row for row in rows[1:]), out   # the title, one row a line
    assert main(["backtest", str(path), "--no-save"]) == 0
    out = capsys.readouterr().out
    assert "forged" not in out.replace("a\\nforged", ""), out
