"""Checks beyond the schema: colliding keywords, SMS length, urgent nodes without a case."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

from bot.content.files import FALLBACK, Loaded
from bot.content.yamlfile import line_of
from bot.engine.advance import NOW, PAST
from bot.engine.model import Locale, Node, format_hours
from bot.engine.sms import BUDGET, encoding, segments
from bot.engine.text import NUMBER, UNSPACED, fill, fold, spaced_pieces, word_count

MENU_SHORTCUT = "0"  # the engine reads a lone 0 as MENU in every language


def run(loaded: Loaded) -> None:
    """Every check of this module, adding its problems to `loaded`."""
    locales = _locales(loaded)
    option_collisions(loaded, locales)
    trigger_collisions(loaded, locales)
    urgent_topic_collisions(loaded, locales)
    command_collisions(loaded, locales)
    past_now_collisions(loaded, locales)
    bare_numbers(loaded, locales)
    sms_budget(loaded, locales)
    urgent_without_case(loaded)


# Folding content phrases, again and again across the checks: kept (organizers' words only).
_fold = lru_cache(maxsize=1 << 16)(fold)


@dataclass(frozen=True)
class _Hit:
    rank: tuple[int, int]  # the engine's order of trying: lower is tried first
    word: str  # as written
    exact: bool
    owner: Any  # what the word belongs to: (option index, word list) or a Trigger
    file: _LocaleFile


_Entry = tuple[tuple[int, int], str, Any, "_LocaleFile"]  # rank, word as written, owner, file


class _Words:
    """Words to look for, held by their folded form. A text is probed with the pieces of it
    that could be a whole word as the engine matches them (PhraseMatcher): between two
    non-letters for words of spaced scripts, anywhere for unspaced ones (Chinese, Korean);
    a few dictionary lookups instead of a comparison with every word of every list."""

    def __init__(self) -> None:
        self.spaced: dict[str, list[_Entry]] = {}
        self.unspaced: dict[str, list[_Entry]] = {}
        self.longest_unspaced = 0

    def add(self, rank: tuple[int, int], word: str, owner: Any, file: _LocaleFile) -> None:
        folded = _fold(word)
        if not folded:
            return
        if UNSPACED.search(folded):
            self.unspaced.setdefault(folded, []).append((rank, word, owner, file))
            self.longest_unspaced = max(self.longest_unspaced, len(folded))
        else:
            self.spaced.setdefault(folded, []).append((rank, word, owner, file))

    def _pieces(self, text: str) -> Iterator[tuple[str, list[_Entry]]]:
        for piece in spaced_pieces(text):
            if found := self.spaced.get(piece):
                yield piece, found
        if self.unspaced and UNSPACED.search(text):
            for i in range(len(text)):
                for j in range(i + 1, min(len(text), i + self.longest_unspaced) + 1):
                    if found := self.unspaced.get(text[i:j]):
                        yield text[i:j], found

    def first(self, text: str, allowed: Callable[[Any], bool] | None = None) -> _Hit | None:
        """The first word, in rank order, the engine finds in a message that is just `text`;
        of one list's words, the longest."""
        best: _Hit | None = None
        best_key = None
        for folded, entries in self._pieces(text):
            for rank, word, owner, file in entries:
                key = (rank, -len(folded))
                if best_key is not None and key >= best_key:
                    continue
                if allowed is not None and not allowed(owner):
                    continue
                best, best_key = _Hit(rank, word, folded == text, owner, file), key
        return best


@dataclass(frozen=True)
class _LocaleFile:
    shown: str
    locale: Locale
    data: Any

    def word_line(self, key: str, index: int) -> int:
        return line_of(self.data, ("words", key, index))

    def phrases(self, key: str) -> Iterator[tuple[int, str, str]]:
        """(index, word, folded word) of one word list."""
        for index, phrase in enumerate(self.locale.words.get(key, [])):
            yield index, phrase, _fold(phrase)


def _locales(loaded: Loaded) -> dict[str, _LocaleFile]:
    files = [_LocaleFile(shown, locale, data) for shown, (locale, data) in loaded.locales.items()]
    # The engine's language order: the fallback first, then by code.
    files.sort(key=lambda f: (f.locale.language != FALLBACK, f.locale.language))
    return {file.locale.language: file for file in files}


def _nodes(loaded: Loaded) -> Iterator[tuple[str, Any, str, Node]]:
    for shown, (flow, data) in loaded.flows.items():
        for node_id, node in flow.nodes.items():
            yield shown, data, node_id, node


def _clash(phrase: str, hit: _Hit, file: _LocaleFile, list_name: str) -> str:
    """The middle of a collision's reason, for example: 'sin papeles' contains 'papeles', a
    word of topic.papers in locales/es.yaml."""
    how = "is also" if hit.exact else f"contains {hit.word!r},"
    where = "" if hit.file is file else f" in {hit.file.shown}"
    return f"{phrase!r} {how} a word of {list_name}{where}"


def option_collisions(loaded: Loaded, locales: dict[str, _LocaleFile]) -> None:
    """Two options of one node must not answer to the same word.

    The engine tries a node's options in order, in the person's language and then in English,
    and takes the first whose words occur in the message. A word of a later option that an
    earlier option also has (an error) or contains (a warning: "legal help" after "help")
    can never pick the later option.
    """
    english = locales.get(FALLBACK)
    for flow_shown, data, node_id, node in _nodes(loaded):
        worded = [(i, option.words) for i, option in enumerate(node.options) if option.words]
        seen_keys: dict[str, int] = {}
        for i, key in worded:
            if key in seen_keys:
                loaded.error(
                    flow_shown,
                    line_of(data, ("nodes", node_id, "options", i, "words")),
                    f"[{node_id}] options {_label(node, seen_keys[key])} and "
                    f"{_label(node, i)} both use the word list {key!r}: the second "
                    "never matches by word",
                )
            seen_keys.setdefault(key, i)
        if len(seen_keys) < 2:
            continue
        for code, file in locales.items():
            # A person writing in `code` is matched in that language, then in English.
            listeners = [file] if code == FALLBACK or english is None else [file, english]
            words = _Words()
            for i, key in worded:
                for rank, listener in enumerate(listeners):
                    for _, phrase, _ in listener.phrases(key):
                        words.add((i, rank), phrase, (i, key), listener)
            for j, later_key in worded:
                for index, phrase, folded in file.phrases(later_key):
                    hit = words.first(folded, partial(_earlier, j, later_key))
                    if hit is None:
                        continue
                    i, key = hit.owner
                    reason = (
                        f"[{later_key}] {_clash(phrase, hit, file, key)}: at "
                        f"[{node_id}] option {_label(node, i)} takes it before "
                        f"option {_label(node, j)}"
                    )
                    line = file.word_line(later_key, index)
                    if hit.exact:
                        loaded.error(file.shown, line, reason)
                    else:
                        loaded.warn(file.shown, line, reason)


def _earlier(j: int, later_key: str, owner: tuple[int, str]) -> bool:
    # The same list at two options is reported once, not once per word.
    return owner[0] < j and owner[1] != later_key


def trigger_collisions(loaded: Loaded, locales: dict[str, _LocaleFile]) -> None:
    """Triggers are tried before a node's option words, in every language, so an option word
    that a trigger leading elsewhere also has (or contains) never picks its option: a warning,
    as triggers are global on purpose and the organizer may prefer the trigger."""
    triggers = [t for flow, _ in loaded.flows.values() for t in flow.triggers]
    words = _Words()
    for t, trigger in enumerate(triggers):
        for rank, file in enumerate(locales.values()):
            for _, phrase, _ in file.phrases(trigger.words):
                words.add((t, rank), phrase, trigger, file)
    found: dict[str, _Hit | None] = {}  # lists used at several nodes are probed once
    for _, _, node_id, node in _nodes(loaded):
        for i, option in enumerate(node.options):
            if not option.words:
                continue
            for file in locales.values():
                for index, phrase, folded in file.phrases(option.words):
                    if folded not in found:
                        found[folded] = words.first(folded)
                    hit = found[folded]
                    if hit is None or hit.owner.go == option.go:
                        continue
                    loaded.warn(
                        file.shown,
                        file.word_line(option.words, index),
                        f"[{option.words}] "
                        f"{_clash(phrase, hit, file, 'the trigger ' + hit.owner.words)}: "
                        f"at [{node_id}] it goes to {hit.owner.go}, not to option "
                        f"{_label(node, i)}",
                    )


def urgent_topic_collisions(loaded: Loaded, locales: dict[str, _LocaleFile]) -> None:
    """An urgent list and a topic list must not share a phrase. Triggers are tried in order,
    in every language, and the first list holding a phrase of the text wins: a topic phrase
    that is or contains a phrase of an earlier urgent list can never reach its topic (a text
    of just that phrase opens an urgent case), and an urgent phrase that is or contains a
    phrase of an earlier topic list never opens a case. Warnings: say which list should keep
    the phrase."""
    nodes = {node_id: node for *_, node_id, node in _nodes(loaded)}
    triggers = [t for flow, _ in loaded.flows.values() for t in flow.triggers]

    def urgent(trigger: Any) -> bool:
        node = nodes.get(trigger.go)
        return node is not None and node.urgent

    words = _Words()
    for t, trigger in enumerate(triggers):
        for rank, file in enumerate(locales.values()):
            for _, phrase, _ in file.phrases(trigger.words):
                words.add((t, rank), phrase, (t, trigger), file)
    reported: set[tuple[str, str]] = set()
    for t, trigger in enumerate(triggers):
        for file in locales.values():
            for index, phrase, folded in file.phrases(trigger.words):
                hit = words.first(folded, partial(_other_kind_before, t, urgent(trigger), urgent))
                if hit is None or (trigger.words, folded) in reported:
                    continue
                reported.add((trigger.words, folded))
                earlier = hit.owner[1]
                result = (
                    f"opens an urgent case ({earlier.go}), never {trigger.go}"
                    if urgent(earlier)
                    else f"reaches {earlier.go} and opens no case"
                )
                loaded.warn(
                    file.shown,
                    file.word_line(trigger.words, index),
                    f"[{trigger.words}] {_clash(phrase, hit, file, earlier.words)}: a text "
                    f"with it {result}",
                )


def past_now_collisions(loaded: Loaded, locales: dict[str, _LocaleFile]) -> None:
    """A phrase of cue.past that holds a phrase of cue.now of its language ("il y a trois
    semaines" holds "il y a"): every text about that past also reads as happening now. A
    warning: say which list should not have the shorter phrase."""
    for file in locales.values():
        now = _Words()
        for _, phrase, _ in file.phrases(NOW):
            now.add((0, 0), phrase, NOW, file)
        for index, phrase, folded in file.phrases(PAST):
            hit = now.first(folded)
            if hit is not None:
                loaded.warn(
                    file.shown,
                    file.word_line(PAST, index),
                    f"[{PAST}] {_clash(phrase, hit, file, NOW)}: a text with it "
                    "reads as happening now",
                )


def bare_numbers(loaded: Loaded, locales: dict[str, _LocaleFile]) -> None:
    """A phrase that is only NUMBER ("#", "# #") would match every number in every text: an
    error, with the list it is in."""
    for file in locales.values():
        for key in file.locale.words:
            for index, phrase, _ in file.phrases(key):
                if NUMBER in phrase and not word_count(phrase):
                    loaded.error(
                        file.shown,
                        file.word_line(key, index),
                        f"[{key}] {phrase!r} matches every number: write the words around "
                        f'{NUMBER} too ("hace {NUMBER} semanas")',
                    )


def _other_kind_before(
    t: int, is_urgent: bool, urgent: Callable[[Any], bool], owner: tuple[int, Any]
) -> bool:
    return owner[0] < t and urgent(owner[1]) != is_urgent


def _label(node: Node, index: int) -> str:
    number = node.options[index].number
    return str(number) if number is not None else f"#{index + 1}"


def command_collisions(loaded: Loaded, locales: dict[str, _LocaleFile]) -> None:
    """A message that is exactly a command word is always the command, so an option or trigger
    word equal to one can never be reached. The engine looks the command up in the person's
    language, then English, then every other language: the first two are errors, the rest
    warnings (they still win, but a clash across languages is often a word shared by chance)."""
    tables = {code: _commands(file.locale) for code, file in locales.items()}
    used = {option.words for *_, node in _nodes(loaded) for option in node.options if option.words}
    used |= {trigger.words for flow, _ in loaded.flows.values() for trigger in flow.triggers}
    for code, file in locales.items():
        for key in sorted(used & set(file.locale.words)):
            for index, phrase in enumerate(file.locale.words[key]):
                folded = _fold(phrase)
                near = dict.fromkeys((code, FALLBACK))
                order = [*near, *sorted(set(tables) - set(near))]
                owner = next((c for c in order if folded in tables.get(c, {})), None)
                if owner is None:
                    continue
                command = tables[owner][folded].upper()
                line = file.word_line(key, index)
                if folded == MENU_SHORTCUT:
                    loaded.error(
                        file.shown,
                        line,
                        f"[{key}] {phrase!r} always opens the menu "
                        "(0 is the menu shortcut): remove this word",
                    )
                elif owner in near:
                    loaded.error(
                        file.shown,
                        line,
                        f"[{key}] {phrase!r} is also the command "
                        f"{command} in {locales[owner].shown}: a message of just "
                        f"this word runs {command}, remove it from {key}",
                    )
                else:
                    loaded.warn(
                        file.shown,
                        line,
                        f"[{key}] {phrase!r} is also the command "
                        f"{command} in {locales[owner].shown}: a message of just this "
                        f"word runs {command}, in every language",
                    )
    for flow_shown, data, node_id, node in _nodes(loaded):
        for i, option in enumerate(node.options):
            if option.number is not None and str(option.number) == MENU_SHORTCUT:
                loaded.error(
                    flow_shown,
                    line_of(data, ("nodes", node_id, "options", i, "number")),
                    f"[{node_id}] option number 0 is the menu shortcut: use 1 to 99",
                )


def _commands(locale: Locale) -> dict[str, str]:
    table = {MENU_SHORTCUT: "menu"}
    for command, spellings in locale.commands.items():
        table.update({_fold(s): command for s in spellings})
    return table


def sms_budget(loaded: Loaded, locales: dict[str, _LocaleFile]) -> None:
    """A text over the budget still reaches the person, in pages, but each MORE is a wait and a
    reply they must know to send: a warning, with the count and the encoding that caused it.
    What urgent nodes say must fit one page each, and what they say first must fit it with the
    MORE hint, so it arrives whole in the first SMS: there it is an error."""
    urgent = {key for _f, _d, _id, node in _nodes(loaded) if node.urgent for key in node.say}
    first = {node.say[0] for _f, _d, _id, node in _nodes(loaded) if node.urgent and node.say}
    for file in locales.values():
        directory = directory_texts(loaded, file.locale)
        hint = file.locale.messages.get("more.hint")
        for key, message in file.locale.messages.items():
            text = fill(message.text, directory)
            alone = segments(text) > BUDGET
            with_hint = bool(key in first and hint and segments(f"{text}\n\n{hint.text}") > BUDGET)
            if not (alone or with_hint):
                continue
            line = line_of(file.data, ("messages", key))
            if key in urgent and alone:
                loaded.error(
                    file.shown,
                    line,
                    f"[{key}] {sms_summary(text)} over the budget of "
                    f"{BUDGET}: urgent guidance must fit one SMS page; shorten it",
                )
            elif with_hint:
                loaded.error(
                    file.shown,
                    line,
                    f"[{key}] {sms_summary(text)}: with the MORE hint "
                    f"over the budget of {BUDGET}, so it would not arrive whole in the "
                    "first SMS; shorten it",
                )
            else:
                loaded.warn(
                    file.shown,
                    line,
                    f"[{key}] {sms_summary(text)} over the budget of "
                    f"{BUDGET}: the person must reply MORE",
                )


def sms_summary(text: str) -> str:
    """'6 segments (UCS-2, 389 chars)': what an SMS of this text costs, and why."""
    n = segments(text)
    return f"{n} segment{'' if n == 1 else 's'} ({encoding(text)}, {len(text)} chars)"


def directory_texts(loaded: Loaded, locale: Locale | None = None) -> dict[str, str]:
    """What each {placeholder} becomes in a text as sent in a language (hours in its words,
    else in English)."""
    if loaded.directory is None:
        return {}
    english = next((lc for lc, _ in loaded.locales.values() if lc.language == FALLBACK), None)

    def words(key: str) -> str:
        for source in (locale, english):
            if source is not None and key in source.messages:
                return source.messages[key].text
        return ""

    return {
        name: entry.text if entry.text is not None else format_hours(entry.hours or [], words)
        for name, entry in loaded.directory[0].entries.items()
    }


def urgent_without_case(loaded: Loaded) -> None:
    """An urgent node that opens no case gives advice but tells no one at the hotline."""
    for flow_shown, data, node_id, node in _nodes(loaded):
        if node.urgent and node.escalate is None:
            loaded.warn(
                flow_shown,
                line_of(data, ("nodes", node_id, "urgent")),
                f"[{node_id}] is urgent but opens no case: add `escalate:` so staff hear of it",
            )
