"""The pure conversation step: (bundle, session, inbound) -> Turn. No clock, no I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from bot.engine.model import Bundle, Event, Inbound, Reply, Session, Turn
from bot.engine.paging import SEPARATOR, paginate
from bot.engine.text import PhraseMatcher, fold, word_count

MAX_HOPS = 25  # a chain of `go` longer than this is a loop the checker should have caught
# Commands that still work while a person is talking with a staff member.
RELAY_COMMANDS = ("menu", "stop", "start", "delete", "lang", "help")


@dataclass(frozen=True)
class _Compiled:
    """Lookup tables built once per bundle, so a turn is a few dict and regex probes."""

    commands: dict[str, dict[str, str]]  # lang -> folded word -> command
    words: dict[tuple[str, str], PhraseMatcher]  # (lang, words key) -> matcher
    languages: dict[str, str]  # folded number or name -> language code


@lru_cache(maxsize=8)
def _compile(bundle: Bundle) -> _Compiled:
    commands: dict[str, dict[str, str]] = {}
    words: dict[tuple[str, str], PhraseMatcher] = {}
    for code, locale in bundle.locales.items():
        table = {"0": "menu"}
        for command, spellings in locale.commands.items():
            table.update({fold(s): command for s in spellings})
        commands[code] = table
        for key, phrases in locale.words.items():
            words[(code, key)] = PhraseMatcher(phrases)
    languages: dict[str, str] = {}
    for number, code in enumerate(bundle.languages, start=1):
        locale = bundle.locales[code]
        languages[str(number)] = code
        for name in (code, locale.name, *locale.aliases):
            languages.setdefault(fold(name), code)
    return _Compiled(commands, words, languages)


@dataclass
class _Step:
    """The turn being built: the session as it changes, and what goes out."""

    bundle: Bundle
    inbound: Inbound
    session: Session
    new_id: Callable[[], str]
    replies: list[Reply] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def lang(self) -> str:
        return self.session.lang or self.bundle.fallback

    def render(self, key: str) -> tuple[str, bool]:
        """The text of a key in the session's language, or the fallback's (then True)."""
        return self.bundle.text(key, self.lang, self.session.vars.get("case"))

    def say(self, key: str, suffix: str = "") -> None:
        text, fallback = self.render(key)
        self.replies.append(Reply(key, text + suffix, self.lang, fallback))

    def emit(self, type_: str, **data: object) -> None:
        self.events.append(Event(type_, dict(data)))

    def enter(self, node_id: str) -> None:
        """Say a node's texts, run its actions, and follow `go` or `switch` until a node waits
        or ends."""
        for _ in range(MAX_HOPS):
            node = self.bundle.nodes.get(node_id)
            if node is None:  # the flow changed under a conversation in progress
                self.emit("node_missing", node=node_id)
                node_id = self.bundle.start
                continue
            # The case opens first, so an urgent node can give its number ({case}) right
            # after the first guidance rather than several SMS pages later.
            variables = {**self.session.vars, **node.set}
            if node.escalate is not None:
                case_id = self.new_id()
                self.emit(
                    "case_opened",
                    case=case_id,
                    topic=node.escalate.topic,
                    urgency=node.escalate.urgency,
                    lang=self.lang,
                    channel=self.inbound.channel,
                    node=node_id,
                    answers=dict(variables),
                )
                variables["case"] = case_id  # later answers enrich this case; {case} in texts
            self.session = self.session.but(vars=variables)
            for key in node.say:
                self.say(key)
            if node_id == self.bundle.start and not self.bundle.translation_checked(self.lang):
                self.say("welcome.machine")  # once, with the welcome: no person checked it yet
            if node_id in self.bundle.unreviewed:
                self.say("review.none")
            elif node_id in self.bundle.stale:
                self.say("review.stale")
            if node.sources and not self.session.disclaimed:  # after the answer, once
                self.say("disclaimer")
                self.session = self.session.but(disclaimed=True)
            if node.prompt:
                self.say(node.prompt)
            if node.options:
                self.session = self.session.but(node=node_id)
                return
            if node.switch is not None:
                value = variables.get(node.switch.var, "")
                node_id = node.switch.cases.get(value, node.switch.default)
            elif node.go is not None:
                node_id = node.go
            else:
                break
        # Ended: the answers stay for the session (where the person is, asked once).
        self.session = self.session.but(node=None)
        self.emit("ended", node=node_id)

    def prompt_again(self) -> None:
        node = self.bundle.nodes.get(self.session.node or "")
        if node is not None and node.prompt:
            self.say(node.prompt)

    def language_menu(self) -> None:
        names = [self.bundle.locales[code].name for code in self.bundle.languages]
        lines = [f"{number} {name}" for number, name in enumerate(names, start=1)]
        self.say("lang.menu", "\n" + "\n".join(lines))
        self.session = self.session.but(awaiting="lang")

    def set_language(self, code: str) -> None:
        if code != self.session.lang:
            self.emit("language_changed", previous=self.session.lang, lang=code)
            self.session = self.session.but(lang=code)

    def result(self, session: Session | None) -> Turn:
        """The turn, with SMS replies longer than the budget cut into pages for MORE."""
        texts = [reply.text for reply in self.replies]
        if self.inbound.channel != "sms" or session is None or not texts:
            return Turn(session, self.replies, self.events, texts)
        return self.paged(session, texts)

    def paged(self, session: Session, texts: list[str]) -> Turn:
        hint = self.render("more.hint")[0]
        pages = paginate(texts, hint)
        first, rest = pages[0], tuple(pages[1:])
        outgoing = [f"{first}{SEPARATOR}{hint}" if rest else first]
        return Turn(session.but(pages=rest), self.replies, self.events, outgoing)


def advance(
    bundle: Bundle, session: Session | None, inbound: Inbound, new_id: Callable[[], str]
) -> Turn:
    """Take one inbound message through the flows and return what changed and what to send."""
    compiled = _compile(bundle)
    start = session is None
    session = session or Session()
    session = session.but(turns=session.turns + 1, version=bundle.version)
    step = _Step(bundle, inbound, session, new_id)
    text = fold(inbound.text)
    missing = bool(session.node and session.node not in bundle.nodes)
    if missing:  # the flows changed mid-conversation: the answer was to a question now gone
        step.emit("node_missing", node=session.node)
        step.session = step.session.but(node=None)
    _update_language(step, inbound)

    command = _command(compiled, step, text)
    if step.session.stopped:
        if command != "start":
            return step.result(step.session)  # after STOP, silence until START
        step.session = step.session.but(stopped=False)
        step.emit("started")
        step.enter(bundle.start)
        return step.result(step.session)
    if command == "stop":
        if inbound.channel != "sms":  # Twilio confirms STOP itself on SMS only
            step.say("stop.done")
        step.emit("stopped")
        return step.result(Session(stopped=True, lang=step.session.lang, version=bundle.version))
    if command == "delete":
        step.say("delete.done")
        step.emit("erased")
        return step.result(None)
    if command == "help":
        step.say("help")
        step.prompt_again()
        return step.result(step.session)
    if command == "lang":
        step.language_menu()
        return step.result(step.session)
    if command == "more" and step.session.pages:
        page, rest = step.session.pages[0], step.session.pages[1:]
        step.replies.append(Reply("more", page, step.lang))
        hint = step.render("more.hint")[0]
        outgoing = [f"{page}{SEPARATOR}{hint}" if rest else page]
        return Turn(step.session.but(pages=rest), step.replies, step.events, outgoing)
    step.session = step.session.but(pages=())  # any other message drops what was left unread
    if inbound.relay and command not in RELAY_COMMANDS:
        step.emit("relayed")  # a staff member is talking with this person: no menu in between
        return step.result(step.session)
    if command in ("menu", "start"):
        step.session = step.session.but(awaiting=None)
        step.enter(bundle.menu)
        return step.result(step.session)

    if missing:
        step.enter(bundle.start)
        return step.result(step.session)

    if step.session.awaiting == "lang":
        chosen = compiled.languages.get(text)
        if chosen is None:
            step.language_menu()
            return step.result(step.session)
        step.session = step.session.but(awaiting=None)
        step.set_language(chosen)
        step.enter(bundle.start)
        return step.result(step.session)

    # A conversation that ended still answers the menu's numbers and words, without the welcome.
    waiting = step.session.node or (None if start else bundle.menu)
    node = bundle.nodes.get(waiting or "")
    if node is not None:
        for option in node.options:
            if option.number is not None and text == str(option.number):
                _choose(step, option.set, option.go)
                return step.result(step.session)

    trigger = _trigger(compiled, bundle, text)
    if trigger is not None:
        target, lang = trigger
        if step.session.lang is None:
            step.set_language(lang)
        step.session = step.session.but(awaiting=None)
        step.emit("triggered", node=target)
        step.enter(target)
        return step.result(step.session)

    if node is not None:
        for option in node.options:
            if option.words and _matches(compiled, step, option.words, text):
                _choose(step, option.set, option.go)
                return step.result(step.session)
    # The menu's numbers work from any question that does not use that number itself.
    menu = bundle.nodes.get(bundle.menu)
    if menu is not None and node is not menu and text.isdigit():
        taken = {o.number for o in node.options} if node is not None else set()
        for option in menu.options:
            if (
                option.number is not None
                and text == str(option.number)
                and option.number not in taken
            ):
                _choose(step, option.set, option.go)
                return step.result(step.session)

    if step.session.node is None:  # a new conversation, or one that ended: greet, show the menu
        if step.session.lang is None and not text and inbound.media == 0:
            step.set_language(bundle.fallback)
        if step.session.lang is None:
            step.language_menu()
            return step.result(step.session)
        if inbound.media and not text:
            step.say("media.unsupported")
        step.enter(bundle.start)
        return step.result(step.session)

    step.say("media.unsupported" if inbound.media and not text else "not_understood")
    step.prompt_again()
    return step.result(step.session)


def _update_language(step: _Step, inbound: Inbound) -> None:
    """A sure guess sets a new conversation's language; switching one needs 3+ words."""
    guess, current = inbound.guess, step.session.lang
    if not inbound.guess_sure or guess is None or guess not in step.bundle.locales:
        return
    if current is None or (guess != current and word_count(inbound.text) >= 3):
        step.set_language(guess)


def _command(compiled: _Compiled, step: _Step, text: str) -> str | None:
    """A global command is the whole message: first in the session's language or the
    fallback's, then in any language, so STOP and DELETE work whatever the person types."""
    langs = dict.fromkeys([step.lang, step.bundle.fallback, *compiled.commands])
    for lang in langs:
        command = compiled.commands.get(lang, {}).get(text)
        if command is not None:
            return command
    return None


def _matches(compiled: _Compiled, step: _Step, key: str, text: str) -> bool:
    for lang in dict.fromkeys((step.lang, step.bundle.fallback)):
        matcher = compiled.words.get((lang, key))
        if matcher is not None and matcher.search(text):
            return True
    return False


def _trigger(compiled: _Compiled, bundle: Bundle, text: str) -> tuple[str, str] | None:
    """Triggers listen in every language: an urgent message must never be missed."""
    if not text:
        return None
    for trigger in bundle.triggers:
        for lang in bundle.languages:
            matcher = compiled.words.get((lang, trigger.words))
            if matcher is not None and matcher.search(text):
                return trigger.go, lang
    return None


def _choose(step: _Step, values: dict[str, str], go: str) -> None:
    step.session = step.session.but(vars={**step.session.vars, **values})
    step.enter(go)
