"""Regenerate the driver reference in docs/scenario-format.md from the driver registry.

Usage: ``python scripts/gen_driver_docs.py`` (``--check``: exit 1 when the file is stale).
The text between the two ``drivers`` markers is :func:`scenarios.model.drivers.reference_markdown`.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scenarios.model.drivers import reference_markdown  # noqa: E402

DOC = ROOT / "docs" / "scenario-format.md"
BEGIN = "<!-- drivers: generated from scenarios/model/drivers by scripts/gen_driver_docs.py -->"
END = "<!-- end of generated drivers -->"


def render(text: str) -> str:
    """``text`` with the generated block replaced by the registry's reference."""
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{reference_markdown()}{END}{tail}"


def main(argv: list[str]) -> int:
    old = DOC.read_text(encoding="utf-8")
    new = render(old)
    if "--check" in argv:
        return 0 if new == old else 1
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
