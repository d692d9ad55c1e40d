"""Draw the exercise figures: side-view stick figures from keyframe poses, animated with SMIL.

A pose is a handful of joint angles (degrees clockwise from straight up; the figure faces
right). Forward kinematics turns it into joint positions, the figure is set on the floor (or
placed where a pose says), and each keyframe becomes one value of an ``<animate>``. The SVG
has no script and no style element: presentation attributes and SMIL only, so it draws under
the app's Content-Security-Policy and in any image viewer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 240, 200
GROUND = 168.0
LENGTHS = {
    "trunk": 50.0,
    "neck": 6.0,
    "head_r": 10.0,
    "upper_arm": 27.0,
    "forearm": 25.0,
    "thigh": 40.0,
    "shin": 38.0,
    "foot": 13.0,
}
STANDING_LIMB = {
    "thigh": 180.0,
    "shin": 180.0,
    "foot": 90.0,
    "upper_arm": 180.0,
    "forearm": 180.0,
}
NEAR, FAR, BACK = "#1f2937", "#a3acb9", "#15803d"
PROP, PROP_FILL, PLATE = "#6b7280", "#e5e7eb", "#374151"
LIMB_SEGMENTS = (("hip", "knee", "ankle", "toe"), ("shoulder", "elbow", "hand"))
PLATE_R = 15.0


class FigureError(ValueError):
    """A figure definition is malformed; the message names the figure."""


def _direction(angle: float) -> tuple[float, float]:
    rad = math.radians(angle)
    return math.sin(rad), -math.cos(rad)


def _step(point: tuple[float, float], angle: float, length: float) -> tuple[float, float]:
    dx, dy = _direction(angle)
    return point[0] + dx * length, point[1] + dy * length


Joints = dict[str, tuple[float, float]]


def joints(pose: Mapping[str, Any]) -> Joints:
    """Joint positions of a pose, hip at the origin (``near``/``far`` limbs, trunk, head)."""
    trunk = float(pose.get("trunk", 0.0))
    head = float(pose.get("head", trunk))
    near = {**STANDING_LIMB, **pose.get("near", {})}
    far = {**near, **pose.get("far", {})}
    out: Joints = {"hip": (0.0, 0.0)}
    out["shoulder"] = _step(out["hip"], trunk, LENGTHS["trunk"])
    out["neck"] = _step(out["shoulder"], head, LENGTHS["neck"])
    out["head"] = _step(out["neck"], head, LENGTHS["head_r"])
    for side, angles in (("near", near), ("far", far)):
        knee = _step(out["hip"], angles["thigh"], LENGTHS["thigh"])
        ankle = _step(knee, angles["shin"], LENGTHS["shin"])
        toe = _step(ankle, angles["foot"], LENGTHS["foot"])
        elbow = _step(out["shoulder"], angles["upper_arm"], LENGTHS["upper_arm"])
        hand = _step(elbow, angles["forearm"], LENGTHS["forearm"])
        out.update(
            {
                f"knee_{side}": knee,
                f"ankle_{side}": ankle,
                f"toe_{side}": toe,
                f"elbow_{side}": elbow,
                f"hand_{side}": hand,
            }
        )
    return out


@dataclass(frozen=True)
class Keyframe:
    """One pose, how long it is held and how long the move to the next one takes (seconds)."""

    joints: Joints
    hold: float
    move: float


@dataclass(frozen=True)
class Figure:
    """A figure definition read from ``figures.yaml``."""

    name: str
    title: str
    cue: str
    keyframes: tuple[Keyframe, ...]
    props: tuple[Mapping[str, Any], ...] = field(default=())
    scale: float = 1.0


def _lowest(points: Joints, with_head: bool, scale: float) -> float:
    ys = [y for name, (_x, y) in points.items() if name not in ("head", "neck")]
    if with_head:
        ys.append(points["head"][1] + LENGTHS["head_r"] * scale)
    return max(ys)


def place(raw: Mapping[str, Any], name: str) -> tuple[Keyframe, ...]:
    """Keyframes set on the floor: the lowest point touches the ground, one joint keeps its x."""
    frames = raw.get("keyframes")
    if not isinstance(frames, list) or len(frames) < 2:
        raise FigureError(f"figure {name}: needs at least two keyframes")
    x_joint = raw.get("x_joint", "ankle_near")
    scale = float(raw.get("scale", 1.0))
    if not 0.5 <= scale <= 1.5:
        raise FigureError(f"figure {name}: scale must be between 0.5 and 1.5")
    x_at = float(raw.get("x", 120))
    placed: list[Keyframe] = []
    for index, frame in enumerate(frames):
        pose = frame.get("pose", {})
        points = {k: (x * scale, y * scale) for k, (x, y) in joints(pose).items()}
        if x_joint not in points:
            raise FigureError(f"figure {name}: unknown joint {x_joint!r}")
        at = frame.get("at")
        if at is not None:  # an explicit place for a joint (e.g. the hip on a bench)
            joint, ax, ay = at["joint"], float(at["x"]), float(at["y"])
            dx, dy = ax - points[joint][0], ay - points[joint][1]
        else:
            dx = x_at - points[x_joint][0]
            dy = GROUND - _lowest(points, bool(raw.get("ground_head", False)), scale)
        moved = {k: (x + dx, y + dy) for k, (x, y) in points.items()}
        hold, move = float(frame.get("hold", 0.4)), float(frame.get("move", 1.0))
        if hold < 0 or move <= 0:
            raise FigureError(f"figure {name}: keyframe {index}: hold >= 0 and move > 0")
        placed.append(Keyframe(moved, hold, move))
    return tuple(placed)


def figure_from(name: str, raw: Mapping[str, Any]) -> Figure:
    """A validated figure."""
    for key in ("title", "cue"):
        if not str(raw.get(key, "")).strip():
            raise FigureError(f"figure {name}: needs a {key}")
    return Figure(
        name,
        str(raw["title"]),
        str(raw["cue"]),
        place(raw, name),
        tuple(raw.get("props", [])),
        float(raw.get("scale", 1.0)),
    )


# ------------------------------------------------------------------ SVG
def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _path(points: Sequence[tuple[float, float]]) -> str:
    return "M" + " L".join(f"{_n(x)} {_n(y)}" for x, y in points)


def _timing(frames: Sequence[Keyframe]) -> tuple[float, list[float], list[int]]:
    """Total duration, keyTimes and, for each key time, which keyframe's value it shows."""
    total = sum(f.hold + f.move for f in frames)
    times: list[float] = [0.0]
    which: list[int] = [0]
    t = 0.0
    for index, frame in enumerate(frames):
        if frame.hold > 0:
            t += frame.hold
            times.append(t / total)
            which.append(index)
        t += frame.move
        times.append(t / total)
        which.append((index + 1) % len(frames))
    times[-1] = 1.0
    return total, times, which


class _Writer:
    def __init__(self, frames: Sequence[Keyframe]) -> None:
        self.frames = frames
        self.total, self.times, self.which = _timing(frames)
        self.lines: list[str] = []

    def animate(self, attribute: str, values: Sequence[str]) -> str:
        if len(set(values)) == 1:
            return ""
        shown = ";".join(values[i] for i in self.which)
        key_times = ";".join(f"{t:.4f}".rstrip("0").rstrip(".") or "0" for t in self.times)
        splines = ";".join(["0.45 0 0.55 1"] * (len(self.times) - 1))
        return (
            f'<animate attributeName="{attribute}" dur="{_n(self.total)}s" '
            f'repeatCount="indefinite" values="{shown}" keyTimes="{key_times}" '
            f'calcMode="spline" keySplines="{splines}"/>'
        )

    def path(self, per_frame: Sequence[str], **attributes: str) -> None:
        attrs = " ".join(f'{k.replace("_", "-")}="{v}"' for k, v in attributes.items())
        anim = self.animate("d", per_frame)
        if anim:
            self.lines.append(f'<path d="{per_frame[0]}" {attrs}>{anim}</path>')
        else:
            self.lines.append(f'<path d="{per_frame[0]}" {attrs}/>')

    def circle(self, centres: Sequence[tuple[float, float]], r: float, **attributes: str) -> None:
        attrs = " ".join(f'{k.replace("_", "-")}="{v}"' for k, v in attributes.items())
        xs = [_n(c[0]) for c in centres]
        ys = [_n(c[1]) for c in centres]
        anim = self.animate("cx", xs) + self.animate("cy", ys)
        self.lines.append(f'<circle cx="{xs[0]}" cy="{ys[0]}" r="{_n(r)}" {attrs}>{anim}</circle>')


def _limb(frames: Sequence[Keyframe], side: str, chain: Sequence[str]) -> list[str]:
    names = [chain[0], *(f"{j}_{side}" for j in chain[1:])]
    return [_path([f.joints[n] for n in names]) for f in frames]


def _static_rect(x: float, y: float, w: float, h: float, rx: float = 2) -> str:
    return (
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" rx="{_n(rx)}" '
        f'fill="{PROP_FILL}" stroke="{PROP}" stroke-width="1.5"/>'
    )


def _props_behind(figure: Figure, w: _Writer) -> None:
    frames = figure.keyframes  # fixed props sit where the whole movement needs them
    for prop in figure.props:
        kind = prop.get("type")
        if kind == "box":  # a box just under the hips of the named keyframe
            hip = frames[int(prop.get("keyframe", 1))].joints["hip"]
            top = hip[1] + 7
            width = float(prop.get("width", 40))
            w.lines.append(_static_rect(hip[0] - width * 0.6, top, width, GROUND - top))
        elif kind == "bench":
            x, y, bw = float(prop["x"]), float(prop["y"]), float(prop["width"])
            w.lines.append(_static_rect(x, y, bw, 8))
            for leg_x in (x + 6, x + bw - 10):
                w.lines.append(_static_rect(leg_x, y + 8, 4, GROUND - y - 8, 1))
        elif kind == "blocks":  # blocks under the plate where the named keyframe grips it
            hand = frames[int(prop.get("keyframe", 0))].joints["hand_near"]
            top = hand[1] + PLATE_R
            w.lines.append(_static_rect(hand[0] - 22, top, 44, GROUND - top))
        elif kind == "mat":
            x, mw = float(prop.get("x", 20)), float(prop.get("width", 200))
            w.lines.append(_static_rect(x, GROUND - 3, mw, 3, 1))


def _props_front(figure: Figure, w: _Writer) -> None:
    frames = w.frames  # held or worn props move with the body
    for prop in figure.props:
        kind = prop.get("type")
        if kind == "plate":  # a barbell seen end-on, held at a joint
            joint = str(prop.get("at", "hand_near"))
            radius = float(prop.get("r", PLATE_R))
            w.circle(
                [f.joints[joint] for f in frames],
                radius,
                fill="none",
                stroke=PLATE,
                stroke_width="4",
            )
            w.circle([f.joints[joint] for f in frames], 3, fill=PLATE)
        elif kind == "dumbbell":
            joint = str(prop.get("at", "hand_near"))
            w.circle([f.joints[joint] for f in frames], 6, fill=PLATE)
        elif kind == "strap":
            start, end = str(prop["from"]), str(prop["to"])
            w.path(
                [_path([f.joints[start], f.joints[end]]) for f in frames],
                fill="none",
                stroke="#b45309",
                stroke_width="2.5",
                stroke_dasharray="5 3",
            )
        elif kind == "dowel":  # a stick along the back: tailbone, upper back, head
            per_frame = []
            for f in frames:
                hx, hy = f.joints["hip"]
                sx, sy = f.joints["shoulder"]
                ux, uy = (sx - hx) / LENGTHS["trunk"], (sy - hy) / LENGTHS["trunk"]
                bx, by = uy * 7, -ux * 7  # towards the back of the body
                a = (hx - ux * 8 + bx, hy - uy * 8 + by)
                b = (hx + ux * 82 + bx, hy + uy * 82 + by)
                per_frame.append(_path([a, b]))
            w.path(
                per_frame, fill="none", stroke="#b45309", stroke_width="3.5", stroke_linecap="round"
            )
        elif kind == "ring":  # the brace: the waist pushing out all the way round
            per_frame_r = [str(r) for r in prop["radii"]]
            hip = frames[0].joints["hip"]
            sh = frames[0].joints["shoulder"]
            cx, cy = hip[0] * 0.7 + sh[0] * 0.3, hip[1] * 0.7 + sh[1] * 0.3
            anim = w.animate("rx", per_frame_r)
            w.lines.append(
                f'<ellipse cx="{_n(cx)}" cy="{_n(cy)}" rx="{per_frame_r[0]}" ry="8" '
                f'fill="none" stroke="#2563eb" stroke-width="2.5" '
                f'stroke-dasharray="4 3">{anim}</ellipse>'
            )


def _caption_lines(text: str, limit: int = 38) -> list[str]:
    """The cue in at most two lines that fit the figure's width."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > limit:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    if len(lines) > 2:
        raise FigureError(f"cue too long for two lines: {text!r}")
    return lines


def render_svg(figure: Figure, still: int | None = None) -> str:
    """The figure as a standalone animated SVG document (``still``: one keyframe, unmoving)."""
    frames = figure.keyframes if still is None else (figure.keyframes[still],) * 2
    w = _Writer(frames)
    title, cue = escape(figure.title), escape(figure.cue)
    w.lines.append(f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" rx="10" fill="#f8fafc"/>')
    w.lines.append(
        f'<line x1="8" y1="{_n(GROUND)}" x2="{WIDTH - 8}" y2="{_n(GROUND)}" '
        f'stroke="{PROP}" stroke-width="2"/>'
    )
    _props_behind(figure, w)
    common = {"fill": "none", "stroke_linecap": "round", "stroke_linejoin": "round"}
    for chain in LIMB_SEGMENTS:  # far limbs first, behind the body
        w.path(_limb(frames, "far", chain), stroke=FAR, stroke_width="6", **common)
    w.path(
        [_path([f.joints["hip"], f.joints["shoulder"], f.joints["neck"]]) for f in frames],
        stroke=BACK,
        stroke_width="8",
        **common,
    )
    w.circle([f.joints["head"] for f in frames], LENGTHS["head_r"] * figure.scale, fill=NEAR)
    for chain in LIMB_SEGMENTS:
        w.path(_limb(frames, "near", chain), stroke=NEAR, stroke_width="6", **common)
    _props_front(figure, w)
    lines = _caption_lines(figure.cue)
    for index, line in enumerate(lines):
        y = HEIGHT - 5 - 13 * (len(lines) - 1 - index)
        w.lines.append(
            f'<text x="{WIDTH / 2:g}" y="{y}" text-anchor="middle" '
            f'font-family="system-ui, sans-serif" font-size="12" '
            f'fill="#111827">{escape(line)}</text>'
        )
    body = "\n  ".join(line for line in w.lines if line)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="t d">\n'
        f'  <title id="t">{title}</title>\n  <desc id="d">{cue}</desc>\n  {body}\n</svg>\n'
    )


def render_still(figure: Figure, index: int) -> str:
    """One keyframe of the figure as a still SVG (for contact sheets and reviews)."""
    return render_svg(figure, still=index)
