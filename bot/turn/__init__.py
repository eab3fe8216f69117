"""One message on the host side: the inbound form, limits, sessions, the Hotline and its effects."""
