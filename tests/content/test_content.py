"""The shipped content: sourced, dated, numbers in one place, every language complete."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml

from bot.content.bundle import check, load
from bot.content.transcripts import load as load_transcript
from bot.language import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
# Nodes that say something but state no fact: greetings, case numbers, questions.
NOT_FACTS = {
    "welcome",
    "case_next",
    "case_contact_no",
    "case_thanks",
    "report",
    "now_no",
    "warrants_look",
}
PHONE = re.compile(r"\(?\b\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b|\b1-\d{3}-|\+\d{10,}")


def test_the_shipped_flows_load_without_errors() -> None:
    bundle, problems = check(ROOT)
    assert bundle is not None, [str(p) for p in problems if p.severity == "error"]


def test_every_fact_bearing_node_has_sources_and_a_review_date_or_the_unreviewed_note() -> None:
    """A fact names its sources; it has a `last_reviewed:` date only once a named person
    reviewed it, and until then the bot adds the review.none note after it."""
    bundle = load(ROOT)
    speaking = {node_id for node_id, node in bundle.nodes.items() if node.say}
    unsourced = {node_id for node_id in speaking if not bundle.nodes[node_id].sources}
    assert unsourced <= NOT_FACTS, f"add sources: to {unsourced - NOT_FACTS}"
    for node_id in speaking - NOT_FACTS:
        node = bundle.nodes[node_id]
        assert node.last_reviewed is not None or node_id in bundle.unreviewed, node_id
        assert all(s.startswith(("legal.md", "directory")) for s in node.sources), node_id


def test_no_phone_number_is_written_in_a_locale() -> None:
    for path in sorted((ROOT / "locales").glob("*.yaml")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            assert not PHONE.search(line), (
                f"{path.name}:{number}: put the number in "
                f"flows/directory.yaml and use a {{placeholder}}"
            )


def test_every_directory_entry_has_a_source_and_review_date() -> None:
    entries = yaml.safe_load((ROOT / "flows" / "directory.yaml").read_text())["entries"]
    for name, entry in entries.items():
        assert entry.get("source") and entry.get("last_reviewed"), name


def test_every_urgent_node_opens_a_case() -> None:
    bundle = load(ROOT)
    for node_id, node in bundle.nodes.items():
        if node.urgent:
            assert node.escalate is not None and node.escalate.urgency == "urgent", node_id


def test_all_eleven_languages_are_complete() -> None:
    bundle = load(ROOT)
    # The eleven, and zh-Hant: the Chinese texts in Traditional characters (issue 10).
    assert set(bundle.locales) == {*LANGUAGES, "zh-Hant"}
    english = bundle.locales["en"]
    for code, locale in bundle.locales.items():
        missing = set(english.messages) - set(locale.messages)
        assert not missing, f"{code} lacks {sorted(missing)}"
        assert set(english.words) <= set(locale.words), code
        assert set(english.commands) <= set(locale.commands), code


def test_each_language_has_urgent_and_topic_transcripts() -> None:
    urgent: Counter[str] = Counter()
    topic: Counter[str] = Counter()
    for path in (ROOT / "tests" / "transcripts").rglob("*.yaml"):
        first = load_transcript(path).steps[0]
        if not isinstance(first.language, str):
            continue
        lang = first.language.split("-")[0]  # zh-Hant transcripts are Chinese ones
        if "case_opened" in first.events and "triggered" in first.events:
            urgent[lang] += 1
        elif "triggered" in first.events and "case_opened" in first.no_events:
            topic[lang] += 1
    for code in LANGUAGES:
        assert urgent[code] >= 5, f"{code}: {urgent[code]} urgent first-text transcripts"
        assert topic[code] >= 5, f"{code}: {topic[code]} topic transcripts"


def test_urgent_guidance_arrives_whole_on_the_first_sms_page_in_every_language() -> None:
    from bot.engine import Inbound, advance

    bundle = load(ROOT)
    for lang in bundle.languages:
        for choice, keys in (("1", ("door.now",)), ("2", ("detained.lawyer",))):
            turn = advance(bundle, None, Inbound("x", guess=lang, guess_sure=True), lambda: "K7Q2")
            turn = advance(bundle, turn.session, Inbound(choice), lambda: "K7Q2")
            first_page = turn.outgoing[0]
            for key in keys:
                [text] = [r.text for r in turn.replies if r.key == key]
                assert text in first_page, f"{lang}: {key} is cut across SMS pages"


def test_every_traditional_chinese_phrase_has_its_simplified_form_in_the_same_list() -> None:
    """Most Chinese texts come in Simplified characters, and the word lists match characters as
    written: a phrase kept only in Traditional ("上個禮拜") misses "上个礼拜" (session 36: four
    calm texts about last week paged). zh-Hant.yaml gets the Traditional forms from zh.yaml."""
    import opencc

    to_simplified = opencc.OpenCC("t2s")
    words = yaml.safe_load((ROOT / "locales" / "zh.yaml").read_text(encoding="utf-8"))["words"]
    missing = {
        (key, phrase, to_simplified.convert(phrase))
        for key, phrases in words.items()
        for phrase in phrases
        if to_simplified.convert(phrase) not in phrases
    }
    assert not missing, sorted(missing)[:20]
