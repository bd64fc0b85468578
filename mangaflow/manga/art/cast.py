"""Staging the cast in a panel: each character's place, size, facing, pose and
expression by shot (close-ups frame one face, action shots set the attacker first on a
diagonal, medium shots show waists up, wide shots stand figures on the ground)."""

from __future__ import annotations

import random

from mangaflow.manga.art.figures import body_lift
from mangaflow.manga.art.look import Look, look_for
from mangaflow.platform.ports import CharacterLook

_EXPR_WORDS = (
    ("happy", ("smil", "laugh", "grin", "cheer", "giggl", "beam")),
    ("sad", ("cry", "tear", "sob", "weep", "mourn", "sigh")),
    ("shout", ("shout", "yell", "scream", "roar", "bellow")),
    ("surprised", ("surpris", "shock", "gasp", "stun", "startl")),
    ("angry", ("angry", "glare", "furious", "scowl", "snarl", "determined")),
)


def _expression(mood: str, description: str, rng: random.Random) -> str:
    text = (description or "").casefold()
    for expr, words in _EXPR_WORDS:
        if any(w in text for w in words):
            return expr
    return {
        "happy": "happy",
        "sad": "sad",
        "tense": "angry",
        "eerie": "scared",
    }.get(mood, rng.choice(("neutral", "neutral", "happy")))


def _pose(mood: str, action: bool, rng: random.Random) -> str:
    if action:
        return rng.choice(("run", "punch", "fight"))
    return rng.choice(
        {
            "happy": ("wave", "cheer", "stand", "hip"),
            "sad": ("slump", "stand"),
            "tense": ("fight", "brace", "stand", "point"),
            "eerie": ("brace", "stand", "think"),
        }.get(mood, ("stand", "hip", "point", "think", "stand"))
    )


def _positions(chars: list[CharacterLook]) -> list[float]:
    """Horizontal centres (0..1). Crowded or coinciding positions are spread into evenly
    spaced slots, keeping the requested left-to-right order."""
    pos = [min(0.95, max(0.05, float(c.position))) for c in chars]
    n = len(pos)
    if n > 1:
        order = sorted(range(n), key=lambda i: (pos[i], i))
        gaps = [pos[b] - pos[a] for a, b in zip(order, order[1:], strict=False)]
        if min(gaps) < 0.5 / n:
            slots = [(k + 1) / (n + 1) for k in range(n)]
            for slot, i in zip(slots, order, strict=True):
                pos[i] = slot
    return pos


def layout_cast(
    chars: list[CharacterLook],
    shot: str,
    W: int,
    H: int,
    ground_y: float,
    rng: random.Random,
    mood: str,
    action: bool,
    description: str,
) -> list[dict]:
    if not chars:
        return []
    chars = list(chars)[:6]
    looks: list[Look] = [look_for(c) for c in chars]
    pos = _positions(chars)
    base_expr = _expression(mood, description, rng)
    out: list[dict] = []
    centre = sum(pos) / len(pos)

    def facing_for(p: float) -> int:
        if len(pos) == 1:
            return 1 if p <= 0.5 else -1
        return 1 if p < centre else -1 if p > centre else rng.choice((-1, 1))

    if shot in ("close-up", "extreme-close-up"):
        look = looks[0]
        pose = "stand"
        lift = body_lift(look, pose)
        if shot == "close-up":
            hh = min(H * 0.6, W * 0.72)
            cy = H * 0.5
            fy = cy + (look.heads - 0.47 + lift) * hh
        else:
            hh = min(H * 1.25, W * 1.5)
            cy = H * 0.5
            fy = cy + (look.heads - 0.47 - 0.15 + lift) * hh
        x = W * (0.5 + (pos[0] - 0.5) * 0.35)
        f = 1 if pos[0] <= 0.5 else -1
        out.append(
            dict(
                look=look,
                x=x,
                fy=fy,
                hh=hh,
                facing=f,
                pose=pose,
                expr=base_expr,
                lean=0.0,
                wind=0.6 if action else 0.0,
                shadow=False,
                head=(x, cy),
                hand_hint=(x, cy),
            )
        )
        return out

    n = len(chars)
    if shot == "action":
        order = sorted(range(n), key=lambda i: pos[i])
        hh = min(H * 0.105, W / (2.2 * n * 1.3))
        for rank, i in enumerate(order):
            look = looks[i]
            t = rank / max(1, n - 1)
            x = W * pos[i]
            f = facing_for(pos[i])
            attacker = rank == 0 if n > 1 else True
            pose = (
                rng.choice(("leap", "punch"))
                if attacker
                else rng.choice(("brace", "fight", "punch"))
            )
            fy = H * (0.7 + 0.26 * t) if n > 1 else H * 0.9
            lean = 0.22 if attacker else -0.06
            expr = "shout" if attacker else rng.choice(("angry", "surprised", "shout"))
            head = (x + f * lean * look.heads * hh, fy - (look.heads - 0.5) * hh)
            out.append(
                dict(
                    look=look,
                    x=x,
                    fy=fy,
                    hh=hh,
                    facing=f,
                    pose=pose,
                    expr=expr,
                    lean=lean,
                    wind=1.0,
                    shadow=pose not in ("leap",),
                    head=head,
                    hand_hint=(x + f * 1.6 * hh, fy - (look.heads * 0.7) * hh),
                )
            )
        return out  # the attacker first: focus lines and the burst sit between it and its target

    if shot == "establishing":
        hh = H * 0.045
    elif shot == "wide":
        hh = min(H * 0.08, W / (2.8 * n * 1.1))
    else:  # medium: waist up, spread across the panel, neighbours may overlap a little
        if n > 1:
            k = {2: 0.24, 3: 0.32}.get(n, 0.36)
            lo, hi = min(pos), max(pos)
            pos = [0.5 - k + 2 * k * (p - lo) / (hi - lo) for p in pos]
        xs = sorted(pos)
        gap = min([b - a for a, b in zip(xs, xs[1:], strict=False)] + [2 * xs[0], 2 * (1 - xs[-1])])
        widest = max(lk.shoulder for lk in looks) + max(lk.limb for lk in looks)
        hh = min(H * 0.27, gap * W / (2 * widest) * 1.6)
    for i, look in enumerate(looks):
        x = W * pos[i]
        f = facing_for(pos[i])
        pose = _pose(mood, action, rng)
        if shot == "medium" and n > 1 and pose in ("point", "punch", "run"):
            pose = (
                "fight" if action or mood == "tense" else "stand"
            )  # no arms across a neighbour's face
        if shot == "medium":
            fy = H * 0.86 + 3.32 * hh  # waists near the bottom edge
            shadow = False
        else:
            fy = ground_y
            shadow = True
        expr = base_expr if i == 0 or rng.random() < 0.6 else _expression(mood, "", rng)
        lean = 0.12 if action else 0.0
        head = (x, fy - (look.heads - 0.47 + body_lift(look, pose)) * hh)
        out.append(
            dict(
                look=look,
                x=x,
                fy=fy,
                hh=hh,
                facing=f,
                pose=pose,
                expr=expr,
                lean=lean,
                wind=0.8 if action else 0.0,
                shadow=shadow,
                head=head,
                hand_hint=head,
            )
        )
    return out
