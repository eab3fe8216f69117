"""The web tier: the app factory, its per-app state, the Twilio webhook and the staff console."""
