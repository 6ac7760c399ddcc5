"""Looks: a transfer's colour grading as a 3D LUT (``.cube``) for whole shoots and video.

* :mod:`~photostyle.looks.look`: the :class:`Look` (read, write, apply).
* :mod:`~photostyle.looks.fit`: its fits (regression to a result, the stylizing fit);
  :mod:`~photostyle.looks.gram`: the style-statistics step; :mod:`~photostyle.looks.lattice`:
  trilinear weights and smoothness terms on the lattice.
* :mod:`~photostyle.looks.kernels`: the compiled LUT kernels (numba).
* :mod:`~photostyle.looks.shoot`: apply a look to files, folders and globs.
* :mod:`~photostyle.looks.video`: restyle a clip (look mode and frames mode).
"""
