"""The Texts and Facts pages, for organizers: every text of a language with its English source,
its checks and its review; proposals that go live only when a second organizer with the
reviewer role approves them; and the review dates of the flows' facts. The rules and the
writing are bot/content/review.py's; this module shows them and records who did what."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, render_template, request, url_for

from bot.content import review
from bot.escalation import cases
from bot.web.console.views import bp, login_required
from bot.web.state import get_redis, settings

TEXT_FILTERS = {
    "all": "every text",
    "unreviewed": "not reviewed",
    "waiting": "proposals waiting",
    "problems": "problems or over the SMS budget",
}
FACT_FILTERS = {"all": "everything", "unreviewed": "not reviewed", "waiting": "proposals waiting"}
STATUS = {
    review.Why.FORBIDDEN: 403,
    review.Why.STALE: 409,
    review.Why.BROKEN: 422,
    review.Why.GONE: 404,
}
MAX_QUERY = 100


def _organizer() -> None:
    if g.staff.role != "organizer":
        abort(403)


def _content() -> review.Content:
    try:
        return review.content(settings().content_dir)
    except review.Refused as exc:  # the files on disk are broken: the bot serves the last good
        abort(503, "The locale files have errors (hotline flows check): " + "; ".join(exc.reasons))


def _today() -> dt.date:
    """The day of an approval, in the hotline's time zone (as the console shows times)."""
    return dt.datetime.now(ZoneInfo(settings().timezone)).date()


def _choice(name: str, choices: dict[str, str]) -> str:
    value = request.args.get(name, "all")
    if value not in choices:
        abort(400)
    return value


@bp.get("/texts")
@login_required
def texts() -> Any:
    _organizer()
    found = _content()
    langs = found.translations()
    mine = [c for c in langs if c in g.staff.reviews]
    lang = request.args.get("lang") or (mine or langs or [""])[0]
    if lang not in langs:
        abort(404)
    show = _choice("show", TEXT_FILTERS)
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    every = review.rows(found, lang, review.waiting(get_redis(), lang))
    return render_template(
        "console/texts.html",
        langs=[(c, found.locales[c][0].name) for c in langs],
        lang=lang,
        show=show,
        filters=TEXT_FILTERS,
        query=query,
        rows=[row for row in every if _wanted(row, show, query)],
        total=len(every),
        unreviewed=sum(not row.reviewed for row in every),
        waiting=sum(len(row.waiting) for row in every),
    )


def _wanted(row: review.Row, show: str, query: str) -> bool:
    if show == "unreviewed" and row.reviewed:
        return False
    if show == "waiting" and not row.waiting:
        return False
    if show == "problems" and not (row.problems or row.over):
        return False
    folded = query.casefold()
    texts = (row.key, row.english, row.translation)
    return not folded or any(folded in t.casefold() for t in texts)


def _text_page(
    lang: str, key: str, errors: list[str] | None = None, typed: str | None = None
) -> str:
    found = _content()
    if lang not in found.translations():
        abort(404)
    every = review.rows(found, lang, review.waiting(get_redis(), lang))
    row = next((x for x in every if x.key == key), None)
    if row is None:
        abort(404)
    return render_template(
        "console/text.html",
        lang=lang,
        name=found.locales[lang][0].name,
        row=row,
        errors=errors or [],
        typed=row.translation if typed is None else typed,
        proposals=[
            {
                "p": p,
                "sms": review.proposal_checks(found, p),
                "stale": review.stale(found, p),
                "approve": review.may_approve(p, g.staff.name, g.staff.reviews),
                "reject": review.may_reject(p, g.staff.name, g.staff.reviews),
            }
            for p in row.waiting
        ],
        reviewer=lang in g.staff.reviews,
    )


@bp.get("/texts/<lang>/<key>")
@login_required
def text(lang: str, key: str) -> Any:
    _organizer()
    return _text_page(lang, key)


@bp.post("/texts/<lang>/<key>")
@login_required
def propose_text(lang: str, key: str) -> Any:
    """An edit is a proposal: it goes live once a second person with the role approves it."""
    _organizer()
    typed = request.form.get("text", "")
    r = get_redis()
    try:
        review.propose_text(r, settings().content_dir, lang, key, typed, g.staff.name)
    except review.Refused as exc:
        return _text_page(lang, key, exc.reasons, typed), STATUS[exc.why]
    cases.audit(r, g.staff.name, "text proposed", "", lang=lang, key=key)
    flash(f"Proposed. It goes live once another reviewer for {lang} approves it.")
    return redirect(url_for("console.text", lang=lang, key=key))


def _back(proposal: review.Proposal, errors: list[str] | None = None, status: int = 200) -> Any:
    """The page a proposal lives on: with the errors, or (none) by a redirect."""
    if proposal.fact:
        if errors:
            return _facts_page(errors), status
        return redirect(url_for("console.facts_view", show="waiting"))
    if errors:
        return _text_page(proposal.scope, proposal.key, errors), status
    return redirect(url_for("console.text", lang=proposal.scope, key=proposal.key))


def _decide(proposal_id: str, approving: bool) -> Any:
    _organizer()
    r = get_redis()
    asked = review.get(r, proposal_id)
    if asked is None:
        abort(404, "That proposal was approved or rejected already.")
    what = "fact review" if asked.fact else "text"
    try:
        if approving:
            done = review.approve(
                r, settings().content_dir, proposal_id, g.staff.name, g.staff.reviews, _today()
            )
        else:
            done = review.reject(r, proposal_id, g.staff.name, g.staff.reviews)
    except review.Refused as exc:
        if exc.why == review.Why.FORBIDDEN:  # a forged or stale button: worth a line
            action = "approve" if approving else "reject"
            refused = f"{what} {action} refused"
            cases.audit(r, g.staff.name, refused, "", lang=asked.scope, key=asked.key)
        return _back(asked, exc.reasons, STATUS[exc.why])
    if approving:
        verb = "approved"
    else:
        verb = "withdrawn" if done.by == g.staff.name else "rejected"
    cases.audit(
        r, g.staff.name, f"{what} {verb}", "", lang=done.scope, key=done.key, proposer=done.by
    )
    if approving and not done.fact:
        flash(f"Approved: locales/{done.scope}.yaml has it; the bot says it within seconds.")
    elif approving:
        flash(f"Approved: the review date of {done.key} is in the flow file.")
    else:
        flash(f"Proposal {verb}.")
    return _back(done)


@bp.post("/proposals/<proposal_id>/approve")
@login_required
def approve(proposal_id: str) -> Any:
    return _decide(proposal_id, approving=True)


@bp.post("/proposals/<proposal_id>/reject")
@login_required
def reject(proposal_id: str) -> Any:
    return _decide(proposal_id, approving=False)


def _facts_page(errors: list[str] | None = None) -> str:
    found = _content()
    show = _choice("show", FACT_FILTERS)
    waiting = review.waiting(get_redis(), review.FACTS)
    items = []
    for fact in review.facts(found.loaded).values():
        mine = [p for p in waiting if p.key == fact.id]
        if (show == "unreviewed" and fact.last_reviewed) or (show == "waiting" and not mine):
            continue
        proposals = [
            {
                "p": p,
                "stale": review.stale(found, p),
                "approve": review.may_approve(p, g.staff.name, g.staff.reviews),
                "reject": review.may_reject(p, g.staff.name, g.staff.reviews),
            }
            for p in mine
        ]
        items.append({"fact": fact, "proposals": proposals})
    return render_template(
        "console/facts.html",
        items=items,
        show=show,
        filters=FACT_FILTERS,
        errors=errors or [],
        note=review.DEFAULT_NOTE,
        reviewer=review.FACTS in g.staff.reviews,
    )


@bp.get("/facts")
@login_required
def facts_view() -> Any:
    _organizer()
    return _facts_page()


@bp.post("/facts/<fact_id>")
@login_required
def propose_fact(fact_id: str) -> Any:
    """'I reviewed these facts against their sources': live once a second person approves."""
    _organizer()
    r = get_redis()
    note = request.form.get("note", "")
    try:
        review.propose_fact(r, settings().content_dir, fact_id, note, g.staff.name)
    except review.Refused as exc:
        return _facts_page(exc.reasons), STATUS[exc.why]
    cases.audit(r, g.staff.name, "fact review proposed", "", lang=review.FACTS, key=fact_id)
    flash(f"Proposed: {fact_id} is marked reviewed once a reviewer for facts approves it.")
    return redirect(url_for("console.facts_view", show="waiting"))
