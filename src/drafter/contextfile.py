"""A deal's context file, edited in place (the edge for ``drafter log``).

YAML is edited round-trip (``ruamel.yaml``): the rep's comments, key order,
flow or block style and quoting stay as they were; only the new touch is
added. JSON stays JSON, its keys in order. The new text is read back through
the ordinary loader before it replaces the file, and the file is replaced
atomically (a temporary file in the same folder, then a rename), so a crash
leaves the old file or the new one, never half of either.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drafter.context import DealContext
from drafter.errors import InputError
from drafter.inputs import check_context, resolve_today
from drafter.loading import data_format, parse_data, read_text
from drafter.plan.models import Plan
from drafter.plan.selector import make_plan
from drafter.playbook import Playbook
from drafter.record import Decision, TouchRequest, add_touch, decide_touch, set_follow_up

_CONVERTED_NOTE = (
    "history: converted from the CRM summary by drafter log on {day}. The dates between\n"
    "the first and the last attempt, the channel of each, and how they replied are estimates."
)


@dataclass(frozen=True)
class Logged:
    decision: Decision
    converted: bool
    plan: Plan  # the plan now, with the touch recorded
    today: dt.date


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a rep's long lines
    return yaml


def _sequence_indent(text: str) -> tuple[int, int]:
    """(sequence, offset) as the file writes its lists: '  - x' or '- x'."""
    match = re.search(r"^( *)\S[^\n]*:\s*\n(?:\s*#[^\n]*\n)*( *)- ", text, flags=re.M)
    if match is None:
        return 4, 2
    offset = max(0, len(match.group(2)) - len(match.group(1)))
    return offset + 2, offset


def log_touch(
    path: str,
    playbook: Playbook,
    request: TouchRequest,
    *,
    today: dt.date | None,
    clock: dt.date,
) -> Logged:
    """Record one touch in the context file at ``path`` and plan again."""
    if path == "-":
        raise InputError("drafter log edits a file: give its path, not -", key="CONTEXT")
    text, shown = read_text(path)
    suffix = data_format(path)
    ctx = check_context(parse_data(text, suffix, shown), playbook, path=shown)
    day = resolve_today(ctx, today, clock, path=shown)
    decision = decide_touch(ctx, playbook, day, request)
    if suffix == ".json":
        new_text, converted = _edit_json(text, ctx, decision, request)
    else:
        new_text, converted = _edit_yaml(text, ctx, decision, request, day)
    # what is written must read back, with the touch in it
    after = check_context(parse_data(new_text, suffix, shown), playbook, path=shown)
    write_atomically(Path(path), new_text)
    plan_day = resolve_today(after, today, clock, path=shown)
    return Logged(decision, converted, make_plan(after, playbook, plan_day), plan_day)


def _edit_yaml(
    text: str, ctx: DealContext, decision: Decision, request: TouchRequest, day: dt.date
) -> tuple[str, bool]:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    yaml = _yaml()
    sequence, offset = _sequence_indent(text)
    yaml.indent(mapping=2, sequence=sequence, offset=offset)
    document = yaml.load(text)

    def new_item(record: dict[str, Any], like: Any) -> Any:
        item = CommentedMap(record)
        flow = like.fa.flow_style() if isinstance(like, CommentedMap) else True
        if flow:
            item.fa.set_flow_style()
        return item

    def new_list(items: list[Any]) -> Any:
        seq = CommentedSeq(items)
        seq.fa.set_block_style()
        return seq

    history = document.get("history")
    if isinstance(history, CommentedSeq) and not history:
        history.fa.set_block_style()  # `history: []` grows into one line per touch
    converted = add_touch(document, ctx, decision.touch, new_item=new_item, new_list=new_list)
    if request.follow_up_on is not None:
        set_follow_up(
            document, request.follow_up_on, request.follow_up_channel, new_map=CommentedMap
        )
    if converted:
        document.yaml_set_comment_before_after_key(
            "history", before=_CONVERTED_NOTE.format(day=day)
        )
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue(), converted


def _edit_json(
    text: str, ctx: DealContext, decision: Decision, request: TouchRequest
) -> tuple[str, bool]:
    document = json.loads(text)
    indent = re.search(r"\n( +)\S", text)

    def new_item(record: dict[str, Any], like: Any) -> Any:
        return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in record.items()}

    def new_list(items: list[Any]) -> Any:
        return items

    converted = add_touch(document, ctx, decision.touch, new_item=new_item, new_list=new_list)
    if request.follow_up_on is not None:
        set_follow_up(document, request.follow_up_on, request.follow_up_channel, new_map=dict)
        document["deal"]["follow_up_on"] = request.follow_up_on.isoformat()
    width = len(indent.group(1)) if indent else 2
    return json.dumps(document, indent=width, ensure_ascii=False) + "\n", converted


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` all at once, keeping its permissions."""
    target = path.resolve()
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else None
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
