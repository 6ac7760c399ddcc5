"""The options object: checked once when built, importable without torch, one path to the
solver with nothing checked twice."""

import subprocess
import sys

import numpy as np
import pytest

from photostyle.options import Smoothing, TransferOptions


def test_defaults_and_the_paper_preset():
    d = TransferOptions()
    assert d.smoothing is Smoothing.EXACT and d.lam == 1e-4 and d.work_pixels == 1e6
    assert d.matched and d.noise_aware and d.device == "auto"
    p = TransferOptions.paper()
    assert not (p.colour_fix or p.detail_match or p.noise_aware or p.region_stats)
    assert p.work_mp == 0 and not p.matched and p.locality == 1.0  # per pixel, as the paper
    assert 0 < d.locality < 1  # the default result is a colour grade of the content
    assert TransferOptions.paper(smoothing="guided").smoothing is Smoothing.GUIDED
    assert TransferOptions(smoothing=None).smoothing is Smoothing.NONE
    with pytest.raises(AttributeError):
        d.lam = 1.0  # frozen
    assert d.replace(lam=1e-3).lam == 1e-3 and d.lam == 1e-4


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ({"smoothing": "blur"}, "smoothing"),
        ({"lam": float("nan")}, "lam"),
        ({"lam": 0}, "lam"),
        ({"max_side": 8}, "max_side"),
        ({"max_side": 512.0}, "max_side"),
        ({"alpha": 1.5}, "alpha"),
        ({"strength": -0.1}, "strength"),
        ({"locality": 1.5}, "locality"),
        ({"work_mp": 0.01}, "working resolution"),
        ({"work_mp": float("inf")}, "working resolution"),
        ({"auto_labels": 0}, "auto_labels"),
        ({"auto_labels": 1000}, "1..32"),
        ({"device": "tpu"}, "device"),
    ],
)
def test_bad_values_are_refused_when_built(values, match):
    with pytest.raises(ValueError, match=match):
        TransferOptions(**values)
    with pytest.raises(ValueError, match=match):
        TransferOptions().replace(**values)


def test_importing_the_options_loads_no_heavy_module():
    code = (
        "import sys\nfrom photostyle.options import TransferOptions\nTransferOptions()\n"
        "print(sorted(m for m in ('torch', 'numba', 'scipy') if m in sys.modules))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.stdout.strip() == "[]", res.stdout + res.stderr


def test_cli_to_solver_checks_each_value_once(untrained, tmp_path, monkeypatch):
    """One ``transfer`` command: the options are built (checked) once, each image converted
    once, and no stage behind ``prepare`` checks again (the smoother's and the model's
    checking entrances are never called)."""
    from typer.testing import CliRunner

    import photostyle.options as options
    import photostyle.pipeline as pipeline
    from photostyle.cli.app import app
    from photostyle.files.images import save_image
    from photostyle.photowct.stylize import PhotoWCT
    from photostyle.smoothing import inputs
    from photostyle.smoothing.exact import ExactSmoother

    calls: list[str] = []

    def spy(name, f):
        def wrapped(*a, **k):
            calls.append(name)
            return f(*a, **k)

        return wrapped

    monkeypatch.setattr(
        options.TransferOptions, "__post_init__",
        spy("options", options.TransferOptions.__post_init__),
    )  # fmt: skip
    monkeypatch.setattr(pipeline, "as_array", spy("as_array", pipeline.as_array))
    for name in ("as_content", "as_image", "fit_stylized", "check_inputs"):
        monkeypatch.setattr(inputs, name, spy(name, getattr(inputs, name)))
    monkeypatch.setattr(PhotoWCT, "stylize", spy("PhotoWCT.stylize", PhotoWCT.stylize))
    monkeypatch.setattr(ExactSmoother, "__init__", spy("ExactSmoother", ExactSmoother.__init__))
    rng = np.random.default_rng(0)
    save_image(tmp_path / "c.png", rng.random((40, 56, 3)).astype(np.float32))
    save_image(tmp_path / "s.png", rng.random((36, 36, 3)).astype(np.float32))
    args = ["transfer", str(tmp_path / "c.png"), str(tmp_path / "s.png"), "-o"]
    res = CliRunner().invoke(app, [*args, str(tmp_path / "o.png"), "--max-side", "32"])
    assert res.exit_code == 0, res.output
    assert calls == ["options", "as_array", "as_array"], calls
