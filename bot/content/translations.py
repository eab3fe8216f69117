"""Translation files for translators: export PO or CSV, import them back, report the status."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.content.checks import directory_texts
from bot.content.files import FALLBACK, Loaded, parse, placeholder_differences
from bot.content.yamlfile import read_yaml
from bot.engine.model import Locale
from bot.engine.sms import BUDGET, encoding, segments
from bot.engine.text import PLACEHOLDER, fill

CSV_HEADER = ["key", "english", "translation", "reviewed"]
BASE_COLUMN = "base"  # the fingerprint of the translation the file was exported from
_YES = {"yes", "y", "true", "1", "x", "reviewed"}
_NO = {"no", "n", "false", "0", "", "not reviewed"}


class TranslationError(Exception):
    """The file cannot be used; `problems` names each key (or line) and why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Entry:
    """One text: its key, the English source, the translation ('' when none) and review."""

    key: str
    english: str
    translation: str
    reviewed: bool
    line: int = 0  # where it starts in an imported file
    base: str | None = None  # fingerprint of the locale's text when exported (None: unknown)


def fingerprint(text: str) -> str:
    """A short fingerprint of a translation: an import compares it with the locale's text now,
    so a file exported before someone changed a text cannot put the older text back."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Content:
    """The parsed locales of a content folder."""

    root: Path
    loaded: Loaded

    @classmethod
    def read(cls, root: Path) -> Content:
        loaded = parse(root)
        errors = [
            str(p)
            for p in loaded.problems
            if p.severity == "error" and p.path.startswith("locales/")
        ]
        if errors:
            raise TranslationError([*errors, "fix the locale files first (hotline flows check)"])
        return cls(root, loaded)

    @property
    def locales(self) -> dict[str, tuple[Locale, Any]]:
        return {locale.language: (locale, data) for locale, data in self.loaded.locales.values()}

    def locale(self, lang: str) -> tuple[Locale, Any]:
        locales = self.locales
        if lang not in locales:
            known = ", ".join(sorted(locales)) or "none"
            raise TranslationError(
                [
                    f"no locales/{lang}.yaml (languages here: {known}); to add "
                    f"a language, copy locales/{FALLBACK}.yaml to "
                    f"locales/{lang}.yaml first"
                ]
            )
        return locales[lang]

    @property
    def english(self) -> Locale:
        return self.locale(FALLBACK)[0]

    def translations(self) -> list[str]:
        """The languages a translator works on: every one but the English source."""
        return sorted(code for code in self.locales if code != FALLBACK)


def entries(content: Content, lang: str) -> list[Entry]:
    """Every English message key, in the English file's order, with the language's text."""
    locale, _ = content.locale(lang)
    result = []
    for key, message in content.english.messages.items():
        own = locale.messages.get(key)
        result.append(
            Entry(
                key,
                message.text,
                own.text if own else "",
                locale.is_reviewed(key) if own else False,
            )
        )
    return result


# --- PO --------------------------------------------------------------------------------------


def _po_quote(text: str) -> list[str]:
    """A PO string: one quoted line, or "" then one line per line of the text."""
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r")
    )
    parts = escaped.split("\n")
    lines = [p + "\\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    pieces = [piece for line in lines for piece in _po_wrap(line)]
    if len(pieces) <= 1:
        return [f'"{pieces[0] if pieces else ""}"']
    return ['""', *(f'"{p}"' for p in pieces)]


def _po_wrap(line: str, width: int = 76) -> list[str]:
    """Cut a long line after spaces, as gettext does; the pieces join back without a gap."""
    pieces: list[str] = []
    while len(line) > width:
        cut = line.rfind(" ", 0, width) + 1
        if cut <= 0:
            break
        pieces.append(line[:cut])
        line = line[cut:]
    return [*pieces, line] if line else pieces


def write_po(items: list[Entry], lang: str, name: str) -> str:
    out = [
        f"# {name} ({lang}) translation of the NYC rights hotline.",
        "# msgctxt is the message key, msgid the English text, msgstr the translation.",
        '# "#, fuzzy" marks a translation no person has reviewed yet: remove the mark',
        "# once a fluent speaker has checked it. Keep every {placeholder} as it is.",
        'msgid ""',
        'msgstr ""',
        f'"Language: {lang}\\n"',
        '"MIME-Version: 1.0\\n"',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        '"Content-Transfer-Encoding: 8bit\\n"',
        '"X-Generator: hotline translations export\\n"',
        "",
    ]
    for item in items:
        names = list(dict.fromkeys(PLACEHOLDER.findall(item.english)))
        if names:
            out.append("#. keep: " + " ".join(f"{{{n}}}" for n in names))
        if item.translation:
            out.append(f"#. base: {fingerprint(item.translation)}")
        if item.translation and not item.reviewed:
            out.append("#, fuzzy")
        out.append(f"msgctxt {_po_quote(item.key)[0]}")
        for word, text in (("msgid", item.english), ("msgstr", item.translation)):
            first, *rest = _po_quote(text)
            out += [f"{word} {first}", *rest]
        out.append("")
    return "\n".join(out)


_PO_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_PO_LINE = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(".*")\s*$')


def _po_unquote(token: str, where: str) -> str:
    if len(token) < 2 or not (token.startswith('"') and token.endswith('"')):
        raise TranslationError([f"{where}: a text must be in double quotes"])
    body, out, i = token[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            code = body[i + 1] if i + 1 < len(body) else ""
            if code not in _PO_ESCAPES:
                raise TranslationError(
                    [f'{where}: unknown escape \\{code} (use \\n, \\t, \\", \\\\)']
                )
            out.append(_PO_ESCAPES[code])
            i += 2
        elif char == '"':
            raise TranslationError([f'{where}: a " inside a text must be written \\"'])
        else:
            out.append(char)
            i += 1
    return "".join(out)


def read_po(text: str, shown: str) -> tuple[str | None, list[Entry]]:
    """The Language header and the entries of a PO file; errors name the line."""
    blocks: list[dict[str, Any]] = []
    block: dict[str, Any] = {}
    field_name: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        where = f"{shown}:{number}"
        if not line:
            field_name = None
            continue
        if line.startswith("#~"):  # an obsolete entry, kept by PO editors for memory
            continue
        if line.startswith("#"):
            if "msgstr" in block:  # a comment after a msgstr starts the next entry
                blocks.append(block)
                block = {}
            if line.startswith("#,"):
                block.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
            base = re.match(r"#\.\s*base:\s*([0-9a-f]+)\s*$", line)
            if base:
                block["base"] = base[1]
            continue
        match = _PO_LINE.match(line)
        if match:
            field_name = match[1]
            if field_name in ("msgctxt", "msgid") and "msgstr" in block:
                blocks.append(block)
                block = {}
            if field_name.startswith("msgid_plural") or field_name.startswith("msgstr["):
                raise TranslationError([f"{where}: plural forms are not used here"])
            block[field_name] = _po_unquote(match[2], where)
            block.setdefault("line", number)
        elif line.startswith('"') and field_name is not None:
            block[field_name] += _po_unquote(line, where)
        else:
            raise TranslationError([f"{where}: not PO syntax: {line[:60]!r}"])
    if block:
        blocks.append(block)
    lang, result = None, []
    for entry in blocks:
        if "msgid" not in entry or "msgstr" not in entry:
            raise TranslationError(
                [f"{shown}:{entry.get('line', 1)}: an entry needs msgid and msgstr"]
            )
        if entry["msgid"] == "" and "msgctxt" not in entry:  # the header
            found = re.search(r"^Language:\s*(\S+)\s*$", entry["msgstr"], re.MULTILINE)
            lang = found[1] if found else None
            continue
        if "msgctxt" not in entry:
            raise TranslationError(
                [f"{shown}:{entry['line']}: an entry needs msgctxt (the message key)"]
            )
        reviewed = "fuzzy" not in entry.get("flags", set())
        result.append(
            Entry(
                entry["msgctxt"],
                entry["msgid"],
                entry["msgstr"],
                reviewed,
                entry["line"],
                entry.get("base"),
            )
        )
    return lang, result


# --- CSV -------------------------------------------------------------------------------------


def write_csv(items: list[Entry]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*CSV_HEADER, BASE_COLUMN])
    for item in items:
        writer.writerow(
            [
                item.key,
                item.english,
                item.translation,
                "yes" if item.reviewed and item.translation else "no",
                fingerprint(item.translation) if item.translation else "",
            ]
        )
    return buffer.getvalue()


def read_csv(text: str, shown: str) -> list[Entry]:
    rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = [h.strip().lower() for h in next(rows, [])]
    if header[:4] != CSV_HEADER:
        raise TranslationError([f"{shown}:1: the first row must be {','.join(CSV_HEADER)}"])
    has_base = len(header) > 4 and header[4] == BASE_COLUMN
    result = []
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        row = [*row, "", "", "", "", ""][:5]
        flag = row[3].strip().lower()
        if flag not in _YES | _NO:
            raise TranslationError(
                [f"{shown}:{number}: [{row[0]}] reviewed must be yes or no, not {row[3]!r}"]
            )
        base = row[4].strip() or None if has_base else None
        result.append(Entry(row[0].strip(), row[1], row[2], flag in _YES, number, base))
    return result


def read_file(path: Path) -> tuple[str | None, list[Entry]]:
    """(language named in the file, entries) of a .po or .csv file."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".po":
        return read_po(text, path.name)
    if path.suffix.lower() == ".csv":
        return None, read_csv(text, path.name)
    raise TranslationError([f"{path.name}: the file must end in .po or .csv"])


def language_of(path: Path, named: str | None, content: Content) -> str:
    """The language to import into: --lang, else the PO header, else the file name (es.csv)."""
    if named:
        return named
    stem = path.stem.lower()
    for candidate in (stem, stem.rsplit("-", 1)[-1], stem.rsplit("_", 1)[-1]):
        if candidate in content.locales:
            return candidate
    raise TranslationError(
        [f"{path.name}: which language is it? Add --lang CODE (for example --lang es)"]
    )


# --- import ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    key: str
    text: str
    reviewed: bool
    note: str = ""
    reviewer: str | None = None  # who cleared the fuzzy mark: recorded with the date
    on: dt.date | None = None


def plan(
    content: Content,
    lang: str,
    items: list[Entry],
    refused: list[str] | None = None,
    reviewer: str | None = None,
    today: dt.date | None = None,
) -> tuple[list[Change], list[str]]:
    """What an import would change, and notes; TranslationError listing every bad entry.

    A text that changed in the locale since the file was exported (its fingerprint differs)
    is not replaced by the file's older text: that key is refused, with a reason, into
    `refused`, and the other keys still go in. A text the file marks reviewed that was not
    reviewed before records `reviewer` (the person importing) and the day."""
    if lang == FALLBACK:
        raise TranslationError(
            [f"{FALLBACK} is the source language: edit locales/{FALLBACK}.yaml itself"]
        )
    locale, _ = content.locale(lang)
    english = content.english.messages
    problems: list[str] = []
    changes: list[Change] = []
    notes: list[str] = []
    first_line: dict[str, int] = {}
    for item in items:
        tag = f"[{item.key}]"
        if item.key in first_line:
            problems.append(
                f"{tag} is in the file twice (lines {first_line[item.key]} and {item.line})"
            )
            continue
        first_line[item.key] = item.line
        if item.key not in english:
            problems.append(f"{tag} is not a message key in locales/{FALLBACK}.yaml")
            continue
        if not item.translation.strip():
            continue  # not translated yet: the file cannot delete a text
        reasons = placeholder_differences(english[item.key].text, item.translation, item.key)
        if not reasons and _stray_braces(item.translation) > _stray_braces(english[item.key].text):
            reasons.append("has a { or } outside a {placeholder}: check its spelling")
        if reasons:
            problems += [f"{tag} {reason}" for reason in reasons]
            continue
        reviewed, note = item.reviewed, ""
        if item.english and item.english != english[item.key].text:
            reviewed = False
            note = "the English text changed since the export: marked as not reviewed"
            notes.append(f"{tag} {note}")
        current = locale.messages.get(item.key)
        newer = (
            current is not None
            and item.base is not None
            and fingerprint(current.text) != item.base
            and current.text != item.translation
        )
        if newer:
            reason = (
                f"{tag} refused: locales/{lang}.yaml has a newer text than this file (it "
                "changed after the export); importing would put the older text back. Export "
                "again and redo this entry there."
            )
            if refused is None:
                problems.append(reason)
            else:
                refused.append(reason)
            continue
        if (
            current is None
            or current.text != item.translation
            or (locale.is_reviewed(item.key) != reviewed)
        ):
            newly = reviewed and not (current is not None and locale.is_reviewed(item.key))
            day = today or dt.datetime.now(dt.UTC).date()
            who = (reviewer, day) if newly and reviewer else (None, None)
            changes.append(Change(item.key, item.translation, reviewed, note, *who))
    if problems:
        raise TranslationError(problems)
    return changes, notes


def _stray_braces(text: str) -> int:
    return PLACEHOLDER.sub("", text).count("{") + PLACEHOLDER.sub("", text).count("}")


def apply(content: Content, lang: str, changes: list[Change]) -> Path:
    """Write the changes into locales/<lang>.yaml, keeping the rest of the file as it was."""
    path = content.root / "locales" / f"{lang}.yaml"
    text = path.read_text(encoding="utf-8")
    data, problems = read_yaml(path, f"locales/{lang}.yaml")
    if data is None or problems:
        raise TranslationError([str(p) for p in problems])
    locale, _ = content.locale(lang)
    order = list(content.english.messages)
    values = {c.key: _value(locale, c, data["messages"].get(c.key)) for c in changes}
    new = _rewrite(text, data, values, order)
    if new is None or not _writes(new, locale, changes):
        new = _dump_all(data, values, order)  # the file's layout could not be kept
        if not _writes(new, locale, changes):
            raise TranslationError(
                [f"locales/{lang}.yaml: could not write the changes safely; nothing was written"]
            )
    path.write_text(new, encoding="utf-8")
    return path


def _value(locale: Locale, change: Change, before: Any) -> Any:
    """Plain text when the file-wide `reviewed:` already says the right thing, else a mapping
    (with who reviewed it and when, when the import recorded that)."""
    if change.reviewer:
        return {
            "text": _Text(change.text),
            "reviewed": True,
            "reviewed_by": change.reviewer,
            "reviewed_on": change.on,
        }
    if not isinstance(before, dict) and change.reviewed == locale.reviewed:
        return _Text(change.text)
    return {"text": _Text(change.text), "reviewed": change.reviewed}


def _writes(new: str, before: Locale, changes: list[Change]) -> bool:
    """Whether `new` reads back as the old locale with exactly these changes."""
    try:
        after = Locale.model_validate(yaml.safe_load(new))
    except (yaml.YAMLError, ValidationError):
        return False
    changed = {c.key: c for c in changes}
    for key in {*before.messages, *changed}:
        if key in changed:
            ok = (
                key in after.messages
                and after.messages[key].text == changed[key].text
                and after.is_reviewed(key) == changed[key].reviewed
            )
        else:
            ok = (
                key in after.messages
                and after.messages[key] == before.messages[key]
                and after.is_reviewed(key) == before.is_reviewed(key)
            )
        if not ok:
            return False
    return after.model_dump(exclude={"messages"}) == before.model_dump(exclude={"messages"})


class _Text(str):
    """A message text, as opposed to a key: written in the style that reads best."""


class _Dumper(yaml.SafeDumper):
    """Readable texts: quoted when short, folded when long, literal when they have lines."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else ">" if len(value) > 80 else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(_Text, _text)


def _snippet(key: str, value: Any) -> str:
    """`key: value` as YAML, in the readable style when it reads back the same, else quoted."""
    for shown in (value, _plain(value)):  # the readable style, else whatever PyYAML picks
        out = yaml.dump(
            {key: shown},
            Dumper=_Dumper,
            allow_unicode=True,
            width=88,
            sort_keys=False,
            default_flow_style=False,
        )
        if yaml.safe_load(out) == {key: value}:
            return out
    raise TranslationError([f"[{key}] cannot be written as YAML"])


def _rewrite(text: str, data: Any, values: dict[str, Any], order: list[str]) -> str | None:
    """Replace or insert only the changed message entries; None when the layout is unusual."""
    messages = data.get("messages")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    top = data.lines.get("messages", 0)
    if not messages or not hasattr(messages, "lines"):
        return None
    at = sorted((line, key) for key, line in messages.lines.items())
    if at[0][0] <= top:  # `messages: {...}` on one line
        return None
    indent = len(lines[at[0][0] - 1]) - len(lines[at[0][0] - 1].lstrip(" "))
    after = [line for line in data.lines.values() if line > top]
    section_end = min(after) - 1 if after else len(lines)
    spans: dict[str, tuple[int, int]] = {}  # key -> (first, last) line, 1-based
    for n, (line, key) in enumerate(at):
        end = at[n + 1][0] - 1 if n + 1 < len(at) else section_end
        while end > line and _gap(lines[end - 1], indent):
            end -= 1  # blank lines and comments between entries stay where they are
        spans[key] = (line, end)
    edits: list[tuple[int, int, list[str]]] = []  # (start, end) 0-based slice -> new lines
    pending: list[str] = []
    anchor = top  # insert a new key after the last existing key before it in English order
    for key in [*order, None]:
        if key is not None and key not in spans:
            if key in values:
                pending.append(key)
            continue
        if pending:
            block = [_indented(k, values[k], indent) for k in pending]
            edits.append((anchor, anchor, [ln for b in block for ln in b]))
            pending = []
        if key is None:
            break
        first, last = spans[key]
        if key in values:
            edits.append((first - 1, last, _indented(key, values[key], indent)))
        anchor = last
    # From the bottom up, so earlier positions stay valid; at one position, replace first.
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1] > e[0]), reverse=True):
        lines[start:end] = new
    return "".join(lines)


def _gap(line: str, indent: int) -> bool:
    stripped = line.strip()
    return not stripped or (stripped.startswith("#") and len(line) - len(line.lstrip()) <= indent)


def _indented(key: str, value: Any, indent: int) -> list[str]:
    return [" " * indent + line + "\n" for line in _snippet(key, value).splitlines()]


def _plain(value: Any) -> Any:
    """Plain dicts, lists and strings, as PyYAML writes them by default."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, str) else value


def _dump_all(data: Any, values: dict[str, Any], order: list[str]) -> str:
    """The whole file written anew: comments and layout are lost, the values are kept."""
    document = _plain(data)
    messages = document.setdefault("messages", {})
    for key in order:
        if key in values:
            messages[key] = values[key]
    return yaml.dump(
        document,
        Dumper=_Dumper,
        allow_unicode=True,
        width=88,
        sort_keys=False,
        default_flow_style=None,
    )


# --- status ----------------------------------------------------------------------------------


def status(content: Content) -> list[dict[str, Any]]:
    """Per language: how many texts, missing, not reviewed, over the SMS budget, in UCS-2."""
    english = content.english
    rows = []
    for code in sorted(content.locales, key=lambda c: (c != FALLBACK, c)):
        locale, _ = content.locales[code]
        directory = directory_texts(content.loaded, locale)
        own = [k for k in english.messages if k in locale.messages]
        texts = [fill(locale.messages[k].text, directory) for k in own]
        rows.append(
            {
                "language": code,
                "name": locale.name,
                "keys": len(english.messages),
                "missing": len(english.messages) - len(own),
                "unreviewed": sum(not locale.is_reviewed(k) for k in own),
                "over_budget": sum(segments(t) > BUDGET for t in texts),
                "ucs2": sum(encoding(t) == "UCS-2" for t in texts),
            }
        )
    return rows
