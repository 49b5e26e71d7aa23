"""Every example validates without warnings and runs offline through ``scenarios run`` and
``scenarios.engine.run_scenario`` with 10,000 draws; both paths agree."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import yaml
from examples_helpers import DRAWS, EXAMPLE_FILES, REPO_ROOT, snapshot_close

from scenarios.cli.app import main

pytestmark = pytest.mark.filterwarnings("error::FutureWarning")


def test_there_are_the_six_examples_and_variants() -> None:
    names = {p.name for p in EXAMPLE_FILES}
    for must in ("us_ai_capex_2026.yaml", "spring_festival_subsidies_2026.yaml",
                 "tencent_feb_2026.yaml", "tencent_feb_2026_bear.yaml", "xiaomi_ai_rerating.yaml",
                 "hstech_ai_reweight_2025.yaml", "deepseek_rally_feb_2025.yaml"):
        assert must in names


def test_validate_all_examples_exit_0_without_warnings(snapshot_dir: Path, capsys) -> None:
    code = main(["validate", *[str(p) for p in EXAMPLE_FILES]])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "warning" not in err.lower(), err
    assert "error" not in err.lower(), err
    for p in EXAMPLE_FILES:
        assert f"ok: {p}" in out


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_cli_run_matches_engine(path: Path, snapshot_dir: Path, run_example, capsys) -> None:
    import pandas as pd

    code = main(["run", str(path), "--draws", str(DRAWS), "--format", "csv", "--no-record"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "warning" not in err.lower(), err
    table = pd.read_csv(io.StringIO(out))
    results = run_example(path.name)
    assert table["scenario"].nunique() == len(results)
    for res in results:
        rows = table[(table["scenario"] == res.name) & (table["line"] == "symbol")].set_index("symbol")
        assert list(rows.index) == res.symbols
        # the CLI (default resolver: CSV folder through a fresh store) and the engine on a plain
        # CSV source see the same baseline and, with the file's seed, the same draws
        np.testing.assert_allclose(rows["baseline_price"].to_numpy(), res.baseline_price, rtol=1e-9)
        np.testing.assert_allclose(rows["median_return"].to_numpy(),
                                   np.median(res.predicted_return, axis=0), rtol=1e-8, atol=1e-12)
        # baseline = the snapshot close on or before as_of, read here with plain pandas
        for sym in res.symbols:
            assert rows.loc[sym, "baseline_price"] == pytest.approx(
                snapshot_close(snapshot_dir, sym, res.as_of), rel=1e-9)
        assert res.draws == DRAWS and res.predicted_return.shape == (DRAWS, len(res.symbols))
        # contributions add up to the predicted log return
        total = sum(res.contributions.values())
        np.testing.assert_allclose(total, np.log1p(res.predicted_return), atol=1e-10)


def _claims(repo_root: Path) -> dict[str, str]:
    data = yaml.safe_load((repo_root / "seeds" / "claims.yaml").read_text(encoding="utf-8"))
    return {c["id"]: c["article"] for c in data["claims"]}


def test_cited_claims_come_from_the_listed_articles() -> None:
    """Every claim id a scenario cites (narrative or driver) exists, and its article is listed
    in the scenario's narrative.articles (variants inherit the parent's narrative)."""
    from scenarios.model import load_scenario


    claims = _claims(REPO_ROOT)
    for path in EXAMPLE_FILES:
        s = load_scenario(path)
        assert s.narrative.articles and s.narrative.claims, path.name
        cited = set(s.narrative.claims)
        for d in s.drivers:
            cited |= set(d.claims)
        unknown = cited - set(claims)
        assert not unknown, (path.name, unknown)
        missing = {claims[c] for c in cited} - set(s.narrative.articles)
        assert not missing, (path.name, missing)
        assert set(cited) <= set(s.narrative.claims), (path.name, set(cited) - set(s.narrative.claims))


def test_articles_exist_beside_the_snapshot(snapshot_dir: Path) -> None:
    """The cited article files are the shared seed articles (shared/seeds beside hkdata)."""
    from scenarios.model import load_scenario

    seeds = snapshot_dir.parent.parent / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"seed articles not found at {seeds}")
    for path in EXAMPLE_FILES:
        for name in load_scenario(path).narrative.articles:
            assert (seeds / name).is_file(), (path.name, name)


def _article_date(text: str):
    """The date an article states for itself: front-matter ``published_at:`` / ``date:``, or a
    "data as of YYYY年M月D日" line; None when it gives none."""
    import datetime as dt
    import re

    m = re.search(r'(?m)^(?:.*published_at|date): "(\d{4})-(\d{2})-(\d{2})', text)
    if m is None:
        m = re.search(r"截至(\d{4})年(\d{1,2})月(\d{1,2})日", text)
    return dt.date(*map(int, m.groups())) if m else None


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_as_of_is_not_after_the_main_articles_date(path: Path, snapshot_dir: Path) -> None:
    """The first article of the narrative is the one the scenario rests on; as_of is on or
    before its date (no look-ahead past the story). The date is the one the article states
    for itself when it does (parsed from the raw text here, independently of the seeds), else
    the inferred date recorded in seeds/articles.yaml."""
    from scenarios.model import load_scenario
    from scenarios.seeds.articles import load_articles

    seeds = snapshot_dir.parent.parent / "seeds"
    assert seeds.is_dir(), f"seed articles not found at {seeds}"
    s = load_scenario(path)
    main_article = s.narrative.articles[0]
    stated = _article_date((seeds / main_article).read_text(encoding="utf-8"))
    recorded = load_articles()[main_article]
    if stated is not None:
        assert recorded.published == stated, (main_article, recorded.published, stated)
    else:
        assert recorded.date_basis == "inferred" and recorded.date_note
    assert s.as_of <= recorded.published, (path.name, main_article, recorded.published)


def test_article_dates_are_parsed() -> None:
    assert str(_article_date('x\npublished_at: "2026-02-10T09:28:40.000Z"')) == "2026-02-10"
    assert str(_article_date('date: "2025-02-13 22:19:12"')) == "2025-02-13"
    assert str(_article_date("一、近期行情全貌(截至2026年2月12日)")) == "2026-02-12"
    assert _article_date("no date here") is None


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_as_of_has_a_price_for_every_symbol(path: Path, snapshot_dir: Path) -> None:
    """Every universe symbol and benchmark has a snapshot row ON as_of (not just before it)."""
    import pandas as pd

    from scenarios.model import expand_grid, load_scenario
    from scenarios.model.references import resolve_universe

    s = expand_grid(load_scenario(path))[0]
    for sym in [*resolve_universe(s), *s.benchmarks]:
        frame = pd.read_csv(snapshot_dir / f"{sym}.csv", usecols=["date"])
        assert s.as_of.isoformat() in set(frame["date"]), (path.name, sym)
