"""Dataset stylization: every image of a folder tree restyled with styles drawn from a pool.

``photostyle dataset CONTENT_DIR --styles STYLE_DIR --out OUT_DIR`` (Dundar et al. 2018,
"Domain Stylization"): each content image gets ``per_content`` distinct styles drawn from the
pool. The draw for a content depends only on the seed and the content's relative path (a
SHA-256 of both seeds its generator), so the same seed gives the same pairs, and adding images
to the dataset leaves the pairs of the others as they were.

Outputs mirror the content tree: ``OUT_DIR/<folder>/<content stem>__<style>.<ext>``, where
``<style>`` is the style's path inside STYLE_DIR without extension, ``/`` written as ``-``
(``keep_names``: ``<content stem>.<ext>``, one style per content). Names are unique by
construction: where two images would give the same name part (``a.png`` and ``a.jpg`` in one
folder, styles ``x.jpg`` and ``x.png``), both keep their extension in it (``a.png__x.jpg.png``;
:func:`name_parts`), and any name still shared (``a__b`` + ``c`` against ``a`` + ``b__c``) is
refused before any work. An output is finished when its file exists (atomic writes); a rerun
skips finished outputs and redoes the rest.

Label maps (:mod:`photostyle.batch.label_spaces`) are found by relative path (see
:func:`find_label`), read as ids (index or palette PNG/TIFF) and mapped to the groups of a
label space shared by both sides. The output has the content's geometry, so the content's own
label file stays valid for it; ``labels_out="copy"`` or ``"link"`` puts it beside the output
as ``<output stem>_labels<ext>``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from photostyle.batch.label_spaces import LabelSpace
from photostyle.errors import ImageError
from photostyle.files.images import SAVE_FORMATS
from photostyle.files.paths import image_files

IMAGE_EXTENSIONS = frozenset(SAVE_FORMATS) | {".bmp"}
LABEL_EXTENSIONS = (".png", ".tif", ".tiff", ".bmp")
#: Label file stems tried for an image stem, in order (Cityscapes names; then the same stem).
STEM_RULES = (
    ("_leftImg8bit", "_gtFine_labelIds"),
    ("_leftImg8bit", "_gtFine_labelTrainIds"),
    ("_leftImg8bit", "_gtCoarse_labelIds"),
)


def find_images(root: Path) -> list[Path]:
    """Image files under ``root`` (recursive, sorted), relative to it; hidden files (``.x``,
    such as macOS's ``._x.jpg``) are left out."""
    return [p.relative_to(root) for p in image_files(root, IMAGE_EXTENSIONS) if p.name[0] != "."]


def find_label(rel: Path, label_dir: Path) -> Path | None:
    """The label file of image ``rel`` (relative path) in ``label_dir``: the same folder, a stem
    from :data:`STEM_RULES` (Cityscapes ``X_leftImg8bit`` -> ``X_gtFine_labelIds``, ...) or the
    same stem (GTA5 ``images/N.png`` -> ``labels/N.png``, ADE20K ``.jpg`` -> ``.png``), with
    an extension of :data:`LABEL_EXTENSIONS`. ``None`` when there is none."""
    stems = [rel.stem.removesuffix(a) + b for a, b in STEM_RULES if rel.stem.endswith(a)]
    for stem in [*stems, rel.stem]:
        for ext in LABEL_EXTENSIONS:
            p = label_dir / rel.parent / (stem + ext)
            if p.is_file():
                return p
    return None


def draw_styles(content_rel: str, count: int, pool: int, seed: int) -> list[int]:
    """``count`` distinct style indices in ``range(pool)`` for one content (deterministic)."""
    digest = hashlib.sha256(f"{seed}\0{content_rel}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
    return rng.choice(pool, size=count, replace=False).tolist()


@dataclass(frozen=True)
class LabelMapping:
    """Both sides' label spaces, joined: ids -> shared group indices."""

    content: LabelSpace
    style: LabelSpace
    unknown: str = "error"  # or "ignore"

    @property
    def names(self) -> list[str]:
        return sorted(set(self.content.groups) | set(self.style.groups))

    def groups(self, path: Path, shape: tuple[int, int], side: str) -> tuple[np.ndarray, float]:
        """Group map (``H x W`` int32) of label file ``path`` for an image of ``shape``, and
        the fraction of ignored pixels. Ignored pixels get a label of their own per side, which
        never pairs (the region rule gives them the whole style)."""
        from photostyle.files.label_ids import read_ids
        from photostyle.labels import fit_to

        space = self.content if side == "content" else self.style
        names = self.names
        ignored = len(names) + (side == "style")
        table = space.lookup({n: i for i, n in enumerate(names)}, ignored)
        try:
            ids = fit_to(read_ids(path), shape, str(path))
        except ValueError as exc:
            raise ImageError(str(exc)) from None
        # the ids present, looked up one by one: memory in proportion to them, not the largest
        present, where = np.unique(ids, return_inverse=True)
        known = (present >= 0) & (present < len(table))
        groups = np.full(len(present), -1, np.int64)
        groups[known] = table[present[known]]
        unknown = present[groups < 0]
        if len(unknown) and self.unknown == "error":
            more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
            raise ImageError(
                f"{path}: label id {int(unknown[0])}{more} is not in label space {space.name}"
            )
        groups[groups < 0] = ignored
        out = groups[where].reshape(ids.shape).astype(np.int32)
        return out, float((out == ignored).mean())


@dataclass(frozen=True)
class PairJob:
    """One output: a content, its drawn style, where the result goes."""

    content: Path
    style: Path
    output: Path
    record: dict  # content, style, output: relative paths for the manifest
    content_labels: Path | None = None
    style_labels: Path | None = None


def name_parts(rels: list[Path], folder_wise: bool) -> dict[Path, str]:
    """Each image's part of an output name: its path without the extension (``folder_wise``:
    its stem, for outputs in the same folder; else ``/`` written as ``-``), but with the
    extension where two images would share that part (``a.png`` and ``a.jpg``; compared
    without case, as on case-insensitive disks)."""

    def part(rel: Path, keep_ext: bool) -> str:
        name = rel.name if keep_ext else rel.stem
        return name if folder_wise else (rel.parent / name).as_posix().replace("/", "-")

    def key(rel: Path) -> tuple[str, str]:
        return (rel.parent.as_posix() if folder_wise else "", part(rel, False).casefold())

    counts: dict[tuple[str, str], int] = {}
    for rel in rels:
        counts[key(rel)] = counts.get(key(rel), 0) + 1
    return {rel: part(rel, counts[key(rel)] > 1) for rel in rels}


def output_name(content_rel: Path, content_part: str, style_part: str | None, ext: str) -> Path:
    """Relative output path (see the module docstring); ``style_part=None``: keep the name."""
    if style_part is None:
        return content_rel.parent / (content_part + ext)
    return content_rel.parent / f"{content_part}__{style_part}{ext}"


def run_pair(job: PairJob, options: dict, threads: int | None = None) -> tuple[PairJob, dict]:
    """Restyle one pair and write it atomically; returns ``(job, manifest record)``: seconds,
    fallbacks (group -> reason) and ignored pixel fractions, or ``error`` (one line)."""
    from photostyle.files.output import write_result
    from photostyle.pipeline import transfer

    if threads:
        import numba
        import torch

        torch.set_num_threads(threads)
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    t0 = time.perf_counter()
    record = dict(job.record)
    mapping: LabelMapping | None = options.get("labels")
    try:
        from photostyle.files.images import load_image

        content, style = load_image(job.content), load_image(job.style)
        labels = {}
        if mapping is not None:
            lc, fc = mapping.groups(job.content_labels, content.shape[:2], "content")
            ls, fs = mapping.groups(job.style_labels, style.shape[:2], "style")
            labels = {"content_labels": lc, "style_labels": ls}
            record["ignored"] = {"content": round(fc, 4), "style": round(fs, 4)}
        result = transfer(content, style, options["transfer"], **labels)
        job.output.parent.mkdir(parents=True, exist_ok=True)
        labels_beside(job, options.get("labels_out"))  # first: a finished output has its labels
        write_result(job.output, result.image, job.content, options["output"])
    except (ImageError, ValueError, OSError) as exc:  # OSError: a folder we cannot write
        record.pop("output", None)
        record["error"] = " ".join(str(exc).split())
        return job, record
    record["seconds"] = round(time.perf_counter() - t0, 3)
    record["fallbacks"] = _fallbacks(result.fallbacks, mapping)
    return job, record


def _fallbacks(levels: dict, mapping: LabelMapping | None) -> dict[str, str]:
    """``{group name: reason}`` of the regions that used the whole style (coarsest level)."""
    names = mapping.names if mapping is not None else []
    label = lambda i: names[i] if i < len(names) else "ignored"  # noqa: E731
    out: dict[str, str] = {}
    for _, fb in sorted(levels.items(), reverse=True):
        for lab, why in fb.items():
            out.setdefault(label(int(lab)) if names else str(lab), why)
    return out


def labels_beside_path(output: Path, label_file: Path) -> Path:
    """Where the content's label file goes beside an output: ``<output stem>_labels<ext>``."""
    return output.with_name(f"{output.stem}_labels{label_file.suffix}")


def labels_beside(job: PairJob, how: str | None) -> None:
    """Copy or link (relative symbolic link) the content's label file beside the output."""
    if how is None or job.content_labels is None:
        return
    dst = labels_beside_path(job.output, job.content_labels)
    tmp = dst.with_name(f".{dst.name}.tmp")
    tmp.unlink(missing_ok=True)
    if how == "link":
        os.symlink(os.path.relpath(job.content_labels.resolve(), dst.parent.resolve()), tmp)
    else:
        shutil.copyfile(job.content_labels, tmp)
    os.replace(tmp, dst)
