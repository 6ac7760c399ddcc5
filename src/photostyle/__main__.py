"""``python -m photostyle``."""

from photostyle.cli import main

main()
