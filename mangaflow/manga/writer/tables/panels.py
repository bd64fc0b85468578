"""Panel tables: locations and details per setting kind, scene captions, shot framings,
and what one, two or no characters do in a panel."""

from __future__ import annotations

# fmt: off

LOCATIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "city": (("the rooftop water tanks", "the night market", "a cramped ramen stall", "the elevated train platform"),
             ("neon signboards buzzing overhead", "puddles reflecting pink and blue light", "laundry lines strung between balconies", "a crowd of umbrellas")),
    "forest": (("a moss-covered clearing", "the old rope bridge", "a hollow beneath giant roots", "the firefly stream"),
               ("shafts of green light through the canopy", "ferns taller than a person", "mist curling between cedar trunks", "fireflies drifting in the dusk")),
    "school": (("the classroom by the window", "the rooftop behind the chain fence", "the empty gym", "the school gate under the cherry trees"),
               ("sunlight across rows of desks", "cherry petals scattered on the floor", "a chalkboard full of scribbled notes", "club posters lining the corridor")),
    "space": (("the observation deck", "the cargo bay", "the bridge of the ship", "a narrow maintenance corridor"),
              ("a blue planet filling the viewport", "blinking status lights", "tools floating on tethers", "stars streaking past the glass")),
    "castle": (("the great hall", "the throne room", "the battlements at dusk", "the winding tower stair"),
               ("banners hanging from the rafters", "torchlight on cold stone", "stained-glass windows", "a long banquet table")),
    "ocean": (("the deck of the ship", "the harbour pier", "a coral cave", "the lighthouse gallery"),
              ("spray bursting over the rail", "gulls wheeling overhead", "nets heavy with seaweed", "a glittering horizon")),
    "desert": (("the caravan camp", "a sandstone canyon", "the oasis market", "the crest of a dune"),
               ("heat shimmer on the horizon", "bright tents snapping in the wind", "half-buried stone statues", "a sky crowded with stars")),
    "village": (("the village square", "the terraced fields", "the bathhouse steps", "the little bridge over the stream"),
                ("lanterns strung between tiled roofs", "a cat dozing on a barrel", "steam rising from the bathhouse", "neighbours waving from doorways")),
    "lab": (("the main laboratory", "the server room", "the testing chamber", "a cluttered workshop"),
            ("holographic screens", "cables snaking across the floor", "bubbling glass tubes", "a half-built machine under a tarp")),
    "arena": (("the centre of the arena", "the locker room", "the packed stands", "the entrance tunnel"),
              ("a roaring crowd", "spotlights sweeping the field", "a giant scoreboard", "banners in team colours")),
    "shrine": (("the torii gate", "the shrine courtyard", "the stone lantern path", "the prayer hall"),
               ("red gates climbing the hill", "paper charms fluttering", "curls of incense smoke", "a sacred tree wrapped in rope")),
    "mountain": (("the summit ridge", "a mountain hut", "the frozen waterfall", "a cliffside path"),
                 ("clouds drifting below the ridge", "prayer flags snapping in the wind", "snow on pine branches", "a sheer drop into mist")),
    "ruins": (("a collapsed temple", "an overgrown plaza", "the buried library", "a broken aqueduct"),
              ("vines over carved pillars", "glowing runes on fallen stone", "sunlight through a shattered dome", "statues worn smooth by time")),
}

SCENE_CAPTIONS = ("Later, at {location} in {place}.", "Meanwhile, {hero} heads for {location}.",
                  "That evening in {place}: {location}.", "A little later, {hero} reaches {location}.")

SHOT_FRAMES: dict[str, tuple[str, ...]] = {
    "establishing": ("Establishing shot of {location} in {place}: {detail}.", "Panoramic view over {place}, {detail}, with {location} in the foreground."),
    "wide": ("Wide shot across {location}, {detail}.", "Wide view of {location}; {detail} frame the scene."),
    "medium": ("Medium shot at {location}, {detail} behind them.", "Waist-up framing at {location}, {detail} in the background."),
    "close-up": ("Close-up at {location}, {detail} blurred behind.", "Tight close-up, {detail} soft in the background."),
    "extreme-close-up": ("Extreme close-up; the background dissolves into screentone.", "Extreme close-up, nothing else in frame."),
    "action": ("Dynamic action shot at {location}, speed lines streaking past {detail}.", "Tilted action frame with speed lines; {detail} blur past."),
}

# Two-person actions between friends, per beat.
ACTIONS: dict[str, tuple[str, ...]] = {
    "open": ("{a} stretches and grins at the morning while {b} trails behind with a yawn.",
             "{a} points toward the horizon as {b} squints at a crumpled map.",
             "{a} waves, and {b} hurries over carrying too many bags.",
             "{a} and {b} share a steaming snack, talking with their mouths full.",
             "{b} taps {a} on the shoulder, and {a} jumps a foot in the air."),
    "tension": ("{a} crouches to study strange marks on the ground while {b} keeps watch.",
                "{a} and {b} press flat against a wall, listening hard.",
                "{a} grabs {b}'s sleeve and points at something in the distance.",
                "{a} and {b} compare notes in hushed voices.",
                "{b} catches {a} by the arm just before a misstep."),
    "climax": ("{a} and {b} stand back to back, ready for anything.",
               "{a} reaches for {b}'s outstretched hand as everything shakes.",
               "{a} finally says what has been left unsaid, and {b} freezes.",
               "{a} and {b} run flat out, the {object} held tight between them."),
    "close": ("{a} and {b} sit side by side, watching the sky change colour.",
              "{a} laughs as {b} ruffles their hair.",
              "{a} and {b} walk home slowly, long shadows stretching behind them.",
              "{a} hands {b} a warm drink, and both finally relax.",
              "{a} and {b} bump fists, grinning."),
}

# Actions when {b} is a rival or an antagonist; FIGHTS only in action-ish climaxes.
CLASHES: tuple[str, ...] = (
    "{a} steps between {b} and the {object}, fists clenched.",
    "{a} and {b} argue nose to nose, sparks of rivalry crackling between them.",
    "{b} blocks {a}'s path with a cold smile.",
    "{a} and {b} circle each other warily.",
    "{a} and {b} face each other, the {object} on the ground between them.",
)

FIGHTS: tuple[str, ...] = (
    "{a} charges forward and {b} meets the rush head-on in a burst of light.",
    "{a} and {b} collide in mid-air, shockwaves rippling outward.",
    "{a} ducks under {b}'s sweeping strike and springs back up.",
)

SOLO: dict[str, tuple[str, ...]] = {
    "open": ("{a} takes a deep breath, eyes bright with determination.", "{a} straightens their {outfit} and squares their shoulders."),
    "tension": ("{a} grits their teeth, a bead of sweat sliding down one cheek.", "{a} glances over one shoulder, suddenly uneasy."),
    "climax": ("{a} leaps, silhouetted against a blaze of light.", "{a} roars, hair whipping in a sudden gust."),
    "close": ("{a} smiles softly, looking at the {object}.", "{a} closes their eyes, finally at ease."),
}

EXTREME: tuple[str, ...] = ("{a}'s eyes widen, pupils shrinking to pinpoints.", "{a}'s hand tightens around the {object}.",
                            "A single drop of sweat slides down {a}'s temple.", "{a}'s lips press into a thin, determined line.")

# Two-person movement for action shots between friends.
RUSHES: tuple[str, ...] = (
    "{a} vaults over an obstacle with {b} right behind.",
    "{a} and {b} sprint flat out, coats flapping behind them.",
    "{a} pulls {b} clear as something crashes down where they stood.",
    "{a} and {b} dive for cover, debris raining around them.",
)

EMPTY: tuple[str, ...] = ("No one is in sight yet; only {detail}.", "The place is quiet, waiting.")

# fmt: on
