"""How the console says things: New York time, relative times, answers and channels in words,
one "not given"; and `hotline staff add` takes only providers that exist."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any
from zoneinfo import ZoneInfo

import redis
from click.testing import CliRunner

from bot.cli import main
from bot.web.console import staff, words

NOON_IN_NEW_YORK = dt.datetime(2026, 12, 4, 12, 5, tzinfo=ZoneInfo("America/New_York"))


def test_times_are_in_the_hotline_zone_and_relative() -> None:
    t = NOON_IN_NEW_YORK.timestamp()
    assert words.when(t, "America/New_York") == "Dec 4, 12:05 PM EST"
    assert words.ago(t, t + 20) == "just now"
    assert words.ago(t, t + 4 * 60 + 30) == "4 min ago"
    assert words.ago(t, t + 2 * 3600 + 5 * 60) == "2 h 5 min ago"


def test_answers_read_as_words_with_one_way_to_say_not_given() -> None:
    given = {"case": "ABCD", "area": "nyc", "contact": "yes", "report_agency": "nypd"}
    assert words.answers(given) == [
        ("Where", "New York City"),
        ("May we write back", "yes"),
        ("Who was involved", "NYPD"),
    ]
    assert words.answer("borough", "staten_island") == "Staten Island"
    assert words.place("") == words.answer("area", "") == words.NOT_GIVEN == "not given"
    assert words.channel("whatsapp") == "WhatsApp" and words.channel("sms").startswith("text")


def test_the_case_page_speaks_in_words(person: Any, r: redis.Redis, staffer: Any) -> None:
    from tests.escalation.conftest import only_case

    person.send("ICE is at my door")
    person.send("1")  # yes, write back
    case_id = only_case(r)["id"]
    page = staffer.client.get(f"/console/cases/{case_id}").get_data(as_text=True)
    assert 'May we write back</dt><dd class="answer">yes' in page
    assert "contact: yes" not in page and "UTC" not in page and "SMS" in page
    assert "just now" in page


def test_the_case_page_names_the_borough_once(person: Any, r: redis.Redis, staffer: Any) -> None:
    """The borough has its own line at the top of the case page; the answers under it do not
    say it again (a staffer on a phone read "Borough: Queens" twice)."""
    from bot.escalation.cases import CASE
    from tests.escalation.conftest import only_case

    person.send("ICE is at my door")
    person.send("1")
    case_id = only_case(r)["id"]
    given = {"answers": '{"borough": "queens", "contact": "yes"}', "borough": "queens"}
    r.hset(CASE + case_id, mapping=given)  # as cases.update_answers writes a borough given later
    page = staffer.client.get(f"/console/cases/{case_id}").get_data(as_text=True)
    assert page.count("<dt>Borough</dt>") == 1 and page.count("Queens") == 1


def test_staff_add_takes_only_providers_in_the_routing_file(
    config: dict[str, Any], r: redis.Redis
) -> None:
    env = {k: str(v) for k, v in config.items()}
    runner = CliRunner()
    refused = runner.invoke(
        main, ["staff", "add", "ana", "--provider", "rapid", "--password", "x" * 12], env=env
    )
    assert refused.exit_code == 2 and "rapid_response" in refused.output
    assert staff.get(r, "ana") is None
    helped = runner.invoke(main, ["staff", "add", "--help"], env=env)
    assert "rapid_response" in helped.output and "legal_services" in helped.output
    added = runner.invoke(
        main,
        ["staff", "add", "ana", "--provider", "legal_services", "--password", "x" * 12],
        env=env,
    )
    assert added.exit_code == 0, added.output
    added_staff = staff.get(r, "ana")
    assert added_staff is not None
    assert (added_staff.name, added_staff.provider, added_staff.role) == (
        "ana",
        "legal_services",
        "staff",
    )


def test_canned_replies_come_in_the_persons_language(
    esc_app: Any, r: redis.Redis, staffer: Any, say: Any
) -> None:
    from tests.conftest import Phone
    from tests.escalation.conftest import only_case

    Phone(esc_app.test_client(), number="+13475550166").send("ICE está en mi puerta")
    case_id = only_case(r)["id"]
    page = staffer.client.get(f"/console/cases/{case_id}").get_data(as_text=True)
    assert 'id="canned"' in page and "Do you have a court date?" in page
    assert f'data-text="{say("es", "reply.court_date")}"' in html.unescape(page)


def test_every_canned_reply_has_a_text_in_every_language(bundle: Any) -> None:
    from bot.content import replies
    from tests.conftest import ROOT

    canned = replies.load(ROOT).replies
    assert {c.id for c in canned} == {"lawyer_will_call", "court_date", "could_not_reach"}
    for c in canned:
        for lang, locale in bundle.locales.items():
            assert c.key in locale.messages, (lang, c.key)


def test_a_broken_replies_file_is_refused_with_its_line(content: Any) -> None:
    from bot.cli import main

    (content / "flows" / "replies.yaml").write_text(
        "spec_version: 1\nreplies:\n  - id: court_date\n    label: Court?\n"
    )
    result = CliRunner().invoke(main, ["flows", "check"], env={"HOTLINE_CONTENT_DIR": str(content)})
    assert result.exit_code == 1
    assert "flows/replies.yaml:3" in result.output and "key" in result.output
