"""PhotoWCT stylization: VGG-19 encoder, max-unpooling decoders, whitening-colouring transform."""

from photostyle.photowct.decoder import Decoder
from photostyle.photowct.vgg import Encoded, VGGEncoder
from photostyle.photowct.weights import load_decoder, load_decoders, save_decoder

__all__ = ["Decoder", "Encoded", "VGGEncoder", "load_decoder", "load_decoders", "save_decoder"]
