"""The pictures of ``photostyle sweep``: a contact sheet of the grid, every cell with its
scores, and a plot of content preservation against style distance (the paper's lambda
figure). Drawn with Pillow (the sheet) and matplotlib (the plot)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: Colour of the default cell's frame and the plot's default point.
MARK = (230, 120, 0)
PAD, TEXT_H = 8, 62


def _font(size: int) -> object:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow built without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def _thumb(image: np.ndarray, side: int) -> object:
    from PIL import Image

    from photostyle.files.images import to_uint8

    im = Image.fromarray(to_uint8(image))
    f = side / max(im.size)
    return im.resize((max(1, round(im.width * f)), max(1, round(im.height * f))), Image.LANCZOS)


def lam_label(lam: float) -> str:
    return f"{lam:.0e}".replace("e-0", "e-").replace("e+0", "e")


def contact_sheet(
    content: np.ndarray,
    style: np.ndarray,
    cells: list,
    default: tuple[float, float],
    title: str,
    side: int = 320,
) -> object:
    """The grid as one PIL image: content and style on top, then one row per locality and
    one column per lambda; each cell shows its result and scores (F: boundary F-measure, S:
    structure, G: Gram, C: colour distance), the ``default`` ``(lam, locality)`` framed."""
    from PIL import Image, ImageDraw

    lams = sorted({c.lam for c in cells})
    locs = sorted({c.locality for c in cells})
    tiles = {(c.lam, c.locality): _thumb(c.image, side) for c in cells}
    tw = max(t.width for t in tiles.values())
    th = max(t.height for t in tiles.values())
    head = _thumb(content, side), _thumb(style, side)
    top = 30 + max(h.height for h in head) + 30
    width = PAD + len(lams) * (tw + PAD)
    height = top + len(locs) * (th + TEXT_H + PAD)
    sheet = Image.new("RGB", (max(width, 2 * (tw + PAD) + PAD), height), "white")
    draw = ImageDraw.Draw(sheet)
    big, small = _font(18), _font(14)
    draw.text((PAD, 6), title, fill="black", font=big)
    for i, (im, name) in enumerate(zip(head, ("content", "style"), strict=True)):
        sheet.paste(im, (PAD + i * (tw + PAD), 30))
        draw.text((PAD + i * (tw + PAD), 32 + im.height), name, fill="black", font=small)
    for r, loc in enumerate(locs):
        y = top + r * (th + TEXT_H + PAD)
        for k, lam in enumerate(lams):
            x = PAD + k * (tw + PAD)
            cell = next(c for c in cells if c.lam == lam and c.locality == loc)
            sheet.paste(tiles[(lam, loc)], (x, y))
            lines = [f"lambda {lam_label(lam)}   locality {loc:g}"]
            if cell.scores:
                s = cell.scores
                lines.append(f"F {s['boundary_f']:.3f}   S {s['structure']:.3f}")
                lines.append(f"G {s['gram']:.3f}   C {s['colour']:.2f}")
            if (lam, loc) == default:
                lines[0] += "   DEFAULT"
                draw.rectangle(
                    (x - 4, y - 4, x + tw + 3, y + th + TEXT_H - 2), outline=MARK, width=4
                )
            for j, line in enumerate(lines):
                draw.text((x + 2, y + th + 4 + 18 * j), line, fill="black", font=small)
    return sheet


def plot(cells: list, default: tuple[float, float], path: Path, title: str, fmt: str) -> None:
    """Content preservation against style distance, one line per locality through the
    lambdas (each point labelled), the default starred: boundary F against the Gram
    distance, and structure against the colour distance."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    panels = (("gram", "boundary_f", "Gram distance to the style (lower: closer)",
               "boundary F-measure (higher: keeps the content's boundaries)"),
              ("colour", "structure", "colour distance to the style (Lab)",
               "structure SSIM (higher: keeps the content's edges)"))  # fmt: skip
    for ax, (x_key, y_key, x_label, y_label) in zip(axes, panels, strict=True):
        for loc in sorted({c.locality for c in cells}):
            row = sorted((c for c in cells if c.locality == loc), key=lambda c: c.lam)
            xs = [c.scores[x_key] for c in row]
            ys = [c.scores[y_key] for c in row]
            ax.plot(xs, ys, "o-", label=f"locality {loc:g}")
            for c, x, y in zip(row, xs, ys, strict=True):
                ax.annotate(lam_label(c.lam), (x, y), textcoords="offset points", xytext=(4, 4))
                if (c.lam, c.locality) == default:
                    ax.plot([x], [y], "*", ms=16, color=np.array(MARK) / 255, label="default")
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110, format=fmt)
    plt.close(fig)
