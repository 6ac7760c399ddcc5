import pytest
import torch

from photostyle.photowct.wct import wct


def cov(f):
    x = f - f.mean(1, keepdim=True)
    return x @ x.T / (f.shape[1] - 1)


def test_wct_matches_style_mean_and_covariance():
    g = torch.Generator().manual_seed(0)
    c = torch.randn(8, 500, generator=g, dtype=torch.float64)
    mix = torch.randn(8, 8, generator=g, dtype=torch.float64)
    s = mix @ torch.randn(8, 700, generator=g, dtype=torch.float64) + 3.0
    out = wct(c, s)
    assert out.shape == c.shape and out.dtype == c.dtype
    assert torch.allclose(out.mean(1), s.mean(1), atol=1e-8)
    assert torch.allclose(cov(out), cov(s), atol=1e-6)


def test_wct_fewer_pixels_than_channels_is_finite():
    c = torch.rand(64, 10)
    s = torch.rand(64, 5)
    out = wct(c, s)
    assert torch.isfinite(out).all()
    assert torch.allclose(out.mean(1).double(), s.mean(1).double(), atol=1e-4)


def test_wct_alpha_and_degenerate_inputs():
    c = torch.rand(4, 50)
    s = torch.rand(4, 60)
    assert torch.allclose(wct(c, s, alpha=0.0), c)
    const = torch.ones(4, 50)
    assert torch.isfinite(wct(const, s)).all()
    assert torch.isfinite(wct(c, torch.ones(4, 60))).all()
    with pytest.raises(ValueError, match="alpha"):
        wct(c, s, alpha=2.0)
    with pytest.raises(ValueError, match="same C"):
        wct(c, torch.rand(5, 60))
