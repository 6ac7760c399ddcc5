"""Files in and out: every format photostyle reads and writes.

* :mod:`~photostyle.files.images`: :func:`load_image` / :func:`save_image` (float RGB
  ``H x W x 3`` in [0, 1]), EXIF orientation, mode conversions, pixel limit, resizing.
* :mod:`~photostyle.files.image_input`: the one entrance check of arrays, PIL images and paths.
* :mod:`~photostyle.files.raw`, :mod:`~photostyle.files.bitdepth`: camera raw files, 16-bit
  PNG/TIFF.
* :mod:`~photostyle.files.profiles`: ICC profiles (to sRGB on load, back on request).
* :mod:`~photostyle.files.exif`, :mod:`~photostyle.files.tiff_exif`: metadata carried over.
* :mod:`~photostyle.files.output`: output options and :func:`write_result`;
  :mod:`~photostyle.files.atomic`: atomic writes; :mod:`~photostyle.files.paths`: image files
  under a folder, and whether an output would be one of the inputs;
  :mod:`~photostyle.files.dither`: 8-bit outputs without banding.

Nothing here imports torch; modules are imported where a command needs them.
"""
