"""The console's Texts and Facts pages through Flask's test client: organizers only, the
two-person rule enforced on the server (a forged approval is refused with 403), reasons shown,
stale proposals refused, and an audit that names who, which language and key, never a text."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml

from bot.cli import audit
from bot.content import review
from bot.content.bundle import load as load_bundle
from bot.escalation import cases
from bot.web.console import staff
from tests.conftest import Phone
from tests.escalation.conftest import PASSWORD, Console
from tests.web.test_webhook import messages

NEW = "Línea de derechos de inmigrantes de Nueva York. Gratis, y sin pedir su nombre."
PAGE = "/console/texts/es/welcome"


@pytest.fixture
def content(esc_config: dict[str, Any]) -> Path:
    return Path(esc_config["HOTLINE_CONTENT_DIR"])


@pytest.fixture
def ana(esc_app: Any, r: redis.Redis) -> Console:
    """An organizer without a reviewer role for Spanish: she proposes."""
    staff.add(r, "ana", PASSWORD, "rapid", "organizer", ["fr"])
    console = Console(esc_app, "ana")
    assert console.login().status_code == 302
    return console


@pytest.fixture
def ben(esc_app: Any, r: redis.Redis) -> Console:
    """An organizer who reviews Spanish and facts."""
    staff.add(r, "ben", PASSWORD, "rapid", "organizer", ["es", "facts"])
    console = Console(esc_app, "ben")
    assert console.login().status_code == 302
    return console


def spanish_welcome(content: Path) -> Any:
    data = yaml.safe_load((content / "locales" / "es.yaml").read_text(encoding="utf-8"))
    return data["messages"]["welcome"]


def proposal_ids(page: str) -> list[str]:
    return re.findall(r'data-proposal="(p[0-9a-f]+)"', page)


def errors(page: str) -> list[str]:
    return re.findall(r'<p class="error" role="alert">([^<]*)</p>', page)


def test_only_organizers_see_and_propose_texts(
    esc_app: Any, r: redis.Redis, staffer: Console, ana: Console
) -> None:
    assert staffer.client.get("/console/texts").status_code == 403
    assert staffer.client.get("/console/facts").status_code == 403
    assert staffer.post(PAGE, text=NEW).status_code == 403
    assert 'href="/console/texts"' not in staffer.client.get("/console/").get_data(as_text=True)
    listed = ana.client.get("/console/texts?lang=es")
    assert listed.status_code == 200 and 'href="/console/texts"' in listed.get_data(as_text=True)
    assert ana.client.post(PAGE, data={"text": NEW}).status_code == 400  # no CSRF token
    assert review.waiting(r) == []


def test_the_texts_page_shows_source_translation_checks_and_review_with_filters(
    ana: Console, content: Path
) -> None:
    page = ana.client.get("/console/texts?lang=es").get_data(as_text=True)
    rows = re.findall(r'<tr data-key="([^"]+)">', page)
    assert len(rows) > 100 and "welcome" in rows and "door.now" in rows
    assert "Línea de derechos de inmigrantes de Nueva York" in page  # the translation
    assert "New York immigrant rights hotline" in page  # its English source
    assert "segments (UCS-2," in page and "keeps {idp_phone}" in page
    assert "over the budget" not in page or 'class="late"' in page
    assert "not reviewed" in page
    found = ana.client.get("/console/texts?lang=es&q=rights+hotline").get_data(as_text=True)
    assert re.findall(r'<tr data-key="([^"]+)">', found) == ["welcome"]
    none = ana.client.get("/console/texts?lang=es&show=waiting").get_data(as_text=True)
    assert 'id="none"' in none
    problems = ana.client.get("/console/texts?lang=pl&show=problems").get_data(as_text=True)
    assert 0 < len(re.findall(r"<tr data-key=", problems)) < len(rows)  # Polish: over budget
    assert ana.client.get("/console/texts?lang=xx").status_code == 404
    assert ana.client.get("/console/texts?lang=es&show=everything").status_code == 400
    assert ana.client.get("/console/texts/es/no.such.key").status_code == 404


def test_the_two_person_rule_is_enforced_on_the_server(
    esc_app: Any, r: redis.Redis, ana: Console, ben: Console, content: Path
) -> None:
    before = (content / "locales" / "es.yaml").read_text(encoding="utf-8")
    proposed = ana.post(PAGE, text=NEW)
    assert proposed.status_code == 302
    page = ana.client.get(PAGE).get_data(as_text=True)
    [pid] = proposal_ids(page)
    assert NEW in page and 'class="approve"' not in page  # no button for the proposer
    assert "You proposed it" in page

    # Ana also reviews Spanish now: still not her own proposal, forged POST or not.
    staff.set_reviews(r, "ana", ["es"])
    assert 'class="approve"' not in ana.client.get(PAGE).get_data(as_text=True)
    forged = ana.post(f"/console/proposals/{pid}/approve")
    assert forged.status_code == 403
    assert "a second person must approve it" in forged.get_data(as_text=True)
    staff.add(r, "carl", PASSWORD, "rapid", "organizer", ["fr"])  # a second person, no es role
    carl = Console(esc_app, "carl")
    carl.login()
    assert carl.post(f"/console/proposals/{pid}/approve").status_code == 403
    assert (content / "locales" / "es.yaml").read_text(encoding="utf-8") == before
    assert [p.id for p in review.waiting(r)] == [pid]

    assert 'class="approve"' in ben.client.get(PAGE).get_data(as_text=True)
    approved = ben.post(f"/console/proposals/{pid}/approve")
    assert approved.status_code == 302
    welcome = spanish_welcome(content)
    assert welcome["text"] == NEW and welcome["reviewed"] is True
    assert welcome["reviewed_by"] == "ben" and welcome["reviewed_on"]
    page = ben.client.get(PAGE).get_data(as_text=True)
    assert "reviewed by ben on" in page and "Approved" in page
    assert ben.post(f"/console/proposals/{pid}/approve").status_code == 404  # done already


def test_a_broken_text_is_refused_with_the_reason_and_the_typed_text_kept(
    r: redis.Redis, ana: Console, ben: Console, content: Path
) -> None:
    broken = "Su número de caso es {case}. Llame al 311."  # the IDP and ONA numbers are gone
    refused = ana.post("/console/texts/es/case.opened", text=broken)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "[case.opened] placeholder {idp_phone} is missing from the translation" in errors(page)
    assert f">{broken}</textarea>" in page
    assert review.waiting(r) == []

    # Accepted once, then broken in Redis: the approval checks again and says why.
    ana.post(PAGE, text=NEW)
    [pid] = proposal_ids(ben.client.get(PAGE).get_data(as_text=True))
    r.hset(review.PROPOSAL + pid, "text", NEW + " {idp_phone}")
    before = (content / "locales" / "es.yaml").read_text(encoding="utf-8")
    again = ben.post(f"/console/proposals/{pid}/approve")
    assert again.status_code == 422
    assert errors(again.get_data(as_text=True)) == [
        "[welcome] placeholder {idp_phone} is not in the English text"
    ]
    assert (content / "locales" / "es.yaml").read_text(encoding="utf-8") == before


def test_a_stale_proposal_is_refused_and_can_be_rejected(
    r: redis.Redis, ana: Console, ben: Console, content: Path
) -> None:
    ana.post(PAGE, text=NEW)
    ana.post(PAGE, text=NEW + " Hola.")
    first, second = proposal_ids(ben.client.get(PAGE).get_data(as_text=True))
    assert ben.post(f"/console/proposals/{second}/approve").status_code == 302
    stale = ben.post(f"/console/proposals/{first}/approve")
    assert stale.status_code == 409
    assert "changed this text since it was proposed" in stale.get_data(as_text=True)
    assert spanish_welcome(content)["text"] == NEW + " Hola."
    assert "Stale:" in ben.client.get(PAGE).get_data(as_text=True)
    assert ben.post(f"/console/proposals/{first}/reject").status_code == 302
    assert review.waiting(r) == []


def test_the_audit_names_who_which_language_and_key_and_never_a_text(
    esc_app: Any, r: redis.Redis, ana: Console, ben: Console, content: Path
) -> None:
    person = Phone(esc_app.test_client(), number="+13475550142")
    person.send("hola, necesito ayuda con mi esposo")
    ana.post(PAGE, text=NEW)
    ana.post("/console/texts/es/now.no", text="Bien. Guarde estos pasos.")
    welcome_id, now_id = [p.id for p in review.waiting(r, "es")]
    # What is kept while proposals wait is organizer content: the privacy audit finds nothing.
    assert audit.audit_redis(r, load_bundle(content)) == []
    ana.post(f"/console/proposals/{welcome_id}/approve")  # refused: her own
    ben.post(f"/console/proposals/{welcome_id}/approve")
    ben.post(f"/console/proposals/{now_id}/reject")

    entries = [json.loads(raw) for raw in r.lrange(cases.AUDIT, 0, -1)]
    texts = [
        (e["staff"], e["action"], e.get("lang"), e.get("key"), e.get("proposer"))
        for e in reversed(entries)
        if "text" in e["action"]
    ]
    assert texts == [
        ("ana", "text proposed", "es", "welcome", None),
        ("ana", "text proposed", "es", "now.no", None),
        ("ana", "text approve refused", "es", "welcome", None),
        ("ben", "text approved", "es", "welcome", "ana"),
        ("ben", "text rejected", "es", "now.no", "ana"),
    ]
    raw = b" ".join(r.lrange(cases.AUDIT, 0, -1)).decode()
    for words in (NEW, "Guarde estos pasos", "necesito ayuda", "3475550142"):
        assert words not in raw
    page = ben.client.get("/console/audit").get_data(as_text=True)
    assert "text approved" in page and "es welcome (proposed by ana)" in page


def test_a_fact_review_through_the_console(
    r: redis.Redis, ana: Console, ben: Console, content: Path
) -> None:
    assert 'data-fact="node:lawyer"' in ana.client.get("/console/facts").get_data(as_text=True)
    assert ana.post("/console/facts/node:lawyer", note="every number called").status_code == 302
    page = ben.client.get("/console/facts?show=waiting").get_data(as_text=True)
    assert 'data-fact="node:lawyer"' in page and "every number called" in page
    assert 'data-fact="node:door"' not in page
    [pid] = proposal_ids(page)
    assert ana.post(f"/console/proposals/{pid}/approve").status_code == 403
    assert ben.post(f"/console/proposals/{pid}/approve").status_code == 302
    node = load_bundle(content).nodes["lawyer"]
    assert (node.reviewed_by, node.approved_by) == ("ana", "ben") and node.last_reviewed
    unreviewed = ben.client.get("/console/facts?show=unreviewed").get_data(as_text=True)
    assert 'data-fact="node:lawyer"' not in unreviewed and 'data-fact="node:door"' in unreviewed
    entries = [json.loads(raw) for raw in r.lrange(cases.AUDIT, 0, 1)]
    assert entries[0]["action"] == "fact review approved"
    assert (entries[0]["lang"], entries[0]["key"]) == ("facts", "node:lawyer")


def test_the_bot_answers_with_the_approved_text_once_live_reload_sees_it(
    esc_app: Any, ana: Console, ben: Console
) -> None:
    from bot.web.state import hotline

    with esc_app.app_context():
        hotline().live.interval = 0  # look at the files on every message
    old = messages(Phone(esc_app.test_client(), number="+13475550101").send("hola"))[0]
    assert old.startswith("Línea de derechos de inmigrantes de Nueva York. Gratis. Esta")
    ana.post(PAGE, text=NEW)
    assert messages(Phone(esc_app.test_client(), number="+13475550102").send("hola"))[0] == old
    [pid] = proposal_ids(ben.client.get(PAGE).get_data(as_text=True))
    ben.post(f"/console/proposals/{pid}/approve")
    answer = messages(Phone(esc_app.test_client(), number="+13475550103").send("hola"))[0]
    assert answer.startswith(NEW)
