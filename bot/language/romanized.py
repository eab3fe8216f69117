"""Latin-letter texts that are not in a Latin-script hotline language.

Two kinds, both told apart by their small, frequent words (written from general knowledge of
each language, never from the evaluation set):

- romanized: Bengali (Banglish), Urdu (Roman Urdu; Roman Hindi reads the same), Arabic
  (Arabizi, with 2/3/5/7/9 for letters), Russian in Latin letters, Mandarin pinyin. They are
  the person's language, and must never be answered in Spanish, French or Creole because the
  Latin-script model saw Latin letters;
- unsupported: Portuguese, Tagalog, Italian, Vietnamese, Wolof, and any alphabet the hotline
  does not read (Devanagari, Gurmukhi, Thai...). Not a hotline language: the bot must not label
  them as one on weak evidence.

A text is called romanized or unsupported only when at least two of its words are such words
(one for a very short text), and more of them than of the hotline languages' own small words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# fmt: off
ROMANIZED: dict[str, frozenset[str]] = {
    "bn": frozenset("""
         amar amake amra amader tumi tomar apni apnar apnake keno kno ekhon akhon ekhuni
        kichu korbo korte koren korse korche koreche hobe hoise hoyeche hoilo geche gese gelo
        nai nei ache ase ashe achhe bhaia abbu ammu dhorse dhorche dhore niye niya niyeche
        kothay kivabe kemne lagbe  jonno theke kaj kaje kajer barite basay bashay dorja
        dorjay bolse bollo bolche jani janina jodi tahole shob shobai onek ekta pabo parbo
        dilam dise dise korlam kortesi kortese bujhtesi bujhi ki_korbo khub kita kortam
        loigese ekhno chara kono paoa moddhe parthokko sathe rakhte korle jante parbe
        bhaisab dhorya amader tader ora oder keu kothao jacche jaitese ashse ashche bolte
        parben dite nite hoy hoye ekhane okhane dokane apu vai vaia bhabi chele meye korchi
        dorkar thakbo jabo jaibo basar bashar samne shamne
    """.split()),
    "ur": frozenset("""
        bhai ko mujhe mujhay mera meri mere  humein hamara hamari hamare aap apka apki apke kya kyun
        kaise kaisay kahan hai hain tha thi nahi nahin abhi bhi    mein    wale
        walon gaye gayi gaya liya diya raha rahi rahe chahiye karna karo karein  ammi ghar
        kaam  madad sakti sakta sakte hoga jaye jaaye agar agr toh bahut bohat pata pooch
        puchna dafa kuch koi yahan wahan unko usko isko batao bataein zaroori darwaze
        darwaza pakr lia kia karu karoon hamare unhon logon aadmi bachon shohar biwi beta
        beti hogi chahta chahti kyunke lekin magar phir zyada jaldi foran mushkil masla
        pareshan gayi aaye aaya aayi
    """.split()),
    "ar": frozenset("""
         enta enti inta inti ya3ni 3and 3end 3ala 3la shu chno wach bghit dyal dial ma3 m3a
        kifash kifach  wla walla wallah la2 2al 7aja 7ad 5alas khalas yalla habibi ezzay
        izzay dlwa2ti delwa2ti daba mesh mish mafi  keda lbab lwra9 bidi badi baddi 3ayez
        3awz 3ayz sho shou leh lesh 3ashan 3shan mashi msh hal2a hala2 ba3d 2abl khassni
        khasni nhez fel mahal zoji zawji hessa lazmaw chdo chdoh mrati
    """.split()),
    "ru": frozenset("""
        shto chto kak gde menya mne moy moya  muzh muzha zhena syn brata seichas seychas
        sejchas pomogite pomoch pozhaluysta pozhalujsta spasibo rabote rabota doma vzyali
        zabrali zaderzhali arestovali nado mozhno nelzya eto oni takoe bez dokumentov
        dokumenty ochen zdes privet zdravstvuyte nayti naiti besplatnogo besplatno advokata
        advokat nachalnik platit grozit pozvonit immigraciyu immigraciya immigratsiya
        migratsiya migraciya migraciyu dveri dver u_dveri pomoshch pomosh politsiya
        nuzhno pochemu kvartiru sidit ego potom peredadut
    """.split()),
    "zh": frozenset("""
        zenme zenmeban shenme xianzai gangcai laogong laopo erzi nver yiminju lushi mianfei
        bangzhu jiuming xiexie nihao ni_hao  tamen zhua zhuazou   jingcha zai_na nali
        shenfen mei_you meiyou keyi bu_yao buyao menkou
        ngo ngoh keoi keui ngo_dei nei_dei keoi_dei m_goi mgoi m_sik sik_gong m_gong gong_m
        gwong_dung gwongdungwa jung_man dim_syun dim_gaai dim_baan yau_mou mou_yan bong_ngo
        lou_gung lou_po ging_chaat lo_gung dim_suen dim_yeung zuk_jor zuk_zo kui jor yi_man
        heoi heui san_fan yi_yun yi_yuen yi_sang bou_him
    """.split()),  # the second part: Cantonese as romanized in Hong Kong (ngo, keoi, m goi)
}

UNSUPPORTED: dict[str, frozenset[str]] = {
    "pt": frozenset("""
        não nao você voce vocês voces está estão tão agora  uma meu minha ele ela pra pfv
        obrigado obrigada ajuda levaram pegou imigração imigracao porta batendo também tambem
        então entao muito trabalho onde eu_faço faço preciso advogado  oi
        eu sou estou rua dizer policial polícia alguém alguem português portugues fala
        falar isso essa esse né vc cê dinheiro emprego patrão filho filha
    """.split()),
    "tl": frozenset("""
        ng ang mga po ko namin natin yung kasi ano pwede hindi wala sila kami tayo siya ako
        ba naman  kanina dito doon sa_labas asawa anak tulong paano saan kumakatok hinuli
        dinala trabaho bahay ngayon
    """.split()),
    "it": frozenset("""
        sono della dello  è  devo mio mia fratello sorella aiuto adesso casa_mia davanti
        bussano hanno appena dell' l'immigrazione immigrazione lavoro fuori perché perche
        vengono quelli aprire porta serve servono documenti
        quali miei diritti polizia alle domande rispondere ferma posso possono ho fare gli
        degli delle nel nella anche ancora oggi domani ieri visto chiama capo
    """.split()),
    "id": frozenset("""
        saya kami mereka yang tidak nggak gak enggak bisa tanpa dengan untuk dari ini itu
        sudah udah belum sekarang tadi besok kemarin kalau kalo bagaimana gimana tolong
        rumah kerja polisi imigrasi suami istri adik kakak pintu datang ditangkap ditahan
        penjara aja yg orang
    """.split()),
    "wo": frozenset("""
        dama soxla ngir sama   dul fey nanga  jërejëf jerejef waaw deedeet
    """.split()),
    "pa": frozenset("""
        chahida hove gaddi sat_sri akal mahine agle kamm veer nu karda phad leya
    """.split()),
    "ff": frozenset("""
             galle  arii  uddita jaaraama noy
    """.split()),
}

# The hotline's Latin-script languages' own small words: a romanized or unsupported verdict
# needs more hits than these get. Polish also lists the words it shares with Russian in Latin
# letters ("zabrali", "brata", "oni", "syn"): a word of both is evidence for neither (session
# 30: "zabrali mojego brata ... gdzie go trzymają" was answered with the offer of Russian).
HOTLINE_LATIN: dict[str, frozenset[str]] = {
    "en": frozenset("""
        the is are my i you at in to and of they what do have me we it this that please now
        there their he she his her with from not can will was were
    """.split()),
    "es": frozenset("""
        el la los las que de en y mi mis esta están estan es por para con una un se lo ahora
        que como qué cómo hay mi_casa tengo ayuda
    """.split()),
    "fr": frozenset("""
        le les des est et je tu il ils elle mon ma mes pas une au aux c'est qu que chez moi
        nous vous sont
    """.split()),
    "pl": frozenset("""
        jest się sie nie w z na do mnie mój moj moja co jak czy teraz są sa to mam
        gdzie go mi mu jej ich nas już juz przez przed pod od po dla ale że ze mojego mojej
        moje moi tu tam temu dziś dzis dzisiaj wczoraj godzinę godzine proszę prosze pomocy
        może moze mogą moga męża meza żona zona domu pracy robić robic trzymają trzymaja
        zabrali brata oni syn
    """.split()),
    "ht": frozenset("""
        mwen m nan yo li ak pou sa pa ap gen se ki kounye lakay kijan tanpri kòman koman
    """.split()),
}
# fmt: on

_VIETNAMESE = re.compile("[ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|[a-z]*\d[a-z0-9]*", re.IGNORECASE)


def other_script(text: str) -> bool:
    """Most letters belong to an alphabet the hotline does not read (Devanagari, Gurmukhi,
    Thai, Ethiopic...): not Latin, Cyrillic, Arabic, Bengali, Han, Hangul or kana."""
    known = len(_ASCII_LETTERS.findall(text))  # most letters: named without a lookup
    other = 0
    for ch in _OTHER_LETTERS.findall(text):
        if not ch.isalpha():  # ½, ² and other numbers \w also matches
            continue
        if _known_letter(ch):
            known += 1
        else:
            other += 1
    return other > known


_ASCII_LETTERS = re.compile(r"[A-Za-z]")
_OTHER_LETTERS = re.compile(r"[^\W\d_\x00-\x7f]")  # letters outside ASCII


@lru_cache(maxsize=4096)
def _known_letter(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith(
        ("LATIN", "CYRILLIC", "ARABIC", "BENGALI", "CJK", "HANGUL", "HIRAGANA", "KATAKANA")
    )


# Which tables hold each word: a text's words are looked up once, not intersected with every
# table (classify takes a fifth less time).
_TABLES = [("romanized", lang) for lang in ROMANIZED] + [
    ("unsupported", lang) for lang in UNSUPPORTED
]
_ARABIC_TABLE = _TABLES.index(("romanized", "ar"))  # Arabizi's digit-letters count for it


def _index(tables: list[frozenset[str]]) -> dict[str, tuple[int, ...]]:
    where: dict[str, list[int]] = {}
    for n, vocabulary in enumerate(tables):
        for token in vocabulary:
            where.setdefault(token, []).append(n)
    return {token: tuple(ns) for token, ns in where.items()}


_IN_TABLES = _index([*ROMANIZED.values(), *UNSUPPORTED.values()])
_IN_HOTLINE = _index(list(HOTLINE_LATIN.values()))


def _hits(tokens: set[str], where: dict[str, tuple[int, ...]], size: int) -> list[int]:
    """How many of the tokens each table holds."""
    hits = [0] * size
    for token in tokens:
        for n in where.get(token, ()):
            hits[n] += 1
    return hits


def classify(text: str) -> tuple[str, str] | None:
    """("romanized", lang) or ("unsupported", lang) for a Latin-letter text, else None."""
    lowered = text.lower()
    if _VIETNAMESE.search(lowered):
        return "unsupported", "vi"
    words = _WORD.findall(lowered)
    if not words:
        return None
    pairs = {f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)}
    tokens = set(words) | pairs
    hits = _hits(tokens, _IN_TABLES, len(_TABLES))
    hits[_ARABIC_TABLE] += sum(1 for w in words if _is_arabizi(w))
    best = max(hits)
    needed = 1 if len(words) <= 3 else 2
    if best < needed:
        return None
    if best <= max(_hits(tokens, _IN_HOTLINE, len(HOTLINE_LATIN))):
        return None
    return _TABLES[hits.index(best)]  # the first table with the most, as the lists are ordered


def _is_arabizi(word: str) -> bool:
    """A Latin word with 2, 3, 5, 7 or 9 standing for a letter ("3and", "7aja", "la2")."""
    if word.isalpha():  # most words: no digit at all
        return False
    return (
        any(c.isalpha() for c in word)
        and any(c in "23579" for c in word)
        and not word.isdigit()
        and not word.endswith(("st", "nd", "rd", "th", "am", "pm"))
    )
