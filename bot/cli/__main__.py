"""`python -m bot.cli`: the same command line as `hotline`."""

from bot.cli import main

main()
