"""Language identification for inbound SMS/WhatsApp messages (script, lexicon, model layers)."""

from .codes import LANGUAGES
from .detector import Detection, Detector, get_detector

__all__ = ["LANGUAGES", "Detection", "Detector", "get_detector"]
