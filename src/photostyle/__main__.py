"""``python -m photostyle``."""

from photostyle.cli.app import main

main()
