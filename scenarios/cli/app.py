"""Entry point of the ``scenarios`` command.

Start-up stays fast: this module and the command modules import only typer and rich at
import time; numpy/pandas/duckdb/yfinance/matplotlib are imported inside the commands, and
:func:`main` registers only the module of the command it runs (:func:`register`).

Every :class:`~scenarios.errors.ScenariosError` becomes one readable paragraph on stderr and
the error's exit code; ``--debug`` re-raises to show the traceback.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import sys
from collections.abc import Iterator

import typer

from scenarios import __version__

app = typer.Typer(
    name="scenarios",
    help="Turn market narratives into parameterized scenarios, value them, and backtest them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_STATE = {"debug": False}

# Each module exposes ``register(app)``; order is the order of --help.
_COMMAND_MODULES = (
    "scenarios.cli.run",
    "scenarios.cli.backtest",
    "scenarios.cli.report",
    "scenarios.cli.data",
    "scenarios.cli.runs",
    "scenarios.cli.claims",
    "scenarios.cli.universe",
    "scenarios.cli.sweep",
    "scenarios.cli.sensitivity",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"narrative-scenarios {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show Python tracebacks on errors."),
) -> None:
    """narrative-scenarios: market narratives as numbers you can test."""
    _STATE["debug"] = debug


#: command name -> the module that registers it (a test checks it against the modules)
COMMANDS: dict[str, str] = {
    "validate": "scenarios.cli.run", "run": "scenarios.cli.run", "new": "scenarios.cli.run",
    "backtest": "scenarios.cli.backtest", "report": "scenarios.cli.report", "data": "scenarios.cli.data",
    "runs": "scenarios.cli.runs", "claims": "scenarios.cli.claims", "universe": "scenarios.cli.universe",
    "sweep": "scenarios.cli.sweep", "sensitivity": "scenarios.cli.sensitivity",
}
#: the command modules registered on :data:`app` so far (all of them, or the one a command needs)
_REGISTERED: list[str] = []


def register(modules: tuple[str, ...] = _COMMAND_MODULES) -> None:
    """Register ``modules``' commands on :data:`app` (default: every command, in ``--help`` order).

    Building typer's command tree costs per command, and each command module imports its own
    helpers, so :func:`main` registers only the module of the command it runs; anything else
    (``--help``, no or an unknown command) gets every command. Registering them all after one
    keeps the ``--help`` order.
    """
    wanted = [m for m in _COMMAND_MODULES if m in modules or m in _REGISTERED]
    if wanted == _REGISTERED:
        return
    app.registered_commands.clear()
    app.registered_groups.clear()
    for name in wanted:
        importlib.import_module(name).register(app)
    _REGISTERED[:] = wanted


def _modules_for(args: list[str]) -> tuple[str, ...]:
    """Return the command modules a command line needs: its command's, or all of them."""
    for a in args:
        if a in ("--debug",):
            continue
        module = COMMANDS.get(a)
        return (module,) if module is not None else _COMMAND_MODULES
    return _COMMAND_MODULES


def _format_error(exc: BaseException) -> str:
    from scenarios.errors import ScenariosError

    kind = type(exc).__name__
    text = str(exc) if isinstance(exc, ScenariosError) else f"{kind}: {exc}"
    return f"error ({kind}): {text}" if isinstance(exc, ScenariosError) else f"error: {text}"


def _click_exception_types() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """Return the usage-error and abort classes of click and of typer's copy.

    Typer >= 0.2x vendors a copy of click whose ``BadParameter`` is not a subclass of the real
    click's ``ClickException``, so both sets are needed.
    """
    errors: list[type] = []
    aborts: list[type] = []
    for name in ("typer._click.exceptions", "typer.exceptions", "click.exceptions"):
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        errors.extend(c for c in (getattr(mod, "ClickException", None),) if isinstance(c, type))
        aborts.extend(c for c in (getattr(mod, "Abort", None),) if isinstance(c, type))
    return tuple(errors), tuple(aborts)


@contextlib.contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """Run the garbage collector less often while a command runs.

    A command imports pandas, pydantic and the engine: several hundred thousand long-lived
    objects, which CPython's default thresholds (700, 10, 10) scan again and again (about 0.1 s
    of CPU per ``run``, two of them full passes). Reference cycles are still collected, every
    20,000 net allocations. The previous thresholds are restored afterwards.
    """
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], 20_000), max(old[1], 50), max(old[2], 50))
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _escape_unencodable() -> None:
    """Let stdout and stderr write what their encoding lacks as backslash escapes, not fail.

    A console whose encoding is not UTF-8 (``PYTHONIOENCODING=ascii``, an old Windows code page)
    would otherwise raise ``UnicodeEncodeError`` on a scenario named in Chinese.
    """
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a closed or unusual stream: leave it as it is
                pass


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (also used by ``python -m scenarios``)."""
    from scenarios.errors import ScenariosError

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    _escape_unencodable()
    register(_modules_for(args))
    import warnings

    try:
        with warnings.catch_warnings(), _fewer_gc_passes():
            # numpy's overflow/invalid-value warnings never reach the user: a result that is not
            # finite is reported by the code that computed it
            warnings.simplefilter("ignore", RuntimeWarning)
            result = app(args=args, standalone_mode=False)
        # with standalone_mode=False click RETURNS the code of `raise typer.Exit(n)`
        if isinstance(result, int) and not isinstance(result, bool):
            return result
    except typer.Exit as exc:  # normal early exits (--version, explicit exits)
        return int(exc.exit_code or 0)
    except ScenariosError as exc:
        if debug:
            raise
        from scenarios.console import make_console

        make_console(stderr=True, soft_wrap=True).print(_format_error(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # click usage errors and anything unexpected
        click_errors, aborts = _click_exception_types()
        if isinstance(exc, click_errors):
            exc.show()  # type: ignore[attr-defined]
            return exc.exit_code  # type: ignore[attr-defined]
        if isinstance(exc, aborts):
            print("aborted", file=sys.stderr)
            return 1
        if debug:
            raise
        from scenarios.console import clean_control

        print(
            f"error: unexpected {type(exc).__name__}: {clean_control(str(exc))}\n"
            "This is a bug in narrative-scenarios; run again with --debug for the traceback.",
            file=sys.stderr,
        )
        return 70
    return 0


def main_process(argv: list[str] | None = None) -> int:
    """Run :func:`main` in a process that exits right after it (the console script, ``-m``).

    The objects made by the imports, then those left by the command, are moved out of the cyclic
    garbage collector's reach (:func:`gc.freeze`): its passes during the command skip the
    several hundred thousand long-lived objects of pandas, pydantic and the engine, and the
    interpreter's shutdown does not scan them again (together about 0.1-0.2 s of CPU per ``run``).
    Everything still runs: ``atexit`` handlers, finalizers and the closing of files. Code that
    calls :func:`main` in a process that goes on (tests, notebooks) is not affected.
    """
    gc.freeze()
    code = main(argv)
    gc.freeze()
    return code


def run() -> None:  # pragma: no cover - console script shim
    """Run the CLI and exit with its code (the ``scenarios`` console script)."""
    sys.exit(main_process())
