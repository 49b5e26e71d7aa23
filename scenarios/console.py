r"""The one rich console factory of the toolkit: text from files, users and data prints verbatim.

Every console of the CLI (stdout tables, stderr errors, progress bars, backtest renders) comes
from :func:`make_console`, which

* never turns ``:100:`` into an emoji (``file.yaml:100:10`` stays a location),
* never highlights numbers or paths,
* turns control characters (ANSI escapes, bell, backspace, carriage return...) into visible
  ``\x1b``-style text in every string it renders, so a scenario ``name`` cannot recolour or
  rewrite the terminal.

Markup stays on only where a command opts in (``markup=True``) and escapes what it interpolates
(:func:`rich.markup.escape`); :func:`plain` is the helper for those places.

Only :mod:`rich` is imported here (CLI start-up time).
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.text import Text

# C0 controls except tab and newline, DEL, and the C1 controls (0x80-0x9f; 0x9b is a CSI).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_control(text: str) -> str:
    r"""``text`` with every control character except tab and newline shown as ``\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def plain(value: Any) -> str:
    """``value`` as text that is safe inside a markup string.

    Control characters shown, ``[`` escaped so that ``[bold]`` in a name prints as written.
    """
    from rich.markup import escape

    return escape(clean_control(str(value)))


def verbatim(value: Any) -> Text:
    r"""``value`` as a rich ``Text`` that prints as written on any console (markup on or off).

    Never markup or emoji, control characters shown as ``\xNN``.
    """
    return Text(clean_control(str(value)))


class SafeConsole(Console):
    """A rich console that never renders emoji codes and shows control characters.

    It is a :class:`rich.console.Console`; control characters are shown in every string it prints
    (``print``, table cells, titles, captions).
    """

    def render_str(self, text: str, **kwargs: Any) -> Text:
        """Render ``text`` as written: no emoji codes, control characters shown."""
        kwargs["emoji"] = False
        return super().render_str(clean_control(text), **kwargs)


def make_console(*, stderr: bool = False, markup: bool = False, wide: int | None = None,
                 **kwargs: Any) -> SafeConsole:
    """Return a console for CLI output.

    ``markup=False`` (the default) prints strings as written; ``wide`` is the width used when the
    output is not a terminal (files and pipes), so tables are not folded at 80 columns.
    """
    kwargs.setdefault("highlight", False)
    console = SafeConsole(stderr=stderr, markup=markup, emoji=False, **kwargs)
    if wide is not None and not console.is_terminal and "width" not in kwargs:
        console.width = max(console.width, wide)
    return console
