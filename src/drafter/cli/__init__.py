"""The command line: thin typer commands, one module per command.

Each command parses its options and makes one call into the core. Domain
errors are translated here, once: one line on stderr and exit code 2 (see
``drafter.errors``); ``--debug`` or ``DRAFTER_DEBUG=1`` shows the traceback.
"""

from __future__ import annotations

import os
import sys

import typer

from drafter.cli import batch, cache, check, draft, eval, init, log, plan, playbook
from drafter.errors import DrafterError, redact

app = typer.Typer(
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
app.command("plan")(plan.plan_command)
app.command("draft")(draft.draft_command)
app.command("check")(check.check_command)
app.command("log")(log.log_command)
app.command("batch")(batch.batch_command)
app.command("eval")(eval.eval_command)
app.command("init")(init.init_command)
app.add_typer(playbook.app, name="playbook")
app.add_typer(cache.app, name="cache")


@app.callback()
def _root(
    debug: bool = typer.Option(
        False, "--debug", help="Show tracebacks for errors (or set DRAFTER_DEBUG=1)."
    ),
) -> None:
    """(--debug is read by main() before typer sees the line.)"""


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = os.environ.get("DRAFTER_DEBUG", "") not in ("", "0")
    if "--debug" in args:  # accepted anywhere on the line, not only before the command
        args.remove("--debug")
        debug = True
    try:
        app(args=args, prog_name="drafter")
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
