"""Texts and facts that two people review (bot/content/review.py), on a copy of the shipped
content: the two-person rule, broken texts refused when proposed and when approved, stale
proposals, and review dates written into the flow files with their comments kept."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import redis
import yaml
from click.testing import CliRunner

from bot.cli import main
from bot.content import review
from bot.content.bundle import check
from bot.content.review import Refused, Why
from bot.content.yamlfile import read_yaml, set_fields
from tests.conftest import ROOT

TODAY = dt.date(2026, 12, 4)
NEW_WELCOME = "Línea de derechos de inmigrantes de Nueva York. Gratis y sin su nombre."
# Four SMS segments alone, five with the MORE hint: what urgent nodes say first must arrive
# whole (an error only `hotline flows check` finds, from the flows).
DOOR_WITHOUT_ROOM_FOR_THE_HINT = (
    "No abra la puerta. Guarde silencio. No firme nada. Pida una orden firmada por un juez de "
    "una corte (no por ICE) que nombre a la persona o su dirección. Sin ella, mantenga la "
    "puerta cerrada. Si la tiene, cumpla con ella y no se resista; diga que no consiente."
)


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A copy of the shipped flows and locales, for a test to write into."""
    root = tmp_path / "content"
    for folder in ("flows", "locales"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


def spanish(root: Path) -> dict[str, object]:
    data = yaml.safe_load((root / "locales" / "es.yaml").read_text(encoding="utf-8"))
    return dict(data["messages"])


def welcome(root: Path) -> object:
    return spanish(root)["welcome"]


# --- the two-person rule ---------------------------------------------------------------------


def test_a_proposal_goes_live_only_when_another_reviewer_of_its_language_approves(
    r: redis.Redis, shipped: Path
) -> None:
    before = (shipped / "locales" / "es.yaml").read_text(encoding="utf-8")
    proposal = review.propose_text(r, shipped, "es", "welcome", NEW_WELCOME, "ana")
    assert (shipped / "locales" / "es.yaml").read_text(encoding="utf-8") == before
    assert [p.id for p in review.waiting(r, "es")] == [proposal.id]

    for who, reviews, reason in (
        ("ana", {"es"}, "a second person must approve it"),  # the proposer, though a reviewer
        ("ben", {"fr", "facts"}, "reviewer role for es"),  # a second person without the role
    ):
        with pytest.raises(Refused) as refused:
            review.approve(r, shipped, proposal.id, who, reviews, TODAY)
        assert refused.value.why == Why.FORBIDDEN and reason in str(refused.value)
    assert (shipped / "locales" / "es.yaml").read_text(encoding="utf-8") == before

    review.approve(r, shipped, proposal.id, "ben", {"es"}, TODAY)
    assert welcome(shipped) == {
        "text": NEW_WELCOME,
        "reviewed": True,
        "reviewed_by": "ben",
        "reviewed_on": TODAY,
    }
    assert review.waiting(r) == [] and r.keys(review.PROPOSAL + "*") == []
    bundle, _ = check(shipped)
    assert bundle is not None and bundle.text("welcome", "es")[0] == NEW_WELCOME
    # The rest of the file is as it was: one entry changed, comments and layout kept.
    after = (shipped / "locales" / "es.yaml").read_text(encoding="utf-8").splitlines()
    gone = [line for line in before.splitlines() if line not in after]
    assert gone[0] == "  welcome: >-" and len(gone) == 3


def test_approving_twice_or_after_a_rejection_finds_nothing(r: redis.Redis, shipped: Path) -> None:
    first = review.propose_text(r, shipped, "es", "welcome", NEW_WELCOME, "ana")
    review.reject(r, first.id, "ben", {"es"})
    with pytest.raises(Refused) as gone:
        review.approve(r, shipped, first.id, "ben", {"es"}, TODAY)
    assert gone.value.why == Why.GONE
    second = review.propose_text(r, shipped, "es", "welcome", NEW_WELCOME, "ana")
    with pytest.raises(Refused) as not_theirs:  # neither the proposer nor a reviewer of es
        review.reject(r, second.id, "carl", {"fr"})
    assert not_theirs.value.why == Why.FORBIDDEN
    review.reject(r, second.id, "ana", set())  # the proposer withdraws it
    assert review.waiting(r) == []


# --- broken texts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "text", "reason"),
    [
        ("case.opened", "Su caso es {case}. En NYC: 311.", "placeholder {idp_phone} is missing"),
        ("welcome", "Hola {idp_phone}.", "placeholder {idp_phone} is not in the English text"),
        ("welcome", "Hola {telefono", "outside a {placeholder}"),
        ("welcome", "Línea de derechos. " * 20, "over the budget of 4 segments"),
        ("door.now", DOOR_WITHOUT_ROOM_FOR_THE_HINT, "so it would not arrive whole"),
        ("welcome", "   ", "the text is empty"),
        ("no.such.key", "Hola.", "is not a message key in locales/en.yaml"),
    ],
)
def test_a_broken_text_is_refused_when_proposed_with_the_reason(
    r: redis.Redis, shipped: Path, key: str, text: str, reason: str
) -> None:
    with pytest.raises(Refused) as refused:
        review.propose_text(r, shipped, "es", key, text, "ana")
    assert refused.value.why == Why.BROKEN
    assert any(reason in line for line in refused.value.reasons), refused.value.reasons
    assert review.waiting(r) == []


def test_english_is_the_source_and_not_proposed_here(r: redis.Redis, shipped: Path) -> None:
    with pytest.raises(Refused) as refused:
        review.propose_text(r, shipped, "en", "welcome", "Hello.", "ana")
    assert "source language" in str(refused.value)


def test_approval_checks_again_a_text_the_files_no_longer_take(
    r: redis.Redis, shipped: Path
) -> None:
    """Between proposal and approval the directory's number grew: the proposed text (longer
    than the one in force) now goes over the SMS budget, so it is refused and nothing is
    written; the bot keeps the text in force."""
    messages = spanish(shipped)
    current = messages["services.nyc_care"]
    assert isinstance(current, str) and "{nyc_care_phone}" in current
    longer = current + " Pregunte en cualquier hospital público de la ciudad."
    proposal = review.propose_text(r, shipped, "es", "services.nyc_care", longer, "ana")
    directory = shipped / "flows" / "directory.yaml"
    number = '"1-646-692-2273"'
    text = directory.read_text(encoding="utf-8")
    assert number in text
    directory.write_text(text.replace(number, '"1-646-692-2273 ' + "(ext. 0) " * 22 + '"'))
    before = (shipped / "locales" / "es.yaml").read_text(encoding="utf-8")

    with pytest.raises(Refused) as refused:
        review.approve(r, shipped, proposal.id, "ben", {"es"}, TODAY)
    assert refused.value.why == Why.BROKEN
    assert "over the budget of 4 segments" in refused.value.reasons[0]
    assert (shipped / "locales" / "es.yaml").read_text(encoding="utf-8") == before
    assert [p.id for p in review.waiting(r)] == [proposal.id]  # a reviewer may still reject it


def test_approval_refuses_a_broken_proposal_whatever_redis_holds(
    r: redis.Redis, shipped: Path
) -> None:
    """A proposal is checked again on approval, not trusted because it was once accepted."""
    text = str(spanish(shipped)["case.opened"]).replace("Ya está", "Ahora está")
    good = review.propose_text(r, shipped, "es", "case.opened", text, "ana")
    r.hset(review.PROPOSAL + good.id, "text", "Su caso es {case}.")  # the numbers are gone
    before = (shipped / "locales" / "es.yaml").read_text(encoding="utf-8")
    with pytest.raises(Refused) as refused:
        review.approve(r, shipped, good.id, "ben", {"es"}, TODAY)
    assert refused.value.why == Why.BROKEN
    assert "[case.opened] placeholder {idp_phone} is missing from the translation" in (
        refused.value.reasons
    )
    assert (shipped / "locales" / "es.yaml").read_text(encoding="utf-8") == before


# --- stale proposals -------------------------------------------------------------------------


def test_a_proposal_whose_text_changed_in_the_file_is_stale(r: redis.Redis, shipped: Path) -> None:
    first = review.propose_text(r, shipped, "es", "welcome", NEW_WELCOME, "ana")
    other = review.propose_text(r, shipped, "es", "welcome", NEW_WELCOME + " Hola.", "carl")
    review.approve(r, shipped, other.id, "ben", {"es"}, TODAY)
    written = (shipped / "locales" / "es.yaml").read_text(encoding="utf-8")

    with pytest.raises(Refused) as refused:
        review.approve(r, shipped, first.id, "ben", {"es"}, TODAY)
    assert refused.value.why == Why.STALE
    assert "changed this text since it was proposed" in refused.value.reasons[0]
    assert (shipped / "locales" / "es.yaml").read_text(encoding="utf-8") == written
    assert review.stale(review.content(shipped), first) == refused.value.reasons[0]


def test_a_proposal_whose_english_changed_is_stale(r: redis.Redis, shipped: Path) -> None:
    proposal = review.propose_text(r, shipped, "es", "welcome", NEW_WELCOME, "ana")
    english = shipped / "locales" / "en.yaml"
    text = english.read_text(encoding="utf-8")
    english.write_text(text.replace("New York immigrant rights hotline. Free.", "NY hotline."))
    with pytest.raises(Refused) as refused:
        review.approve(r, shipped, proposal.id, "ben", {"es"}, TODAY)
    assert refused.value.why == Why.STALE and "English text changed" in str(refused.value)


# --- review dates of facts -------------------------------------------------------------------


def test_a_fact_review_writes_the_date_and_both_names_into_the_flow_keeping_its_layout(
    r: redis.Redis, shipped: Path
) -> None:
    flow = shipped / "flows" / "main.yaml"
    before = flow.read_text(encoding="utf-8")
    proposal = review.propose_fact(r, shipped, "node:lawyer", "", "ana")
    assert proposal.text == review.DEFAULT_NOTE
    with pytest.raises(Refused) as refused:  # the reviewer of facts, but the proposer
        review.approve(r, shipped, proposal.id, "ana", {"facts"}, TODAY)
    assert refused.value.why == Why.FORBIDDEN
    with pytest.raises(Refused):  # a second person, but a reviewer of Spanish only
        review.approve(r, shipped, proposal.id, "ben", {"es"}, TODAY)
    assert flow.read_text(encoding="utf-8") == before

    review.approve(r, shipped, proposal.id, "ben", {"facts"}, TODAY)
    after = flow.read_text(encoding="utf-8")
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == [
        "    last_reviewed: 2026-12-04",
        '    reviewed_by: "ana"',
        '    approved_by: "ben"',
    ]
    assert [line for line in after.splitlines() if line not in added] == before.splitlines()
    bundle, problems = check(shipped, today=TODAY)
    assert bundle is not None and not [p for p in problems if p.severity == "error"]
    node = bundle.nodes["lawyer"]
    assert (node.last_reviewed, node.reviewed_by, node.approved_by) == (TODAY, "ana", "ben")
    assert "lawyer" not in bundle.unreviewed  # the bot no longer says nobody reviewed it
    english = bundle.locales["en"]  # its English texts are reviewed, by the same person
    assert all(english.is_reviewed(key) for key in node.say)
    assert english.messages[node.say[0]].reviewed_by == "ana"
    result = CliRunner().invoke(main, ["flows", "check"], env={"HOTLINE_CONTENT_DIR": str(shipped)})
    assert result.exit_code == 0 and "OK:" in result.output, result.output


def test_a_directory_entry_review_replaces_its_date_in_place(r: redis.Redis, shipped: Path) -> None:
    directory = shipped / "flows" / "directory.yaml"
    before = directory.read_text(encoding="utf-8").splitlines()
    proposal = review.propose_fact(r, shipped, "entry:idp_phone", "called the line", "ana")
    review.approve(r, shipped, proposal.id, "ben", {"facts"}, dt.date(2026, 12, 24))
    after = directory.read_text(encoding="utf-8").splitlines()
    at = before.index("  idp_phone:")
    assert after[at : at + 7] == [
        "  idp_phone:",
        "    # Hours and scope of the IDP line are UNVERIFIED (legal.md 4): publish no hours.",
        '    text: "212-725-6422"',
        before[at + 3],  # its source
        "    last_reviewed: 2026-12-24",
        '    reviewed_by: "ana"',
        '    approved_by: "ben"',
    ]
    assert after[at + 7 :] == before[at + 5 :]
    assert check(shipped)[0] is not None


def test_a_fact_review_goes_stale_when_its_texts_change(r: redis.Redis, shipped: Path) -> None:
    proposal = review.propose_fact(r, shipped, "node:lawyer", "", "ana")
    english = shipped / "locales" / "en.yaml"
    text = english.read_text(encoding="utf-8")
    assert text.count("Free help anywhere in NY:") == 1  # lawyer.where, which the node says
    english.write_text(text.replace("Free help anywhere in NY:", "Free help in all of NY:"))
    with pytest.raises(Refused) as refused:
        review.approve(r, shipped, proposal.id, "ben", {"facts"}, TODAY)
    assert refused.value.why == Why.STALE and "changed since the review" in str(refused.value)


def test_only_nodes_with_sources_and_directory_entries_are_facts(
    r: redis.Redis, shipped: Path
) -> None:
    found = review.facts(review.content(shipped).loaded)
    assert "node:lawyer" in found and "entry:ona_phone" in found
    assert "node:menu" not in found  # no sources: nothing to review
    with pytest.raises(Refused):
        review.propose_fact(r, shipped, "node:menu", "", "ana")


# --- the line editor -------------------------------------------------------------------------

FLOW = """\
nodes:
  a:
    say: x
    sources:
      - "one"
      # a comment in the list
      - "two"

    go: b  # go on

  # --- b
  b:
    sources: [s]
    last_reviewed: 2020-01-01  # checked by phone
    end: true
  c: {say: z, sources: [s], end: true}
"""
FIELDS = {"last_reviewed": "2026-12-04", "reviewed_by": '"Ana: R."', "approved_by": '"Ben"'}


def test_set_fields_inserts_after_sources_or_replaces_in_place(tmp_path: Path) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text(FLOW)
    data, _ = read_yaml(path, "flow.yaml")
    inserted = set_fields(FLOW, data, ("nodes", "a"), FIELDS, "sources")
    assert inserted == FLOW.replace(
        '      - "two"\n',
        '      - "two"\n    last_reviewed: 2026-12-04\n    reviewed_by: "Ana: R."\n'
        '    approved_by: "Ben"\n',
    )
    replaced = set_fields(FLOW, data, ("nodes", "b"), FIELDS, "sources")
    assert replaced == FLOW.replace(
        "    last_reviewed: 2020-01-01  # checked by phone\n",
        '    last_reviewed: 2026-12-04  # checked by phone\n    reviewed_by: "Ana: R."\n'
        '    approved_by: "Ben"\n',
    )
    assert set_fields(FLOW, data, ("nodes", "c"), FIELDS, "sources") is None  # one line: refused
