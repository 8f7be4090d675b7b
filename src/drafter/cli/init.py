"""``drafter init``: start a deal's context file, commented, or by questions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from drafter.cli.common import PlaybookOpt, load_settings_and_playbook
from drafter.errors import InputError


def init_command(
    file: Annotated[
        Path | None,
        typer.Argument(metavar="[FILE]", help="Where to write it (.yaml); default: stdout."),
    ] = None,
    blank: Annotated[
        bool,
        typer.Option("--blank", help="Write the commented starter without asking, even here."),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
    playbook: PlaybookOpt = None,
) -> None:
    """Start a deal's context file: every field, what it takes, an example, which are optional.

    In a terminal it asks a few questions (their name, company, the deal's
    stage in your CRM's words, their last reply and your touches since) and
    writes a file that plans as it is; otherwise, or with --blank, it writes
    the commented starter for you to fill in.

    Example: drafter init deal.yaml && drafter plan deal.yaml

    Example: drafter init --blank > deal.yaml
    """
    from drafter.contextfile import write_atomically
    from drafter.inputs import check_context
    from drafter.loading import parse_data
    from drafter.starter import starter_text

    if file is not None and file.exists() and not force:
        raise InputError("already exists: add --force to overwrite it", path=file)
    if file is not None and file.suffix.lower() not in (".yaml", ".yml"):
        raise InputError("drafter init writes YAML: name it .yaml or .yml", path=file)
    name = str(file) if file is not None else "deal.yaml"
    if blank or not sys.stdin.isatty():
        text = starter_text(name=name)
    else:
        _, book = load_settings_and_playbook(None, playbook)
        answers, history = _ask()
        text = starter_text(answers, history, name=name)
        check_context(parse_data(text, ".yaml", name), book, path=name)  # it plans as it is
    if file is None:
        typer.echo(text, nl=False)
    else:
        write_atomically(file, text)
        typer.echo(f"Wrote {file}. Next: drafter plan {file}", err=True)


def _ask() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from drafter.starter import LAST_REPLY, LAST_REPLY_CHANNEL, QUESTIONS, TOUCH, Question

    def ask(question: Question, default: str = "") -> Any:
        while True:
            answer = typer.prompt(
                question.prompt, default=default, show_default=bool(default), err=True
            ).strip()
            if not answer:
                if question.required:
                    typer.echo("  (required)", err=True)
                    continue
                return None
            try:
                return question.parse(answer)
            except ValueError as exc:
                typer.echo(f"  {exc}", err=True)

    answers: dict[str, Any] = {}
    for question in QUESTIONS:
        value = ask(question)
        if value is not None:
            answers[question.key] = value
    history: list[dict[str, Any]] = []
    replied = ask(LAST_REPLY)
    if replied is not None:
        how = ask(LAST_REPLY_CHANNEL, default="meeting")
        history.append({"date": replied, "channel": how or "meeting", "direction": "in"})
    while (touch := ask(TOUCH)) is not None:
        history.append(touch)
    history.sort(key=lambda t: t["date"])
    return answers, history
