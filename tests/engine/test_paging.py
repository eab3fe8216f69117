"""Pages of a long reply, packed from lengths that add up: the same pages as measuring each
candidate page whole, in either encoding."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine import paging
from bot.engine.sms import BUDGET, joined, segments, size

# GSM-7 letters, extension characters (two septets), UCS-2 letters, an emoji (two UTF-16
# units), and the sentence ends where pages break.
LETTERS = "aeéÑ€^{|ж中ب😀"
ENDS = [".", "!", "?", "。", "！", "？", "؟", "।", "۔", ""]
words = st.text(alphabet=LETTERS, min_size=1, max_size=14)
sentences = st.builds(
    lambda w, end, space: " ".join(w) + end + space,
    st.lists(words, min_size=1, max_size=30),
    st.sampled_from(ENDS),
    st.sampled_from([" ", "", "\n"]),
)
texts = st.lists(sentences, max_size=25).map("".join)


def _fits(page: str, hint: str) -> bool:
    return segments(page + paging.SEPARATOR + hint) <= BUDGET


def _pack_measuring_whole(pieces: list[tuple[bool, str]], hint: str) -> list[str]:
    """The packing rule stated plainly: a piece joins the page while the page, its glue, the
    piece and the MORE hint still fit the budget, each candidate page measured whole."""
    chunks: list[str] = []
    chunk = ""
    for new_paragraph, piece in pieces:
        ends_cjk = chunk.endswith(("。", "！", "？"))
        glue = paging.SEPARATOR if new_paragraph else "" if ends_cjk else " "
        candidate = f"{chunk}{glue}{piece}" if chunk else piece
        if chunk and not _fits(candidate, hint):
            chunks.append(chunk)
            candidate = piece
        chunk = candidate
    if chunk:
        chunks.append(chunk)
    return chunks


def _paginate_measuring_whole(texts: list[str], hint: str) -> list[str]:
    whole = paging.SEPARATOR.join(texts)
    if segments(whole) <= BUDGET:
        return [whole]
    pieces: list[tuple[bool, str]] = []
    for text in texts:
        cut: list[str] = []
        for sentence in paging._SENTENCE_END.split(text):
            if _fits(sentence, hint):
                cut.append(sentence)
            else:
                cut += _pack_measuring_whole([(False, w) for w in sentence.split(" ")], hint)
        pieces += [(i == 0, piece) for i, piece in enumerate(cut)]
    return _pack_measuring_whole(pieces, hint)


@given(st.lists(texts, min_size=1, max_size=6), st.sampled_from(["Reply MORE.", "Пишите ЕЩЁ"]))
@settings(max_examples=150, deadline=None)
def test_pages_are_the_ones_measuring_each_page_whole_gives(texts: list[str], hint: str) -> None:
    assert paging._paginate_now(texts, hint) == _paginate_measuring_whole(texts, hint)


@given(texts, texts, st.sampled_from(["", " ", "\n\n"]))
def test_lengths_add_up_as_the_joined_text_measures(first: str, second: str, glue: str) -> None:
    added, whole = joined(size(first), size(second), len(glue)), size(first + glue + second)
    assert added[0] == whole[0] and added[2] == whole[2]
    if whole[0]:  # a UCS-2 text's GSM-7 count is never read
        assert added[1] == whole[1]


def test_a_long_reply_in_each_encoding_is_paged_whole_and_each_page_fits_with_its_hint() -> None:
    for sentence in ("Stay calm, do not open the door. ", "Не открывайте дверь. "):
        pages = paging.paginate([sentence * 40, sentence * 3], "Reply MORE.")
        assert len(pages) > 2
        assert all(_fits(page, "Reply MORE.") for page in pages[:-1])
        assert " ".join(pages).split() == (sentence * 43).split()


# A case number: letters and digits as bot/escalation/cases.py makes them, or any ASCII word.
case_numbers = st.text(alphabet="34679ACDEFGHJKMNPQRTUVWXYZQXJ0a", min_size=1, max_size=8)
# Texts that hold the number anywhere (also twice, side by side, or next to letters like it) and
# letters a stand-in could be made of.
with_number = st.lists(st.one_of(texts, st.just("{n}"), st.sampled_from(["Z", "ZZ", "Q0", " "])))


@given(st.lists(with_number, min_size=1, max_size=5), case_numbers)
@settings(max_examples=300, deadline=None)
def test_a_reply_with_a_case_number_is_paged_as_if_measured_with_the_number(
    parts: list[list[str]], number: str
) -> None:
    replies = ["".join(part).replace("{n}", number) for part in parts]
    assert paging.paginate(replies, "Reply MORE.", number) == paging._paginate_now(
        replies, "Reply MORE."
    )


def test_a_node_with_a_case_number_is_paged_once_for_every_number() -> None:
    text = "Your case is {n}. Stay calm and do not open the door to anyone. " * 12
    paging._paginate.cache_clear()
    first = paging.paginate([text.replace("{n}", "AC34")], "Reply MORE.", "AC34")
    second = paging.paginate([text.replace("{n}", "XY79")], "Reply MORE.", "XY79")
    assert len(first) > 1 and [p.replace("AC34", "XY79") for p in first] == second
    assert paging._paginate.cache_info().misses == 1
