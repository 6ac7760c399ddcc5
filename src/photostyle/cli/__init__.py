"""The front ends: the ``photostyle`` command line (typer) and the web app.

* :mod:`~photostyle.cli.app`: the typer app and :func:`main` (the console script).
* :mod:`~photostyle.cli.options`: shared options and the early checks of every command.
* :mod:`~photostyle.cli.looks`: ``lut``, ``apply``, ``video``; :mod:`~photostyle.cli.tools`:
  ``train``, ``bench``, ``warmup`` (:mod:`~photostyle.cli.warmup`, :mod:`~photostyle.cli.bench`).
* :mod:`~photostyle.cli.webapp`: ``photostyle serve`` (gradio).

Importing this package is light: ``--help`` loads neither torch nor numba.
"""
