"""`hotline staff add --reviews` and `hotline staff reviews`: which languages (and whether the
facts) an organizer may approve in the console."""

from __future__ import annotations

from typing import Any

import redis
from click.testing import CliRunner, Result

from bot.cli import main
from bot.web.console import staff

PASSWORD = "correct horse battery"


def hotline(config: dict[str, Any], *args: str) -> Result:
    env = {k: str(v) for k, v in config.items()}
    return CliRunner().invoke(main, list(args), env=env)


def reviews(r: redis.Redis, name: str) -> frozenset[str]:
    account = staff.get(r, name)
    assert account is not None, name
    return account.reviews


def add(config: dict[str, Any], name: str, *extra: str) -> Result:
    return hotline(
        config, "staff", "add", name, "--provider", "rapid_response", "--password", PASSWORD, *extra
    )


def test_an_organizer_gets_reviewer_roles_when_added_and_later(
    config: dict[str, Any], r: redis.Redis
) -> None:
    added = add(config, "ana", "--role", "organizer", "--reviews", "es,fr")
    assert added.exit_code == 0, added.output
    assert "Reviews: es, fr" in added.output
    account = staff.get(r, "ana")
    assert account is not None and account.reviews == {"es", "fr"}
    assert "ana\torganizer\trapid_response\tnot yet enrolled\treviews es,fr" in (
        hotline(config, "staff", "list").output
    )

    changed = hotline(config, "staff", "reviews", "ana", "ht", "facts")
    assert changed.exit_code == 0 and changed.output == "ana reviews: facts, ht\n"
    assert reviews(r, "ana") == {"ht", "facts"}
    assert hotline(config, "staff", "reviews", "ana").output == "ana reviews: facts, ht\n"

    cleared = hotline(config, "staff", "reviews", "ana", "--none")
    assert cleared.exit_code == 0 and cleared.output == "ana reviews: nothing\n"
    assert reviews(r, "ana") == frozenset()


def test_a_reset_keeps_the_roles(config: dict[str, Any], r: redis.Redis) -> None:
    assert add(config, "ana", "--role", "organizer", "--reviews", "es").exit_code == 0
    reset = hotline(config, "staff", "reset", "ana", "--password", "another password!")
    assert reset.exit_code == 0
    assert reviews(r, "ana") == {"es"}


def test_unknown_languages_english_and_staff_accounts_are_refused(
    config: dict[str, Any], r: redis.Redis
) -> None:
    refused = add(config, "ana", "--role", "organizer", "--reviews", "es,xx")
    assert refused.exit_code == 2 and "xx: not a language to review here" in refused.output
    assert "es, fr" in refused.output  # says which ones there are
    assert staff.get(r, "ana") is None
    english = add(config, "ana", "--role", "organizer", "--reviews", "en")
    assert english.exit_code == 2 and "en: not a language" in english.output

    not_organizer = add(config, "lee", "--reviews", "es")
    assert not_organizer.exit_code == 2 and "only organizers review" in not_organizer.output
    assert add(config, "lee").exit_code == 0
    later = hotline(config, "staff", "reviews", "lee", "es")
    assert later.exit_code == 1 and "only organizers review" in later.output
    assert reviews(r, "lee") == frozenset()

    nobody = hotline(config, "staff", "reviews", "nobody", "es")
    assert nobody.exit_code == 1 and "no account named 'nobody'" in nobody.output
