"""Small image operations, one implementation each, used by every part of photostyle.

* :mod:`~photostyle.imaging.resize`: resizing ``H x W x C`` arrays (sizes as ``(h, w)``).
* :mod:`~photostyle.imaging.layout`: ``H x W x C`` arrays <-> ``C x H x W`` tensors.
* :mod:`~photostyle.imaging.windows`: window means, sums and variances (box filters).
* :mod:`~photostyle.imaging.colourspace`: luma, sRGB transfer, CIE Lab.

Functions take and return arrays or tensors; none reads or writes files (:mod:`photostyle.files`
does). Torch is imported only by the modules that work on tensors.
"""
