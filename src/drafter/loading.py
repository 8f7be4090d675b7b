"""Reading data files (JSON, YAML, stdin) and turning validation errors into
one line that names the file and the key."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import reprlib
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ValidationError

from drafter.errors import DrafterError, InputError

if TYPE_CHECKING:
    import yaml

M = TypeVar("M", bound=BaseModel)


@functools.cache
def _yaml_loader() -> type[yaml.SafeLoader]:
    """The YAML loader, made on first use (``drafter check`` reads no YAML when
    its rules come from the start-up cache, and PyYAML's import is not free).

    libyaml's safe loader when PyYAML was built with it (ten times faster), else
    the pure-Python one: the same safe subset either way, refusing a key given
    twice in one mapping (YAML keeps the last silently: ``prospect:`` twice
    would plan for the second one)."""
    import yaml

    safe: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(safe):  # type: ignore[valid-type,misc]
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, str | int | float | bool | dt.date):
                    continue  # an unhashable key: the model's validation names it
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        problem=f"duplicate key {short(key)}", problem_mark=key_node.start_mark
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]

    return Loader


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (JSON would keep the last)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(f"duplicate key {short(key)}")
        out[key] = value
    return out


# Tags of discriminated unions appear in error locations; users never typed them.
_HIDDEN_LOC_PARTS = {"touches", "summary"}


def shown_name(path: str | Path) -> str:
    """How a file is named in messages: ``-`` is stdin."""
    return "<stdin>" if str(path) == "-" else str(path)


def read_text(path: str | Path, *, error: type[DrafterError] = InputError) -> tuple[str, str]:
    """The text of a UTF-8 file (a BOM is dropped), or of stdin for ``-``, and
    the name to show for it in messages."""
    name = shown_name(path)
    if name == "<stdin>":
        # as a file is read: no BOM, universal newlines (offsets then agree)
        text = sys.stdin.read().removeprefix("\ufeff")
        return text.replace("\r\n", "\n").replace("\r", "\n"), name
    try:
        return Path(path).read_text(encoding="utf-8-sig"), name
    except FileNotFoundError:
        raise error("no such file", path=name) from None
    except IsADirectoryError:
        raise error("is a directory, not a file", path=name) from None
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path=name) from None
    except OSError as exc:
        raise error(exc.strerror or str(exc), path=name) from None


def read_data(path: str | Path, *, error: type[DrafterError] = InputError) -> Any:
    """Parse a JSON or YAML file (by suffix); ``-`` reads JSON from stdin."""
    text, shown = read_text(path, error=error)
    return parse_data(text, data_format(path), shown, error=error)


def data_format(path: str | Path) -> str:
    """``.json``, ``.yaml`` or ``.yml`` (any other suffix is refused when parsed)."""
    return ".json" if str(path) == "-" else Path(path).suffix.lower()


def parse_data(
    text: str, suffix: str, shown: str, *, error: type[DrafterError] = InputError
) -> Any:
    """Parse JSON or YAML text, as a file with ``suffix`` named ``shown``."""
    if suffix in (".yaml", ".yml"):
        import yaml

        try:
            return yaml.load(text, Loader=_yaml_loader())
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or _reader_problem(exc)
            raise error(f"invalid YAML{where}: {problem}", path=shown) from None
    if suffix == ".json":
        try:
            return json.loads(text, object_pairs_hook=_unique_keys)
        except json.JSONDecodeError as exc:
            raise error(
                f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", path=shown
            ) from None
        except _DuplicateKey as exc:
            raise error(f"invalid JSON: {exc}", path=shown) from None
    raise error(
        f"unsupported file type {suffix or '(none)'!r}: use .json, .yaml or .yml", path=shown
    )


def _reader_problem(exc: yaml.YAMLError) -> str:
    """What a YAML reader error means (a NUL byte or other control character)."""
    character = getattr(exc, "character", None)
    if isinstance(character, str | int):
        code = ord(character) if isinstance(character, str) else character
        where = getattr(exc, "position", None)
        at = f" at character {where + 1}" if isinstance(where, int) else ""
        return f"control character U+{code:04X}{at} (YAML allows none but tab and newline)"
    return "not readable as YAML"


def check_patterns(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"pattern {pattern!r} does not compile: {exc}") from None
    return patterns


# A list of regular expressions in a data file, each checked to compile.
Patterns = Annotated[list[str], AfterValidator(check_patterns)]


def error_location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _HIDDEN_LOC_PARTS:
            continue
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _describe_one(error: Any) -> str:
    message: str = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return "unknown key (check the spelling)"
    if error["type"] == "missing":
        return "required key is missing"
    if error.get("input", "") is None:
        return "is empty: fill it in" + (f" ({message})" if "should be '" in message else "")
    shown = "(got " in message or message.startswith("unknown ")  # the word is named
    if "input" in error and not isinstance(error["input"], dict | list) and not shown:
        message = f"{message} (got {short(error['input'])})"
    return message


def describe_validation_error(exc: ValidationError) -> tuple[str, str]:
    """(key, message) of the first error; every other problem is named after it."""
    # A typo is the likeliest cause of a missing key too: name the typo first.
    errors = sorted(exc.errors(include_url=False), key=lambda e: e["type"] != "extra_forbidden")
    key = error_location(tuple(errors[0]["loc"]))
    message = _describe_one(errors[0])
    others = [f"{error_location(tuple(e['loc']))}: {_describe_one(e)}" for e in errors[1:]]
    if others:
        message += f"; also {len(others)} more problem{'s' if len(others) > 1 else ''}: "
        message += "; ".join(others)
    return key, message


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60


def short(value: Any) -> str:
    """A value for an error message: dates as written, long text cut."""
    if isinstance(value, dt.date):
        return str(value)
    return _SHORT.repr(value)


def require_technique(technique_id: str, known: Iterable[str], *, key: str) -> str:
    """``technique_id`` if it is one of ``known``; a one-line input error naming ``key``."""
    names = sorted(known)
    if technique_id not in names:
        raise InputError(unknown_technique(technique_id, names), key=key)
    return technique_id


def unknown_technique(technique_id: str, known: Iterable[str]) -> str:
    """The one wording of an unknown technique, for input and playbook errors alike."""
    return f"unknown technique {short(technique_id)}; known: {', '.join(sorted(known))}"


def validate(
    model: type[M],
    data: Any,
    *,
    path: str | Path,
    error: type[DrafterError] = InputError,
    context: dict[str, Any] | None = None,
) -> M:
    if not isinstance(data, dict):
        raise error("expected a mapping of keys at the top level", path=path)
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        key, message = describe_validation_error(exc)
        raise error(message, path=path, key=key) from None


def load_model(model: type[M], path: str | Path, *, error: type[DrafterError] = InputError) -> M:
    return validate(model, read_data(path, error=error), path=shown_name(path), error=error)
