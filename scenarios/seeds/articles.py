"""The five source articles (``seeds/articles.yaml``).

File, English title, date, outlet and a short summary in our own words. The Chinese texts themselves
are not in the repository (they live in the shared folder); ``file`` is the name claims cite.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

from pydantic import Field

from scenarios.data.symbols import normalize_symbol
from scenarios.errors import ScenarioError
from scenarios.seeds.base import ARTICLES_FILE, StrictModel, load_model
from scenarios.yamlio import LocatedDoc

_FILE = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")


class Article(StrictModel):
    """One source article."""

    file: str
    title: str = Field(min_length=5, description="English title (our translation)")
    published: dt.date
    date_basis: Literal["front_matter", "stated_in_text", "inferred"]
    date_note: str | None = None
    outlet: str | None = None
    author: str | None = None
    url: str | None = None
    language: Literal["zh-CN", "zh-HK"]
    symbols: list[str] = Field(default_factory=list)
    summary: list[str] = Field(min_length=2)


class ArticlesFile(StrictModel):
    """The whole ``articles.yaml``."""

    version: Literal[1]
    articles: list[Article] = Field(min_length=1)


def _check(obj: ArticlesFile, doc: LocatedDoc) -> list[ScenarioError]:
    errors: list[ScenarioError] = []
    seen: dict[str, int] = {}
    for i, a in enumerate(obj.articles):
        base = ("articles", i)
        if not _FILE.fullmatch(a.file):
            errors.append(doc.error(base + ("file",),
                                    f"must be a file name like 000_a7fbbc5f650d9614.txt (got {a.file!r})"))
        if a.file in seen:
            errors.append(doc.error(base + ("file",),
                                    f"duplicate article {a.file!r} (first at articles[{seen[a.file]}])"))
        seen.setdefault(a.file, i)
        if a.date_basis == "inferred" and not a.date_note:
            errors.append(doc.error(base + ("date_basis",), "an inferred date needs a date_note saying how"))
        for j, s in enumerate(a.symbols):
            if normalize_symbol(s) != s:
                errors.append(doc.error(base + ("symbols", j),
                                        f"write symbols in Yahoo spelling: {normalize_symbol(s)!r} (got {s!r})"))
    return errors


def load_articles(path: str | Path | None = None) -> dict[str, Article]:
    """Articles by file name, in file order (default ``seeds_dir()/articles.yaml``)."""
    return {a.file: a for a in load_model(path, ARTICLES_FILE, ArticlesFile, _check).articles}


__all__ = ["Article", "ArticlesFile", "load_articles"]
