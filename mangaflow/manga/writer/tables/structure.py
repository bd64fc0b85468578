"""Story and episode structure: episode titles and summaries by phase, loglines, story
titles and setting lines, reader-note motifs, gentle replacements, arc phases for short
outlines, and pacing (beats per page, panels per page, speakers per panel)."""

from __future__ import annotations

# fmt: off

EPISODE_TITLES: dict[str, tuple[str, ...]] = {
    "setup": ("The {Object}", "Arrival in {place}", "A Stranger Named {hero}", "First Light over {place}"),
    "rising": ("The Road to the {Object}", "Lessons in {noun}", "An Unlikely Team", "Footsteps in {place}"),
    "turn": ("Masks Fall", "The Truth About the {Object}", "{rival}'s Secret", "Cracks in the {word}"),
    "crisis": ("The Day the {word} Broke", "The Longest Night", "Alone in {place}", "Everything Lost"),
    "climax": ("{word} of {noun}", "The Final Bell", "Showdown in {place}", "All or Nothing"),
    "resolution": ("After the Storm", "A New Morning in {place}", "Promises Kept", "The Way Home"),
    "complete": ("{word} of {noun}", "One Day in {place}", "The {Object}"),
}

EPISODE_SUMMARIES: dict[str, tuple[str, ...]] = {
    "setup": ("{hero} arrives in {place} and stumbles onto the {object}. {ally} offers to help, but {rival} makes it clear that only one of them will {goal}.",
              "An ordinary day in {place} ends when the {object} falls into {hero}'s hands. Word spreads, and {threat} takes notice."),
    "rising": ("{hero} and {ally} follow the first clues toward the {object}, while {mentor} teaches a lesson that {hero} does not want to learn.",
               "Training, arguments and one very long night: {hero} and {rival} learn to work together as {threat} draws closer."),
    "turn": ("A secret about the {object} comes to light, and {hero} begins to doubt everyone, even {ally}.",
             "{rival} makes a choice nobody expected, and the plan to {goal} falls apart."),
    "crisis": ("{threat} seizes the upper hand. Separated from {ally}, {hero} must find the strength to keep going.",
               "The {object} is lost and {place} is in danger; {hero} hits rock bottom before finding a way forward."),
    "climax": ("Everything comes together in {place}: {hero}, {ally} and {rival} make their stand against {threat} for the {object}.",
               "{hero} faces {foe} at last, with the {object} and the future of {place} on the line."),
    "resolution": ("With {threat} stopped, {hero} and friends rebuild what was broken, and {place} celebrates under a clear sky.",
                   "Quiet returns to {place}. {hero} keeps one last promise and looks toward the next adventure."),
    "complete": ("{hero} sets out to {goal}, teams up with {ally}, clashes with {rival} and stands up to {threat} before the day is done.",),
}

LOGLINES = (
    "In {place}, {hero_desc}, must {goal} before {threat} takes everything they love.",
    "{hero_desc}, has one chance to {goal}, but {threat} and a rival named {rival} stand in the way.",
    "When the {object} falls into their hands, {hero_desc}, must {goal} and discover what {ideal} really means.",
)

# Harmless motifs a reader's notes may add to the setting (only these, never free text).
NOTE_MOTIFS: dict[str, str] = {
    "cat": "stray cats dozing on warm windowsills", "cats": "stray cats dozing on warm windowsills",
    "dog": "friendly dogs trotting beside their owners", "dogs": "friendly dogs trotting beside their owners",
    "rain": "a soft rain that never quite stops", "snow": "snow that falls early every year",
    "train": "old trains rattling past at dusk", "trains": "old trains rattling past at dusk",
    "dragon": "kites shaped like dragons over the rooftops", "dragons": "kites shaped like dragons over the rooftops",
    "robot": "little delivery robots humming along the pavements", "robots": "little delivery robots humming along the pavements",
    "music": "street musicians on every corner", "coffee": "tiny coffee stands that open before dawn",
    "tea": "tea houses with paper lanterns", "cherry": "cherry blossoms drifting on the wind",
    "lantern": "paper lanterns glowing in every window", "lanterns": "paper lanterns glowing in every window",
    "ocean": "the smell of the sea on every breeze", "sea": "the smell of the sea on every breeze",
    "stars": "night skies thick with stars", "moon": "an unusually large moon", "flowers": "flower boxes on every balcony",
    "books": "a library that never closes", "library": "a library that never closes", "bread": "bakeries warm with fresh bread",
    "festival": "festival drums echoing in the distance", "birds": "flocks of birds wheeling over the roofs",
    "ramen": "ramen stalls steaming on every corner", "bikes": "bicycles leaning against every wall",
    "games": "arcades full of blinking machines", "ghosts": "old ghost stories told in hushed voices",
}

# Words no G/PG or children's story may contain, and gentler replacements.
SOFTEN: dict[str, str] = {
    "kill": "stop", "kills": "stops", "killed": "stopped", "killing": "stopping", "killer": "culprit",
    "blood": "ink", "bloody": "muddy", "death": "the end", "deaths": "losses", "dead": "lost", "die": "fall",
    "dies": "falls", "died": "fell", "dying": "fading", "murder": "crime", "murdered": "wronged",
    "gore": "mess", "gory": "messy", "corpse": "statue", "corpses": "statues", "slaughter": "rout",
}

GENERIC_TITLES = ("{word} of {noun}", "The {adj} {word}", "{noun} of {place}")

SETTING_LINES = (
    "Life there gathers around {loc1} and {loc2}, among {detail}.",
    "Everyone in {place} has heard stories about the {object}.",
)

TREND_LINE = "Lately, everyone in {place} is talking about {trend}."

MOTIF_LINE = "Look closely and you will find {motif}."

FOE_LINE = "Pulling the strings behind {threat} is {foe}."

DARK_ARC_LINE = "Not everyone who starts this journey will live to see its end."

# Episode phase by outline length (longer outlines: see writer/taste.py, arc_phase).
SHORT_ARCS: dict[int, tuple[str, ...]] = {
    1: ("complete",), 2: ("setup", "climax"), 3: ("setup", "crisis", "climax"),
}

# Beats per page for very short episodes; longer ones: open, tension..., climax, close.
SHORT_EPISODES: dict[int, list[list[str]]] = {
    1: [["open", "climax", "close"]],
    2: [["open", "tension"], ["climax", "close"]],
    3: [["open"], ["tension"], ["climax", "close"]],
}

PANELS_PER_PAGE: dict[str, tuple[int, ...]] = {
    "open": (4, 5, 3), "tension": (3, 4, 5, 6, 4, 2), "climax": (2, 3, 4), "close": (3, 4, 2),
}

PANELS_PER_SHARED_BEAT: dict[str, tuple[int, ...]] = {
    "open": (2, 3), "tension": (2,), "climax": (2,), "close": (1, 2),
}

# How many characters speak in a panel, by shot.
SPEAKERS: dict[str, tuple[int, ...]] = {
    "wide": (1, 2), "medium": (2,), "close-up": (1,), "extreme-close-up": (1,), "action": (1,),
}

# fmt: on
