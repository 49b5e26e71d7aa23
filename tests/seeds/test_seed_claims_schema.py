"""seeds/claims.yaml: schema, located errors for malformed files, and the pure rules."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.cli.app import main
from scenarios.errors import ScenarioError
from scenarios.seeds.check import describe_claim, judge
from scenarios.seeds.claims import PRICE_KINDS, claim_ids, get_claim, load_claims
from scenarios.seeds.measure import dividend_factors, max_drawdown

REPO = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3400-\u9fff]")


def test_real_claims_file_is_valid_and_rich() -> None:
    claims = load_claims()
    assert len(claims) >= 40
    ids = claim_ids()
    assert len(ids) == len(set(ids))
    assert sum(c.kind in PRICE_KINDS for c in claims) >= 30
    assert len({c.article for c in claims}) == 5
    # every percentage is stored as a fraction: no return-like value looks like "27.7"
    for c in claims:
        if c.unit == "fraction" and not isinstance(c.value, bool):
            vals = c.value if isinstance(c.value, list) else [c.value]
            assert all(abs(v) < 10 for v in vals), c.id


def test_seed_files_are_english_only() -> None:
    """Facts are paraphrased: no Chinese text is copied into the seed files."""
    for path in (REPO / "seeds").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        hits = CJK.findall(text)
        assert not hits, f"{path.name} contains Chinese characters: {''.join(hits[:20])}"


def test_get_claim_suggests_close_ids() -> None:
    assert get_claim("a003-hsi-2025").value == pytest.approx(0.277)
    with pytest.raises(KeyError, match="did you mean a003-hsi-2025"):
        get_claim("a003-hsi-2024")


def test_describe_claim() -> None:
    assert describe_claim(get_claim("a003-hsi-2025")) == "about +27.7%"
    assert describe_claim(get_claim("a000-tencent-pre-festival-range")) == "between 533 and 548 HKD"
    assert describe_claim(get_claim("a000-tencent-drawdown")) == "about 16%"
    assert describe_claim(get_claim("a004-hsi-2025-ceiling")) == "under 23,000 points"


BAD = """\
version: 1
claims:
  - id: a003-good
    article: 003_891319027a62e08e.txt
    kind: price_return
    symbols: ["^HSI"]
    window: {start: 2025-01-01, end: 2025-12-31}
    comparator: about
    value: 0.277
    unit: fraction
    paraphrase: The Hang Seng Index gained 27.7% in 2025.
  - id: a003-bad-date
    article: 003_891319027a62e08e.txt
    kind: price_return
    symbols: ["HSTECH.HK"]
    window:
      start: 2025-13-01
      end: 2025-12-31
    comparator: about
    value: 0.235
    unit: fraction
    paraphrase: The tech index rose 23.5% in 2025.
  - id: a003-typos
    article: 003_891319027a62e08e.txt
    kind: price_retrun
    symbols: ["HSTECH.HK"]
    window: {start: 2025-01-01, end: 2025-12-31}
    comparator: about
    valu: 0.235
    unit: fraction
    paraphrase: The tech index rose 23.5% in 2025.
  - id: a003-good
    article: 003_891319027a62e08e.txt
    kind: drawdown
    symbols: ["700.HK"]
    window: {start: 2025-06-01, end: 2025-01-01}
    comparator: between
    value: 0.2
    unit: HKD
    paraphrase: Tencent fell a lot at some point.
"""


def test_malformed_claims_file_gets_located_errors(tmp_path: Path) -> None:
    p = tmp_path / "claims.yaml"
    p.write_text(BAD, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_claims(p)
    lines = str(info.value).splitlines()
    f = str(p)
    assert f"{f}:17:14 claims[1].window.start: must be a date YYYY-MM-DD (got '2025-13-01')" in lines
    assert any(line.startswith(f"{f}:25:11 claims[2].kind: must be one of ") and
               line.endswith("(got 'price_retrun')") for line in lines)
    assert f"{f}:29:5 claims[2].valu: unknown field (check the spelling; unknown keys are rejected)" in lines
    assert f"{f}:23:5 claims[2].value: is required but missing" in lines


def test_cross_field_errors_are_located(tmp_path: Path) -> None:
    text = BAD.replace("2025-13-01", "2025-01-01").replace("price_retrun", "price_return").replace("valu:", "value:")
    p = tmp_path / "claims.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_claims(p)
    lines = str(info.value).splitlines()
    f = str(p)
    assert f"{f}:32:9 claims[3].id: duplicate id 'a003-good' (first used by claims[0])" in lines
    assert f"{f}:35:15 claims[3].symbols[0]: write symbols in Yahoo spelling: '0700.HK' (got '700.HK')" in lines
    assert f"{f}:36:38 claims[3].window.end: must be on or after window.start (2025-06-01) (got 2025-01-01)" in lines
    assert f"{f}:38:12 claims[3].value: comparator between needs [low, high] (got 0.2)" in lines
    assert f"{f}:39:11 claims[3].unit: a drawdown claim is a fraction: use unit: fraction (got 'HKD')" in lines


def test_cli_reports_malformed_file_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "claims.yaml"
    p.write_text(BAD, encoding="utf-8")
    assert main(["claims", "check", str(p)]) == 2
    err = capsys.readouterr().err
    assert "claims[1].window.start: must be a date YYYY-MM-DD (got '2025-13-01')" in err
    assert "Traceback" not in err


def test_yaml_exponent_hint(tmp_path: Path) -> None:
    text = BAD.split("  - id: a003-bad-date")[0].replace("value: 0.277", "value: 1.0e9")
    p = tmp_path / "c.yaml"
    p.write_text(text, encoding="utf-8")
    # the shared loader reads YAML 1.2 exponents (issue 16): 1.0e9 is the number, not text
    assert load_claims(p)[0].value == 1.0e9


# ------------------------------------------------------------------ pure rules


@given(value=st.floats(-2, 2), obs=st.floats(-2, 2), c=st.floats(0, 0.1), extra=st.floats(0, 0.1))
@settings(max_examples=200, deadline=None)
def test_judge_about_matches_definition(value: float, obs: float, c: float, extra: float) -> None:
    a = c + extra
    verdict, gap = judge("about", value, obs, tol_confirmed=c, tol_approx=a, relative=False)
    assert gap == pytest.approx(obs - value)
    d = abs(obs - value)
    if d <= c + 1e-12:  # the rules allow 1e-12 of float noise
        assert verdict == "confirmed"
    elif d <= a + 1e-12:
        assert verdict == "approximately"
    else:
        assert verdict == "contradicted"


@given(value=st.floats(-1, 1), obs=st.floats(-1, 1), a=st.floats(0, 0.1))
@settings(max_examples=200, deadline=None)
def test_over_and_under_are_mirror_images(value: float, obs: float, a: float) -> None:
    over, g1 = judge("over", value, obs, tol_confirmed=0, tol_approx=a, relative=False)
    under, g2 = judge("under", -value, -obs, tol_confirmed=0, tol_approx=a, relative=False)
    assert over == under and g1 == pytest.approx(-g2)
    if obs > value:
        assert over == "confirmed"


def test_between_and_relative_bands() -> None:
    assert judge("between", [533, 548], 540, tol_confirmed=0.01, tol_approx=0.03, relative=True) == ("confirmed", 0.0)
    v, g = judge("between", [533, 548], 530, tol_confirmed=0.01, tol_approx=0.03, relative=True)
    assert v == "approximately" and g == pytest.approx(-3)
    assert judge("between", [533, 548], 500, tol_confirmed=0.01, tol_approx=0.03, relative=True)[0] == "contradicted"
    assert judge("about", 639, 645, tol_confirmed=0.01, tol_approx=0.03, relative=True)[0] == "confirmed"
    assert judge("about", 639, 650, tol_confirmed=0.01, tol_approx=0.03, relative=True)[0] == "approximately"
    assert judge("is", True, False, tol_confirmed=0, tol_approx=0, relative=False)[0] == "contradicted"


@given(
    prices=st.lists(st.floats(5, 500), min_size=3, max_size=40),
    divs=st.lists(st.tuples(st.integers(1, 39), st.floats(0.01, 0.2)), max_size=4),
)
@settings(max_examples=100, deadline=None)
def test_dividend_factors_undo_yahoo_adjustment(prices: list[float], divs: list[tuple[int, float]]) -> None:
    """Adjust a traded series the way Yahoo does, then recover it exactly."""
    n = len(prices)
    idx = pd.date_range("2025-01-01", periods=n, freq="D")
    dividend = np.zeros(n)
    for pos, frac in divs:
        if pos < n:
            dividend[pos] = prices[pos - 1] * frac  # cash amount, below the previous close
    adj = np.array(prices, dtype=float)
    for e in range(n):
        if dividend[e] > 0:
            adj[:e] *= 1.0 - dividend[e] / prices[e - 1]
    f = dividend_factors(pd.Series(adj, index=idx), pd.Series(dividend, index=idx))
    np.testing.assert_allclose(adj / f.to_numpy(), prices, rtol=1e-9)


def test_tencent_traded_close_from_readme(snapshot_dir: Path) -> None:
    """README: 0700.HK closed 610.00 on 2025-11-21; the adjusted file shows 602.97."""
    frame = pd.read_csv(snapshot_dir / "0700.HK.csv", index_col="date", parse_dates=True)
    f = dividend_factors(frame["close"], frame["dividends"])
    assert frame.loc["2025-11-21", "close"] == pytest.approx(602.97, abs=0.01)
    assert frame.loc["2025-11-21", "close"] / f.loc["2025-11-21"] == pytest.approx(610.00, abs=0.005)


@given(st.lists(st.floats(1, 100), min_size=1, max_size=50))
@settings(max_examples=100, deadline=None)
def test_max_drawdown_is_worst_fall_from_a_prior_peak(values: list[float]) -> None:
    s = pd.Series(values, index=pd.date_range("2025-01-01", periods=len(values)))
    dd, peak, trough = max_drawdown(s)
    brute = max((1 - values[j] / values[i] for i in range(len(values)) for j in range(i, len(values))), default=0.0)
    assert dd == pytest.approx(max(brute, 0.0), abs=1e-12)
    assert peak <= trough and s[trough] / s[peak] == pytest.approx(1 - dd)


def test_an_id_article_or_symbol_with_a_newline_is_located(tmp_path: Path) -> None:
    """Claim ids and symbols name a claim in tables and in scenario files: a trailing newline
    (which ``$`` of the id and article patterns let through) or a newline inside a symbol is an
    error at that field (``a003-good\\n`` used to print the id's table cell two rows tall)."""
    good = BAD.split("  - id: a003-bad-date")[0]
    text = (good.replace("id: a003-good", 'id: "a003-good\\n"')
            .replace("article: 003_891319027a62e08e.txt", 'article: "003_891319027a62e08e.txt\\n"')
            .replace('symbols: ["^HSI"]', 'symbols: ["^HSI\\nX"]'))
    p = tmp_path / "claims.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_claims(p)
    f = str(p)
    assert str(info.value).splitlines() == [
        f"{f}:3:9 claims[0].id: must look like a003-short-name (article number, then lower-case words) "
        "(got 'a003-good\\n')",
        f"{f}:4:14 claims[0].article: must be an article file name like 000_a7fbbc5f650d9614.txt "
        "(got '003_891319027a62e08e.txt\\n')",
        f"{f}:6:15 claims[0].symbols[0]: a symbol is one line without control characters (got '^HSI\\nX')",
    ]
