"""Label spaces: the ids of a dataset's label maps mapped to named groups shared by both sides.

A GTA5 frame (Cityscapes label ids) and an ADE20K-labelled style photo meet by group name: a
content region of group ``"sky"`` is stylized with the style's ``"sky"`` pixels, whatever ids
each side uses. Built-in spaces:

* ``cityscapes``: Cityscapes ``labelIds`` (``*_gtFine_labelIds.png``; GTA5 and SYNTHIA-RAND-
  CITYSCAPES labels use the same ids): 0-3 (unlabeled, ego vehicle, rectification border, out
  of roi) are ignored, every other id is a group named as in Cityscapes (``polegroup`` joins
  ``pole``), 34 ids in all (``license plate``, -1, is not stored in label files).
* ``cityscapes-train``: Cityscapes ``trainIds`` (``*_labelTrainIds.png``): 0-18, 255 ignored.
* ``ade20k``: ADE20K SceneParsing (150 classes, ids 1-150; 0 = other, ignored). Classes with a
  Cityscapes counterpart carry its group name (tree, plant, palm, flower -> vegetation;
  grass, earth, field, land, sand -> terrain; house, skyscraper, tower, hovel -> building;
  van -> car; minibike -> motorcycle; signboard -> traffic sign; streetlight -> pole;
  path -> sidewalk; runway, dirt track -> road; railing -> guard rail); the others keep
  their own name.

Any other space is a JSON file ``{"sky": [23], "vegetation": [21, 22], "ignore": [0, 255]}``
(group name -> ids; the optional ``"ignore"`` key lists ignored ids). An id found in a label map
that the space does not list is an error naming the file and the id.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Cityscapes labelIds 4..33 (cityscapesScripts ``labels.py``); 0-3 are ignored.
CITYSCAPES_NAMES = {
    4: "static", 5: "dynamic", 6: "ground", 7: "road", 8: "sidewalk", 9: "parking",
    10: "rail track", 11: "building", 12: "wall", 13: "fence", 14: "guard rail",
    15: "bridge", 16: "tunnel", 17: "pole", 18: "pole", 19: "traffic light",
    20: "traffic sign", 21: "vegetation", 22: "terrain", 23: "sky", 24: "person",
    25: "rider", 26: "car", 27: "truck", 28: "bus", 29: "caravan", 30: "trailer",
    31: "train", 32: "motorcycle", 33: "bicycle",
}  # fmt: skip
#: The 19 evaluation classes, in trainId order.
CITYSCAPES_TRAIN = [
    "road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign",
    "vegetation", "terrain", "sky", "person", "rider", "car", "truck", "bus", "train",
    "motorcycle", "bicycle",
]  # fmt: skip
#: ADE20K SceneParsing classes 1..150 (first name of ``objectInfo150``), in id order.
ADE20K_NAMES = """wall building sky floor tree ceiling road bed windowpane grass cabinet sidewalk
person earth door table mountain plant curtain chair car water painting sofa shelf house sea
mirror rug field armchair seat fence desk rock wardrobe lamp bathtub railing cushion base box
column signboard chest_of_drawers counter sand sink skyscraper fireplace refrigerator
grandstand path stairs runway case pool_table pillow screen_door stairway river bridge bookcase
blind coffee_table toilet flower book hill bench countertop stove palm kitchen_island computer
swivel_chair boat bar arcade_machine hovel bus towel light truck tower chandelier awning
streetlight booth television airplane dirt_track apparel pole land bannister escalator ottoman
bottle buffet poster stage van ship fountain conveyer_belt canopy washer plaything
swimming_pool stool barrel basket waterfall tent bag minibike cradle oven ball food step tank
trade_name microwave pot animal bicycle lake dishwasher screen blanket sculpture hood sconce
vase traffic_light tray ashcan fan pier crt_screen plate monitor bulletin_board shower radiator
glass clock flag""".split()
#: ADE20K classes that meet a Cityscapes group.
ADE20K_TO_CITYSCAPES = {
    "tree": "vegetation", "plant": "vegetation", "palm": "vegetation", "flower": "vegetation",
    "grass": "terrain", "earth": "terrain", "field": "terrain", "land": "terrain",
    "sand": "terrain", "house": "building", "skyscraper": "building", "tower": "building",
    "hovel": "building", "van": "car", "minibike": "motorcycle", "signboard": "traffic sign",
    "streetlight": "pole", "path": "sidewalk", "runway": "road", "dirt track": "road",
    "railing": "guard rail",
}  # fmt: skip


@dataclass(frozen=True)
class LabelSpace:
    """``groups[name] = ids`` plus the ignored ids; ``name`` says where it came from."""

    name: str
    groups: dict[str, tuple[int, ...]]
    ignore: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        seen: dict[int, str] = {}
        for group, ids in [*self.groups.items(), ("ignore", self.ignore)]:
            for i in ids:
                if i in seen:
                    raise ValueError(f"label space {self.name}: id {i} in {seen[i]} and {group}")
                seen[i] = group

    def lookup(self, group_index: dict[str, int], ignored: int) -> np.ndarray:
        """Table ``id -> group index`` (``ignored`` for ignored ids, -1 for ids not listed)."""
        ids = [i for g in self.groups.values() for i in g] + list(self.ignore)
        table = np.full(max(ids, default=0) + 1, -1, np.int64)
        for group, g_ids in self.groups.items():
            table[list(g_ids)] = group_index[group]
        table[list(self.ignore)] = ignored
        return table


def _cityscapes() -> LabelSpace:
    groups: dict[str, list[int]] = {}
    for i, n in CITYSCAPES_NAMES.items():
        groups.setdefault(n, []).append(i)
    return LabelSpace("cityscapes", {n: tuple(v) for n, v in groups.items()}, (0, 1, 2, 3))


def _cityscapes_train() -> LabelSpace:
    groups = {n: (i,) for i, n in enumerate(CITYSCAPES_TRAIN)}
    return LabelSpace("cityscapes-train", groups, (255,))


def _ade20k() -> LabelSpace:
    groups: dict[str, list[int]] = {}
    for i, raw in enumerate(ADE20K_NAMES, start=1):
        name = raw.replace("_", " ")
        groups.setdefault(ADE20K_TO_CITYSCAPES.get(name, name), []).append(i)
    return LabelSpace("ade20k", {n: tuple(v) for n, v in groups.items()}, (0,))


BUILT_IN = {"cityscapes": _cityscapes, "cityscapes-train": _cityscapes_train, "ade20k": _ade20k}


def load_label_space(spec: str | os.PathLike) -> LabelSpace:
    """A built-in space by name (``cityscapes``, ``cityscapes-train``, ``ade20k``) or a JSON
    file (see the module docstring). Raises :class:`ValueError` with a one-line message."""
    if str(spec) in BUILT_IN:
        return BUILT_IN[str(spec)]()
    p = Path(spec)
    if p.suffix.lower() != ".json":
        names = ", ".join(BUILT_IN)
        raise ValueError(f"label space {spec}: not one of {names}, nor a .json file")
    try:
        data = json.loads(p.read_text(encoding="utf-8-sig"))  # a BOM from Notepad is fine
    except OSError as exc:
        raise ValueError(f"{p}: cannot read the label space ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ValueError(f"{p}: not a label space (binary data, not UTF-8 JSON text)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{p}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(data, dict) or not data:
        raise ValueError(f'{p}: a label space is an object {{"group": [ids], ...}}')
    groups = {}
    for name, ids in data.items():
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 <= i < 65536 for i in ids
        ):
            raise ValueError(f"{p}: group {name!r} must list ids 0..65535")
        groups[str(name)] = tuple(ids)
    ignore = groups.pop("ignore", ())
    return LabelSpace(str(p), groups, ignore)
