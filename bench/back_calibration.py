"""Pose tracks of the labelled dev clips, cached once, for calibrating the back decisions.

Running MediaPipe over every clip is the slow part (minutes on two shared cores); the
decisions are iterated on the cached tracks. `cache` writes DIR/<id>.npz for every clip in
../shared/data/videos and every clip in ../shared/data/more (split-screen clips once per
panel, cropped by the `crop` boxes of labels.tsv, as <id>__<panel>.npz). Frames are never kept.

    .venv/bin/python bench/back_calibration.py cache /tmp/bc_tracks
"""

from __future__ import annotations

import csv
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

REPO = Path(__file__).resolve().parents[1]
DATA = (REPO / ".." / "shared" / "data").resolve()
if not DATA.exists():  # worktrees sit one level deeper than the main checkout
    DATA = (REPO / ".." / ".." / "shared" / "data").resolve()

CROP = re.compile(r"(?P<name>[A-Za-z]+) x=(?P<x>\d+) y=(?P<y>\d+) w=(?P<w>\d+) h=(?P<h>\d+)")


@dataclass(frozen=True)
class Panel:
    """One crop box of a split-screen clip (x, y, w, h in display pixels)."""

    name: str
    box: tuple[int, int, int, int]


def crop_panels(text: str) -> list[Panel]:
    """The crop boxes written in labels.tsv ("TL x=0 y=0 w=360 h=640 (rounded); ...")."""
    return [
        Panel(m["name"], (int(m["x"]), int(m["y"]), int(m["w"]), int(m["h"])))
        for m in CROP.finditer(text)
    ]


def labels(folder: Path) -> list[dict[str, str]]:
    with (folder / "labels.tsv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def cache(out: Path, first: list[str] | None = None) -> None:
    import dataclasses

    from backcheck.video.decode import probe
    from backcheck.video.pose import CroppedEngine, MediaPipePose, PoseEngine
    from backcheck.video.track import extract_track

    out.mkdir(parents=True, exist_ok=True)
    jobs: list[tuple[str, Path, tuple[int, int, int, int] | None]] = []
    for row in labels(DATA / "videos"):
        jobs.append((row["id"], DATA / "videos" / f"{row['id']}.mp4", None))
    for row in labels(DATA / "more"):
        if row["kind"] != "clip":
            continue
        panels = crop_panels(row["crop"])
        if panels:
            jobs += [(f"{row['id']}__{p.name}", DATA / "more" / row["file"], p.box) for p in panels]
        else:
            jobs.append((row["id"], DATA / "more" / row["file"], None))
    only = "--only" in (first or [])
    first = [f for f in first or [] if f != "--only"]
    order = {name: k for k, name in enumerate(first)}
    jobs.sort(key=lambda j: order.get(j[0], len(order)))
    if only:
        jobs = [j for j in jobs if j[0] in order]
    for name, path, box in jobs:
        npz = out / f"{name}.npz"
        if npz.exists():
            continue
        t0 = time.perf_counter()
        info = probe(path)
        engine: PoseEngine = MediaPipePose()
        if box is not None:
            s = info.analysis_scale
            engine = CroppedEngine(
                engine, (round(box[0] * s), round(box[1] * s), round(box[2] * s), round(box[3] * s))
            )
        try:
            track = extract_track(info, engine)
        finally:
            engine.close()
        if isinstance(engine, CroppedEngine):
            w, h = engine.box[2], engine.box[3]
            track.frame_size = (w, h)
            track.info = dataclasses.replace(
                info, width=round(w / info.analysis_scale), height=round(h / info.analysis_scale)
            )
        tmp = out / f".{name}.tmp.npz"
        track.save(tmp)
        tmp.replace(npz)
        print(f"{name}: {track.n} frames in {time.perf_counter() - t0:.0f} s", flush=True)


class ScaledEngine:
    """A pose engine fed frames shrunk by `factor`: the same clip filmed from further away."""

    def __init__(self, inner: object, factor: float) -> None:
        self.inner = inner
        self.factor = factor
        self.name = getattr(inner, "name", "pose")

    def process(self, rgb: NDArray[np.uint8]) -> object:
        import cv2

        h, w = rgb.shape[:2]
        small = cv2.resize(
            rgb, (round(w * self.factor), round(h * self.factor)), interpolation=cv2.INTER_AREA
        )
        return self.inner.process(np.ascontiguousarray(small))  # type: ignore[attr-defined]

    def close(self) -> None:
        self.inner.close()  # type: ignore[attr-defined]


def cache_small(out: Path, factor: float, ids: list[str]) -> None:
    """Tracks of clips (or panels) shrunk by `factor`, as <id>@<factor>.npz."""
    from backcheck.video.decode import probe
    from backcheck.video.pose import CroppedEngine, MediaPipePose, PoseEngine
    from backcheck.video.track import extract_track

    by_id = {it.id: it for it in items(out)}
    for cid in ids:
        npz = out / f"{cid}@{factor:g}.npz"
        if npz.exists():
            continue
        t0 = time.perf_counter()
        it = by_id[cid]
        info = probe(it.video)
        engine: PoseEngine = ScaledEngine(MediaPipePose(), factor)  # type: ignore[assignment]
        clip, _, panel = cid.partition("__")
        size = info.analysis_size
        if panel:
            row = {r["id"]: r for r in labels(DATA / "more")}[clip]
            box = next(p.box for p in crop_panels(row["crop"]) if p.name == panel)
            s = info.analysis_scale
            box = (round(box[0] * s), round(box[1] * s), round(box[2] * s), round(box[3] * s))
            engine = CroppedEngine(engine, box)
            size = (box[2], box[3])
        try:
            track = extract_track(info, engine)
        finally:
            engine.close()
        track.scale = info.analysis_scale * factor
        track.frame_size = (round(size[0] * factor), round(size[1] * factor))
        tmp = out / f".{cid}@{factor:g}.tmp.npz"
        track.save(tmp)
        tmp.replace(npz)
        print(f"{cid}@{factor:g}: {track.n} frames in {time.perf_counter() - t0:.0f} s", flush=True)


def load_small(tracks: Path, cid: str, factor: float) -> object:
    """A shrunk track (see cache_small) with its VideoInfo sized to match."""
    import dataclasses

    from backcheck.video.decode import probe
    from backcheck.video.track import Track

    it = {i.id: i for i in items(tracks)}[cid]
    info = probe(it.video)
    track = Track.load(tracks / f"{cid}@{factor:g}.npz", info)
    w, h = track.frame_size
    track.scale = 1.0  # the shrunk frames are the "video": its pixels are what the camera saw
    track.info = dataclasses.replace(info, width=w, height=h)
    return track


@dataclass(frozen=True)
class Item:
    """A cached clip (or panel) with its reviewer labels."""

    id: str
    lifter: str
    lift: str
    view: str
    label: str
    segments: str
    npz: Path
    video: Path


LIFTERS = {  # same person and camera: the unit that leave-one-lifter-out holds out
    "dl_garage": "garage",
    "bx_": "garage",
    "dl_shield": "shield",
    "dl_posereader": "posereader",
    "rdl_posereader": "posereader",
    "dl_luke": "luke",
    "sq_luke": "luke_sq",
    "dl_formfit": "formfit",
    "sq_formfit": "formfit_sq",
    "dl_yfgd": "yfgd_pink",
    "yfgd_belt": "yfgd_belt",
    "vk_rdl": "vk_rdl",
    "vk_goblet_buttwink": "vk_goblet",
    "vk_goblet_hunch": "vk_goblet2",
    "bx_olive": "olive",
}


def lifter_of(clip_id: str) -> str:
    if clip_id.startswith("dl_posereader_nico"):
        return "nico"
    for prefix, who in LIFTERS.items():
        if (clip_id.startswith(prefix) and not clip_id.startswith("bx_olive")) or (
            prefix == "bx_olive" and clip_id.startswith(prefix)
        ):
            return who
    return clip_id.split("__")[0]


def panel_label(row: dict[str, str], panel: str) -> str:
    """The label of one crop panel, read from the crop text ("(rounded)", "(neutral)")."""
    m = re.search(rf"{panel} x=\d+ y=\d+ w=\d+ h=\d+ \(([\w ]+)", row["crop"])
    if m:
        return "rounded" if m.group(1) == "butt wink" else m.group(1)
    seg = row["segments"].lower()
    m = re.search(rf"{panel.lower()}\w* panel: (\w+)", seg)
    return m.group(1) if m else "unclear"


def items(tracks: Path) -> list[Item]:
    out: list[Item] = []
    for row in labels(DATA / "videos"):
        out.append(
            Item(
                row["id"],
                lifter_of(row["id"]),
                row["lift"],
                row["view"],
                row["back_label"],
                "",
                tracks / f"{row['id']}.npz",
                DATA / "videos" / f"{row['id']}.mp4",
            )
        )
    for row in labels(DATA / "more"):
        if row["kind"] != "clip":
            continue
        panels = crop_panels(row["crop"])
        video = DATA / "more" / row["file"]
        if panels:
            for p in panels:
                cid = f"{row['id']}__{p.name}"
                out.append(
                    Item(
                        cid,
                        row["id"],
                        row["subject"],
                        row["view"],
                        panel_label(row, p.name),
                        "",
                        tracks / f"{cid}.npz",
                        video,
                    )
                )
        else:
            out.append(
                Item(
                    row["id"],
                    lifter_of(row["id"]),
                    row["subject"],
                    row["view"],
                    row["back_label"],
                    row["segments"],
                    tracks / f"{row['id']}.npz",
                    video,
                )
            )
    return [i for i in out if i.npz.exists()]


def load(item: Item) -> object:
    import dataclasses

    from backcheck.video.decode import probe
    from backcheck.video.track import Track

    info = probe(item.video)
    track = Track.load(item.npz, info)
    if "__" in item.id:
        w, h = track.frame_size
        track.info = dataclasses.replace(
            info, width=round(w / info.analysis_scale), height=round(h / info.analysis_scale)
        )
    return track


def table(tracks: Path) -> None:
    from backcheck.video.analysis import analyze_track

    print(
        "id\tlifter\tlabel\tview\tlift\ttorso\treps\tjudged\twhole\tvalley\tlumbar\t"
        "call\tconf\treason"
    )
    for it in items(tracks):
        a = analyze_track(load(it))  # type: ignore[arg-type]
        s = a.back_summary
        f = a.findings["back_rounds_at_bottom"]
        print(
            "\t".join(
                str(x)
                for x in (
                    it.id,
                    it.lifter,
                    it.label,
                    a.view,
                    a.lift,
                    a.back_judgement.torso_px,
                    len(a.reps),
                    sum(r.back.judgeable for r in a.reps),
                    s.whole_bow if s else "",
                    s.valley if s else "",
                    s.lumbar_bow if s else "",
                    f,
                    a.finding_confidence.get("back_rounds_at_bottom", ""),
                    a.finding_reason["back_rounds_at_bottom"],
                )
            ),
            flush=True,
        )


NON_LIFTING = (
    "tr_cat_cow",
    "tr_childs",
    "pf_forward",
    "pf_standing",
    "pf_cobra",
    "pf_downdog",
    "vk_goblet_hunch",
    "vk_db_back_extension",
)


@dataclass(frozen=True)
class Row:
    """A judged lifting clip's bottom-of-rep measures (threshold-free) and its label."""

    id: str
    lifter: str
    label: str
    whole: float
    valley: float
    lumbar: float


def rows(tracks: Path) -> list[Row]:
    """Judged side-view lifting clips labelled neutral or rounded (the calibration set)."""
    from backcheck.video.analysis import analyze_track

    out: list[Row] = []
    for it in items(tracks):
        if it.label not in ("neutral", "rounded") or it.id.startswith(NON_LIFTING):
            continue
        a = analyze_track(load(it))  # type: ignore[arg-type]
        s = a.back_summary
        if s is None or a.view != "side" or not a.back_judgement.judgeable:
            continue  # the single-clip gate (size, view) as the call itself applies it
        out.append(Row(it.id, it.lifter, it.label, s.whole_bow, s.valley, s.lumbar_bow or 0.0))
    return out


def auc(pos: list[float], neg: list[float]) -> float:
    """P(a rounded clip's value > a neutral clip's), ties half."""
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


@dataclass(frozen=True)
class Fit:
    """Single-clip parameters fitted on a training set (same meaning as in decisions.py)."""

    neutral_whole: float
    neutral_valley: float
    spread_whole: float
    spread_valley: float
    clear: float


def score(f: Fit, whole: float, valley: float) -> float:
    return (
        (whole - f.neutral_whole) / f.spread_whole + (f.neutral_valley - valley) / f.spread_valley
    ) / 2


def fit(train: list[Row], margin: float) -> Fit:
    neutral = [r for r in train if r.label == "neutral"]
    w = np.array([r.whole for r in neutral])
    v = np.array([r.valley for r in neutral])
    base = Fit(
        float(np.median(w)),
        float(np.median(v)),
        max(float(np.std(w)), 0.01),
        max(float(np.std(v)), 0.01),
        0.0,
    )
    rounded = [score(base, r.whole, r.valley) for r in train if r.label == "rounded"]
    clear = min(rounded) - margin if rounded else -1.0
    return Fit(
        base.neutral_whole,
        base.neutral_valley,
        base.spread_whole,
        base.spread_valley,
        min(clear, -0.5),
    )


def call(f: Fit, r: Row, possible: float) -> bool | None:
    sc = score(f, r.whole, r.valley)
    if sc >= possible:
        return True
    if sc <= f.clear and r.whole <= f.neutral_whole and r.valley >= f.neutral_valley:
        return False
    return None


def loo(tracks: Path) -> None:
    data = rows(tracks)
    pos = [r for r in data if r.label == "rounded"]
    neg = [r for r in data if r.label == "neutral"]
    print(
        f"calibration set: {len(pos)} rounded, {len(neg)} neutral judged lifting clips, "
        f"{len({r.lifter for r in data})} lifters"
    )
    for name in ("whole", "lumbar"):
        print(
            f"AUC {name}: "
            f"{auc([getattr(r, name) for r in pos], [getattr(r, name) for r in neg]):.2f}"
        )
    print(
        "AUC valley (lower = rounder): "
        f"{auc([-r.valley for r in pos], [-r.valley for r in neg]):.2f}"
    )
    full = fit(data, 0.5)
    print(
        "AUC combined score: "
        f"{auc([score(full, r.whole, r.valley) for r in pos], [score(full, r.whole, r.valley) for r in neg]):.2f}"  # noqa: E501
    )
    for possible in (0.5, 1.0, 1.5):
        for margin in (0.25, 0.5, 1.0):
            res: dict[str, list[bool | None]] = {"rounded": [], "neutral": []}
            for lifter in sorted({r.lifter for r in data}):
                train = [r for r in data if r.lifter != lifter]
                f = fit(train, margin)
                for r in data:
                    if r.lifter == lifter:
                        res[r.label].append(call(f, r, possible))
            rr, nn = res["rounded"], res["neutral"]
            sens = sum(c is True for c in rr) / len(rr)
            spec = sum(c is not True for c in nn) / len(nn)
            false_no = sum(c is False for c in rr) / len(rr)
            no_on_neutral = sum(c is False for c in nn) / len(nn)
            yes = sum(c is True for c in rr) + sum(c is True for c in nn)
            ppv = sum(c is True for c in rr) / yes if yes else float("nan")
            nos = sum(c is False for c in rr) + sum(c is False for c in nn)
            npv = sum(c is False for c in nn) / nos if nos else float("nan")
            print(
                f"possible>={possible} margin={margin}: sensitivity {sens:.2f} specificity "
                f"{spec:.2f} false-no {false_no:.2f} ({sum(c is False for c in rr)}/{len(rr)}) "
                f"'no' on neutral {no_on_neutral:.2f} PPV {ppv:.2f} NPV {npv:.2f}"
            )
    print(f"fit on all: {full}")
    for r in data:
        print(
            f"  {r.id:34s} {r.lifter:22s} {r.label:8s} whole {r.whole:+.3f} valley {r.valley:+.3f} "
            f"lumbar {r.lumbar:+.3f} score {score(full, r.whole, r.valley):+.2f}"
        )


def lift_of_label(text: str) -> str | None:
    """The lift a reviewer's description names (None for stretches and other non-lifts)."""
    t = text.lower()
    if "good morning" in t:
        return "good_morning"
    if "overhead press" in t or "shoulder press" in t:
        return "overhead_press"
    if "romanian" in t or "rdl" in t or "stiff" in t:
        return "rdl"
    if "deadlift" in t or "rack pull" in t:
        return "deadlift"
    if "squat" in t:
        return "squat"
    return None


def lifts(tracks: Path) -> None:
    """Confusion table of the detected lift against the reviewer's, on every cached clip."""
    from backcheck.video.reps import LIFTS, detect_lift

    names = [*LIFTS, "unknown"]
    table: dict[tuple[str, str], int] = {}
    wrong: list[str] = []
    for it in items(tracks):
        truth = lift_of_label(it.lift)
        if truth is None:
            continue
        track = load(it)
        guess = detect_lift(track.image.astype(float))  # type: ignore[attr-defined]
        table[(truth, guess.lift)] = table.get((truth, guess.lift), 0) + 1
        if guess.lift != truth:
            wrong.append(
                f"  {it.id} ({it.view}): {truth} detected as {guess.lift} - {guess.reason}"
            )
    print("| reviewer \\ detected | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for truth in LIFTS:
        print(f"| {truth} | " + " | ".join(str(table.get((truth, g), 0)) for g in names) + " |")
    total = sum(table.values())
    right = sum(v for (t, g), v in table.items() if t == g)
    print(f"correct {right}/{total}")
    print("\n".join(wrong))


ROUNDED_PAIRS = [  # same lifter, camera, clothes: (rounded, neutral)
    ("dl_garage_rounded", "dl_garage_neutral"),
    ("dl_shield_rounded", "dl_shield_neutral"),
    ("dl_posereader_rounded", "dl_posereader_neutral"),
    ("vk_rdl_wrong_right_grid__TL", "vk_rdl_wrong_right_grid__TR"),
    ("vk_goblet_buttwink_split__left", "vk_goblet_buttwink_split__right"),
]
NEUTRAL_PAIRS = [
    ("vk_rdl_wrong_right_grid__TR", "vk_rdl_wrong_right_grid__BL"),
    ("vk_rdl_wrong_right_grid__TR", "vk_rdl_wrong_right_grid__BR"),
    ("vk_rdl_wrong_right_grid__BL", "vk_rdl_wrong_right_grid__BR"),
    ("bx_olive_lockout_side", "bx_olive_descent_side"),
    ("dl_garage_neutral", "dl_garage_extended"),  # arched vs neutral: must not read rounder
]


def pairs(tracks: Path) -> None:
    """Reference comparisons both ways on same-lifter pairs, and the neutral-pair noise."""
    from backcheck.video.analysis import analyze_track

    by_id = {it.id: it for it in items(tracks)}
    cache: dict[str, object] = {}

    def track(cid: str) -> object:
        if cid not in cache:
            cache[cid] = load(by_id[cid])
        return cache[cid]

    for title, plist in (
        ("rounded vs neutral", ROUNDED_PAIRS),
        ("neutral vs neutral", NEUTRAL_PAIRS),
    ):
        print(f"## {title}")
        for a_id, b_id in plist:
            if a_id not in by_id or b_id not in by_id:
                print(f"  {a_id} / {b_id}: not cached")
                continue
            for clip, ref in ((a_id, b_id), (b_id, a_id)):
                a = analyze_track(track(clip), reference=track(ref), reference_name=ref)  # type: ignore[arg-type]
                cmp = [c for c in a.comparisons if c.kind == "reference"]
                dw = np.median([c.whole_change for c in cmp]) if cmp else float("nan")
                dv = np.median([c.valley_change for c in cmp]) if cmp else float("nan")
                used = a.reference.used if a.reference else False
                why = (
                    ""
                    if used
                    else " NOT COMPARED: "
                    + str(a.reference.reason if a.reference else a.back_judgement.reason)
                )
                print(
                    f"  {clip} vs ref {ref}: d_whole {dw:+.3f} d_valley {dv:+.3f} -> "
                    f"rounds {a.findings['back_rounds_at_bottom']} "
                    f"({a.finding_basis['back_rounds_at_bottom']}), arches "
                    f"{a.findings['back_arches_at_setup']}{why}"
                )


def reps(tracks: Path) -> None:
    """Rep-to-rep noise of the bottom measures in multi-rep sets, and the calls made."""
    from backcheck.video.analysis import analyze_track

    sds_w: list[float] = []
    sds_v: list[float] = []
    for it in items(tracks):
        a = analyze_track(load(it))  # type: ignore[arg-type]
        judged = [r for r in a.reps if r.back.judgeable]
        if len(judged) < 3:
            continue
        w = np.array([r.back.bottom.whole_bow for r in judged], float)
        v = np.array([r.back.bottom.valley for r in judged], float)
        calls = [c.rounds_more for c in a.comparisons if c.kind == "rep_to_rep"]
        if it.label == "neutral":
            sds_w.append(float(np.std(w, ddof=1)))
            sds_v.append(float(np.std(v, ddof=1)))
        print(
            f"  {it.id} ({it.label}): {len(judged)} reps, whole "
            + " ".join(f"{x:+.3f}" for x in w)
            + " | valley "
            + " ".join(f"{x:+.3f}" for x in v)
            + f" | SD {np.std(w, ddof=1):.3f}/{np.std(v, ddof=1):.3f} | rep-to-rep calls {calls} "
            f"-> {a.findings['back_rounds_at_bottom']} ({a.finding_basis['back_rounds_at_bottom']})"
        )
    if sds_w:
        print(
            f"neutral sets: median rep-to-rep SD whole {np.median(sds_w):.3f}, "
            f"valley {np.median(sds_v):.3f}"
        )


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "small":
        cache_small(Path(sys.argv[2]), float(sys.argv[3]), sys.argv[4:])
        sys.exit(0)
    if len(sys.argv) == 3 and sys.argv[1] in ("pairs", "reps"):
        {"pairs": pairs, "reps": reps}[sys.argv[1]](Path(sys.argv[2]))
        sys.exit(0)
    if len(sys.argv) == 3 and sys.argv[1] == "lifts":
        lifts(Path(sys.argv[2]))
        sys.exit(0)
    if len(sys.argv) == 3 and sys.argv[1] == "loo":
        loo(Path(sys.argv[2]))
        sys.exit(0)
    if len(sys.argv) >= 3 and sys.argv[1] == "cache":
        cache(Path(sys.argv[2]), sys.argv[3:])
    elif len(sys.argv) == 3 and sys.argv[1] == "table":
        table(Path(sys.argv[2]))
    else:
        print(__doc__)
        sys.exit(2)
