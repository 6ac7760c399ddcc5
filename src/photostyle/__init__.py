"""photostyle: photorealistic style transfer (Li et al., ECCV 2018, "FastPhotoStyle")."""

from photostyle.device import resolve_device
from photostyle.io import ImageError, load_image, save_image
from photostyle.pipeline import transfer

__all__ = ["ImageError", "load_image", "save_image", "resolve_device", "transfer"]
__version__ = "0.1.0"
