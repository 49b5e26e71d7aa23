"""seeds/drivers.yaml and seeds/articles.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.errors import ScenarioError
from scenarios.seeds.articles import load_articles
from scenarios.seeds.claims import claim_ids, load_claims
from scenarios.seeds.drivers import driver_seed, load_driver_seeds

REPO = Path(__file__).resolve().parents[2]


def test_articles_cover_every_claim_and_driver() -> None:
    articles = load_articles()
    assert len(articles) == 5
    assert {c.article for c in load_claims()} == set(articles)
    for d in load_driver_seeds().values():
        assert set(d.articles) <= set(articles), d.id
    assert articles["002_ddd815a4c54b9b20.txt"].published.isoformat() == "2026-02-10"
    assert articles["004_a21b631c504863c9.txt"].published.isoformat() == "2025-02-13"


def test_articles_match_the_shared_texts() -> None:
    shared = REPO.parent / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("shared/seeds is not beside the repository")
    assert set(load_articles()) == {p.name for p in shared.glob("*.txt")}


def test_drivers_link_to_existing_claims() -> None:
    seeds = load_driver_seeds()
    assert len(seeds) >= 10
    known = set(claim_ids())
    for d in seeds.values():
        assert set(d.all_claims()) <= known, d.id
    cats = {d.category for d in seeds.values()}
    assert {"ai_capex", "subsidy", "index_weighting", "valuation_gap", "sentiment_shock", "flows"} <= cats
    capex = driver_seed("us-hyperscaler-ai-capex")
    life = capex.params["useful_life_years"]
    assert (life.low, life.value, life.high) == (3, 4, 5)
    assert capex.params["amount"].unit == "USD_bn"
    with pytest.raises(KeyError, match="no driver seed 'nope'"):
        driver_seed("nope")


def test_every_param_range_brackets_its_value() -> None:
    for d in load_driver_seeds().values():
        for name, p in d.params.items():
            assert p.low is None or p.low <= p.value, (d.id, name)
            assert p.high is None or p.value <= p.high, (d.id, name)


BAD_DRIVERS = """\
version: 1
drivers:
  - id: demo
    title: Demo
    category: ai_capex
    driver_type: ai_capx
    description: x
    articles: [002_ddd815a4c54b9b20.txt]
    claims: [a002-us-capex-total, a002-no-such-claim]
    params:
      amount: {value: 650, low: 700, unit: USD_bn}
"""


def test_malformed_drivers_file(tmp_path: Path) -> None:
    p = tmp_path / "drivers.yaml"
    p.write_text(BAD_DRIVERS, encoding="utf-8")
    claims = REPO / "seeds" / "claims.yaml"
    with pytest.raises(ScenarioError) as info:
        load_driver_seeds(p, claims_path=claims)
    assert f"{p}:6:18 drivers[0].driver_type: must be one of" in str(info.value)
    fixed = BAD_DRIVERS.replace("ai_capx", "ai_capex")
    p.write_text(fixed, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_driver_seeds(p, claims_path=claims)
    lines = str(info.value).splitlines()
    assert f"{p}:9:35 drivers[0].claims[1]: unknown claim id 'a002-no-such-claim' (not in claims.yaml)" in lines
    assert f"{p}:11:33 drivers[0].params.amount.low: must be <= value (650) (got 700)" in lines


def test_inferred_article_date_needs_a_note(tmp_path: Path) -> None:
    p = tmp_path / "articles.yaml"
    p.write_text(
        "version: 1\narticles:\n  - file: 001_399d74a4d9af2aed.txt\n    title: A title\n"
        "    published: 2025-12-31\n    date_basis: inferred\n    language: zh-CN\n"
        "    summary: [one, two]\n", encoding="utf-8")
    with pytest.raises(ScenarioError,
                       match=r"articles.yaml:6:17 articles\[0\].date_basis: an inferred date needs a date_note"):
        load_articles(p)


def test_a_driver_id_or_article_file_with_a_trailing_newline_is_located(tmp_path: Path) -> None:
    """``$`` in the id and file-name patterns matched before a trailing newline, so ``"demo\\n"``
    and ``"001_....txt\\n"`` passed; they are errors at the field now, shown escaped."""
    p = tmp_path / "drivers.yaml"
    p.write_text(BAD_DRIVERS.replace("ai_capx", "ai_capex").replace("id: demo", 'id: "demo\\n"')
                 .replace("a002-no-such-claim", "a002-us-capex-total").replace("low: 700", "low: 600"),
                 encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_driver_seeds(p, claims_path=REPO / "seeds" / "claims.yaml")
    assert f"{p}:3:9 drivers[0].id: must be lower-case words joined by '-' (got 'demo\\n')" \
        in str(info.value).splitlines()
    a = tmp_path / "articles.yaml"
    a.write_text(
        'version: 1\narticles:\n  - file: "001_399d74a4d9af2aed.txt\\n"\n    title: A title\n'
        "    published: 2025-12-31\n    date_basis: stated_in_text\n    language: zh-CN\n"
        "    summary: [one, two]\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_articles(a)
    assert f"{a}:3:11 articles[0].file: must be a file name like 000_a7fbbc5f650d9614.txt " \
        "(got '001_399d74a4d9af2aed.txt\\n')" in str(info.value).splitlines()
