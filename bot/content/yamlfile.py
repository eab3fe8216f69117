"""YAML files read with the line of every key, and problems located by file, line and reason."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    reason: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.reason}"


class FlowError(Exception):
    """The files could not be loaded; `problems` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


class _Map(dict[Any, Any]):
    """A YAML mapping that remembers the line of each key."""

    line = 1
    lines: dict[Any, int]


class _Seq(list[Any]):
    line = 1
    lines: list[int]


# libyaml's parser when PyYAML was built with it: ten times faster on large locale files.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    duplicates: list[tuple[int, str]]


def _mapping(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    result = _Map()
    result.line, result.lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if isinstance(key, list | dict):  # "? [a, b]": PyYAML's own constructor refuses it too
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a word, not a list or a mapping", key_node.start_mark
            )
        if key in result:  # PyYAML would silently keep the last one: an organizer's typo
            loader.duplicates.append(
                (line, f"duplicate key {key!r} (first at line {result.lines[key]})")
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = line
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    result = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def read_yaml(path: Path, shown: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML file keeping line numbers; syntax errors and duplicate keys are problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(shown, 1, f"cannot read file: {exc}")]
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # the reader refuses control characters here already
        loader.duplicates = []
        data = loader.get_single_data()
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        char = chr(exc.character) if isinstance(exc.character, int) else exc.character
        return None, [
            Problem(
                shown,
                line,
                f"character {char!r} is not allowed in YAML (a control character: delete it)",
            )
        ]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(shown, line, f"YAML syntax: {reason}")]
    finally:
        if loader is not None:
            loader.dispose()
    problems = [Problem(shown, line, reason) for line, reason in loader.duplicates]
    if not isinstance(data, dict):
        problems.append(Problem(shown, 1, "the file must be a mapping of keys to values"))
        return None, problems
    return data, problems


def line_of(data: Any, loc: tuple[Any, ...]) -> int:
    """The line of the deepest element of `loc` that the YAML had."""
    line = getattr(data, "line", 1)
    for part in loc:
        if isinstance(data, _Map) and part in data:
            line, data = data.lines[part], data[part]
        elif isinstance(data, _Seq) and isinstance(part, int) and part < len(data):
            line, data = data.lines[part], data[part]
        else:
            break
    return line


def validate(model: type[M], data: Any, shown: str) -> tuple[M | None, list[Problem]]:
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = ".".join(str(p) for p in loc) or "file"
            problems.append(Problem(shown, line_of(data, loc), f"{where}: {err['msg']}"))
        return None, problems


def set_fields(
    text: str, data: Any, where: tuple[str, str], values: dict[str, str], after: str
) -> str | None:
    """`text` with scalar fields set in the block mapping data[where[0]][where[1]], line by line:
    a field already there has its line replaced (a comment after the value stays), a new one
    goes after the previous field of `values`, else after the value of `after`, else at the
    mapping's end; every other line, comment and blank line stays as it was. `values` are
    written as given (YAML scalars). None when the mapping is not written as a block, or the
    result would not read back as the same data with these fields set."""
    section, name = where
    group = data.get(section) if isinstance(data, _Map) else None
    entry = group.get(name) if isinstance(group, _Map) else None
    if not isinstance(group, _Map) or not isinstance(entry, _Map) or not entry.lines:
        return None
    at = group.lines[name]
    if entry.line <= at:  # `name: {...}` on one line
        return None
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    later = [n for n in [*group.lines.values(), *data.lines.values()] if n > at]
    end = min(later) - 1 if later else len(lines)
    starts = sorted(entry.lines.values())
    first = lines[starts[0] - 1]
    indent = first[: len(first) - len(first.lstrip(" "))]

    def value_end(field: str) -> int:
        """The last line (1-based) of a field's value, before blank lines and comments."""
        line = entry.lines[field]
        last = min([n - 1 for n in starts if n > line], default=end)
        while last > line and (not lines[last - 1].strip() or lines[last - 1].lstrip()[0] == "#"):
            last -= 1
        return last

    edits: list[tuple[int, int, list[str]]] = []  # (start, end) 0-based slice -> new lines
    inserts: dict[int, list[str]] = {}  # after this line (1-based) -> new lines, in order
    anchor = value_end(after) if after in entry else end
    for field, value in values.items():
        if field in entry:
            line = entry.lines[field]
            comment = re.match(rf"\s*{re.escape(field)}:\s*[^#'\"\n]*?(\s+#.*)?$", lines[line - 1])
            tail = comment[1] if comment and comment[1] else ""
            edits.append((line - 1, value_end(field), [f"{indent}{field}: {value}{tail}\n"]))
            anchor = value_end(field)
        else:
            inserts.setdefault(anchor, []).append(f"{indent}{field}: {value}\n")
    edits += [(n, n, new) for n, new in inserts.items()]
    # From the bottom up, so earlier positions stay valid; at one position, replace first.
    for start, stop, new in sorted(edits, key=lambda e: (e[0], e[1] > e[0]), reverse=True):
        lines[start:stop] = new
    result = "".join(lines)
    expected = yaml.safe_load(text)
    expected[section][name].update({k: yaml.safe_load(f"v: {v}")["v"] for k, v in values.items()})
    try:
        return result if yaml.safe_load(result) == expected else None
    except yaml.YAMLError:
        return None
