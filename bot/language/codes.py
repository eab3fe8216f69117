"""Language codes the hotline serves."""

# ISO 639-1, in the order the hotline lists them (roughly by expected traffic).
LANGUAGES: tuple[str, ...] = ("en", "es", "zh", "ru", "bn", "ht", "ko", "ar", "ur", "fr", "pl")

# Latin-script hotline languages: the ones the alphabet cannot tell apart.
LATIN_LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "pl", "ht")

# Arabic-script hotline languages: letters decide when distinctive, else the model.
ARABIC_LANGUAGES: tuple[str, ...] = ("ar", "ur")

# English names, for staff (notifications, the console).
NAMES: dict[str, str] = {
    "en": "English",
    "es": "Spanish",
    "zh": "Chinese",
    "ru": "Russian",
    "bn": "Bengali",
    "ht": "Haitian Creole",
    "ko": "Korean",
    "ar": "Arabic",
    "ur": "Urdu",
    "fr": "French",
    "pl": "Polish",
}
