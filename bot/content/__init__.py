"""What organizers edit: flows, locales, routing and the directory of numbers; their checks,
live reload, transcripts, graphs and translations."""
