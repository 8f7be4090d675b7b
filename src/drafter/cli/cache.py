"""``drafter cache``: the LLM response cache."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="The LLM response cache ($DRAFTER_CACHE_DIR, else your platform's cache folder).",
    no_args_is_help=True,
)


@app.command("clear")
def clear_command() -> None:
    """Delete every cached LLM reply (the next drafts ask the model again).

    Example: drafter cache clear
    """
    from drafter.draft.llm.cache import ResponseCache, default_cache_dir

    folder = default_cache_dir()
    count = ResponseCache(folder).clear()
    typer.echo(f"Cleared {count} cached repl{'y' if count == 1 else 'ies'} from {folder}.")


@app.command("path")
def path_command() -> None:
    """Print the cache folder.

    Example: drafter cache path
    """
    from drafter.draft.llm.cache import default_cache_dir

    typer.echo(str(default_cache_dir()))
