"""One listing as other domains need it: the facts consent decisions read, and a partner's own updates."""
