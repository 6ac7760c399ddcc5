"""Defaults shared by the library and the CLI (kept free of heavy imports)."""

#: Long side (pixels) at which stylization runs by default; chosen with
#: ``benchmarks/quality.py --max-sides`` (see the README's quality table).
DEFAULT_MAX_SIDE = 512
