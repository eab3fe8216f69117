"""Lexicon layer: greetings and hotline words that settle one- and two-word messages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from bot.engine.advance import GREETING, SPEAK, UNIVERSAL
from bot.language.codes import LANGUAGES
from bot.language.normalize import clean, fold_accents

if TYPE_CHECKING:
    from bot.engine import Bundle

# Greetings and hotline vocabulary (hello, help, please, thanks, lawyer, police, immigration,
# yes, no, menu, the language's own name...). Written from general knowledge, never from the
# evaluation set. Words shared by several languages ("ok", "menu", "police", "no") are kept in
# each: the lexicon then reports them as ambiguous instead of guessing.
# fmt: off
DEFAULT_LEXICON: dict[str, tuple[str, ...]] = {
    "en": (
        "hello", "hi", "hey", "good morning", "good afternoon", "good evening", "help",
        "help me", "i need help", "please", "thanks", "thank you", "lawyer", "attorney",
        "police", "cops", "immigration", "deportation", "detained", "arrested", "raid",
        "emergency", "rights", "my rights", "yes", "yeah", "no", "menu", "english", "ok", "okay",
        "stop", "start", "info", "ice",
    ),
    "es": (
        "hola", "buenos días", "buenas tardes", "buenas noches", "buenas", "ayuda", "ayúdame",
        "ayudenme", "necesito ayuda", "auxilio", "socorro", "por favor", "gracias",
        "muchas gracias", "abogado", "abogada", "policía", "migra", "inmigración", "deportación",
        "detenido", "detenida", "redada", "emergencia", "derechos", "mis derechos", "sí", "no",
        "menú", "español", "ok", "vale", "info", "ice", "la migra", "aló",
    ),
    "zh": (
        "你好", "您好", "帮助", "幫助", "帮忙", "幫忙", "救命", "请", "請", "谢谢", "謝謝", "律师",
        "律師", "警察", "移民", "移民局", "是", "不", "不是", "菜单", "菜單", "中文", "普通话",
        "廣東話", "粤语",
    ),
    "ru": (
        "здравствуйте", "привет", "помощь", "помогите", "пожалуйста", "спасибо", "адвокат",
        "юрист", "полиция", "иммиграция", "да", "нет", "меню", "русский",
    ),
    "bn": (
        "হ্যালো", "নমস্কার", "আসসালামু আলাইকুম", "সাহায্য", "দয়া করে", "ধন্যবাদ", "আইনজীবী",
        "উকিল", "পুলিশ", "অভিবাসন", "হ্যাঁ", "না", "মেনু", "বাংলা",
    ),
    "ht": (
        "bonjou", "bonswa", "alo", "sak pase", "sa k pase", "kijan ou ye", "èd", "ede", "ede m",
        "ede mwen", "mwen bezwen èd", "tanpri", "souple", "silvouplè", "mèsi", "mesi anpil",
        "avoka", "lapolis", "polis", "imigrasyon", "depòtasyon", "ijans", "dwa mwen",
        "wi", "non", "meni", "kreyòl", "kreyol ayisyen", "ok", "oke", "ice", "info",
    ),
    "ko": (
        "안녕하세요", "안녕", "도와주세요", "도움", "제발", "감사합니다", "고맙습니다", "변호사",
        "경찰", "이민", "이민국", "네", "예", "아니요", "메뉴", "한국어",
    ),
    "ar": (
        "مرحبا", "السلام عليكم", "مساعدة", "ساعدني", "من فضلك", "شكرا", "محامي", "شرطة",
        "الشرطة", "الهجرة", "نعم", "لا", "قائمة", "العربية", "عربي",
    ),
    "ur": (
        "السلام علیکم", "مدد", "میری مدد کریں", "براہ کرم", "مہربانی", "شکریہ", "وکیل", "پولیس",
        "امیگریشن", "ہاں", "جی", "نہیں", "مینو", "اردو",
    ),
    "fr": (
        "bonjour", "bonsoir", "salut", "aide", "aidez-moi", "à l'aide", "au secours",
        "s'il vous plaît", "s'il te plaît", "merci", "merci beaucoup", "avocat", "avocate",
        "police", "immigration", "expulsion", "urgence", "mes droits", "droits", "oui", "non",
        "menu", "français", "ok", "d'accord", "ice", "info",
    ),
    "pl": (
        "dzień dobry", "cześć", "witam", "dobry wieczór", "pomoc", "pomocy", "pomóż",
        "pomóżcie", "proszę", "dziękuję", "dzięki", "prawnik", "adwokat", "policja",
        "imigracja", "deportacja", "tak", "nie", "menu", "polski", "po polsku", "ok", "ice",
        "info",
    ),
}
# fmt: on

# Phrases longer than this are not lexicon material; the model reads them.
MAX_PHRASE_WORDS = 6


def lexicon_key(text: str, cleaned: bool = False) -> str:
    """The form under which a message or a lexicon entry is looked up."""
    return fold_accents(text if cleaned else clean(text))


class Lexicon:
    """Maps normalized words and phrases to the set of languages that use them."""

    def __init__(self, *lexicons: Mapping[str, Iterable[str]] | None) -> None:
        entries: dict[str, set[str]] = {}
        for lexicon in lexicons:
            for lang, words in (lexicon or {}).items():
                if lang not in LANGUAGES:
                    if lang.split("-")[0] in LANGUAGES:  # zh-Hant: the same words as zh,
                        continue  # converted; the alphabet, not the lexicon, tells them apart
                    raise ValueError(f"unknown language code in lexicon: {lang!r}")
                if isinstance(words, str):  # a bare string would be read letter by letter
                    words = (words,)
                for word in words:
                    key = lexicon_key(word)
                    if key and len(key.split()) <= MAX_PHRASE_WORDS:
                        entries.setdefault(key, set()).add(lang)
        # Candidates in hotline order, so ambiguous answers list the likelier languages first.
        self._entries: dict[str, tuple[str, ...]] = {
            key: tuple(lang for lang in LANGUAGES if lang in langs)
            for key, langs in entries.items()
        }

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, key: str) -> tuple[str, ...]:
        """Languages for an exact normalized phrase, in hotline order; () when unknown."""
        return self._entries.get(key, ())

    def match(self, key: str) -> tuple[tuple[str, ...], bool]:
        """Languages for a short message, and whether every word was known.

        The whole message is tried as a phrase first. Otherwise each known word votes and only
        the languages all known words share survive ("ok gracias" → es); a message whose words
        contradict each other ("hola merci") keeps every language they named.
        """
        langs = self.lookup(key)
        if langs:
            return langs, True
        words = key.split()
        if len(words) > 2:
            return (), False
        found = [self.lookup(word) for word in words]
        known = [langs for langs in found if langs]
        if not known:
            return (), False
        shared = set(known[0]).intersection(*known[1:])
        if not shared:
            shared = set().union(*known)
        return tuple(lang for lang in LANGUAGES if lang in shared), len(known) == len(words)


def lexicon_of(bundle: Bundle) -> dict[str, list[str]]:
    """The words each locale teaches the detector: greetings, commands, topic words. Not the
    agency's name as every language writes it (cue.universal, kept in English): "migración"
    is not a sign of English; nor hello, or "do you speak ...?", in languages the hotline does
    not serve (cue.greeting, cue.speak)."""
    words: dict[str, list[str]] = {}
    for code, locale in bundle.locales.items():
        entries = [*locale.greetings, locale.name, *locale.aliases]
        for spellings in locale.commands.values():
            entries.extend(spellings)
        for key, spellings in locale.words.items():
            if key not in (UNIVERSAL, GREETING, SPEAK):
                entries.extend(spellings)
        words[code] = entries
    return words
