"""The command line: thin typer commands, one module per command.

Each command parses its options and makes one call into the core. Domain
errors are translated here, once: one line on stderr and exit code 2 (see
``drafter.errors``); ``--debug`` or ``DRAFTER_DEBUG=1`` shows the traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import typer

from drafter.errors import DrafterError, redact

# The commands, in the order `drafter --help` lists them: name -> (module, function).
# A command line that names one builds the CLI with that command alone, so
# `drafter check` does not import and lay out the other eight (a tenth of
# its cold start); anything else (`drafter --help`, a typo) builds them all.
_COMMANDS = {
    "plan": ("plan", "plan_command"),
    "draft": ("draft", "draft_command"),
    "check": ("check", "check_command"),
    "log": ("log", "log_command"),
    "batch": ("batch", "batch_command"),
    "eval": ("eval", "eval_command"),
    "init": ("init", "init_command"),
}
_GROUPS = {"playbook": "playbook", "cache": "cache"}  # name -> module with a typer app


def _version(given: bool) -> None:
    if given:
        from importlib.metadata import version

        typer.echo(f"drafter {version('drafter')}")
        raise typer.Exit


def _root(
    debug: bool = typer.Option(
        False, "--debug", help="Show tracebacks for errors (or set DRAFTER_DEBUG=1)."
    ),
    show_version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """(--debug is read by main() before typer sees the line.)"""


def build_app(only: str | None = None) -> typer.Typer:
    """The CLI: every command, or only the one named ``only``."""
    built = typer.Typer(
        name="drafter",
        help=(
            "Follow-ups for prospects who went silent: pick the technique, draft the message, "
            "check its tone.\n\nExample: drafter draft examples/rescue_call.yaml"
        ),
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    for name, (module, function) in _COMMANDS.items():
        if only in (None, name):
            command = getattr(importlib.import_module(f"drafter.cli.{module}"), function)
            built.command(name)(command)
    for name, module in _GROUPS.items():
        if only in (None, name):
            built.add_typer(importlib.import_module(f"drafter.cli.{module}").app, name=name)
    built.callback()(_root)
    return built


def __getattr__(name: str) -> Any:
    """``drafter.cli.app``: the whole CLI, built on first use."""
    if name == "app":
        globals()["app"] = built = build_app()
        return built
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: list[str] | None = None) -> None:
    try:
        _main(argv)
    finally:
        if argv is None:  # the process ends with this command (not a caller's main([...]))
            _skip_collection_at_exit()


def _skip_collection_at_exit() -> None:
    """Leave the objects alive now to the end of the process, uncollected.
    At exit the interpreter would otherwise walk them for reference cycles:
    about 0.2 s once the openai SDK (some 700 model classes) is loaded, a
    tenth of a one-row run. Files are flushed and closed as ever, and exit
    handlers still run."""
    import gc

    gc.freeze()


def _main(argv: list[str] | None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = os.environ.get("DRAFTER_DEBUG", "") not in ("", "0")
    if "--debug" in args:  # accepted anywhere on the line, not only before the command
        args.remove("--debug")
        debug = True
    # The whole CLI if it was built already (or replaced, as tests do), else
    # only the command the line starts with.
    named = args[0] if args and args[0] in (*_COMMANDS, *_GROUPS) else None
    try:
        cli = globals().get("app") or build_app(named)
        cli(args=args, prog_name="drafter")
    except DrafterError as exc:
        if debug:
            _print_traceback()
        print(f"drafter: error: {redact(str(exc))}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("drafter: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        if debug:
            _print_traceback()
        print(
            f"drafter: internal error: {type(exc).__name__}: {redact(str(exc))} "
            "(run with --debug for the traceback)",
            file=sys.stderr,
        )
        sys.exit(3)


def _print_traceback() -> None:
    """The traceback for --debug, with any key-like string redacted."""
    import traceback

    print(redact(traceback.format_exc()), file=sys.stderr, end="")
