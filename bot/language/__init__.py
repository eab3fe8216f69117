"""Language identification for inbound SMS/WhatsApp messages (script, lexicon, model layers)."""

from bot.language.codes import LANGUAGES
from bot.language.detector import Detection, Detector, get_detector
from bot.language.lexicon import lexicon_of

__all__ = ["LANGUAGES", "Detection", "Detector", "get_detector", "lexicon_of"]
