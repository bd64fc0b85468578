"""Cast tables: art styles, ages, name pools and places, hair, eyes, marks and builds,
story roles (silhouettes, personalities, cast order) and the words that map free text to
roles and voices."""

from __future__ import annotations

from dataclasses import dataclass

# fmt: off

# Art style: look fragment, setting mood, (saturation, value) for palettes.
ART_STYLES: dict[str, tuple[str, str, float, float]] = {
    "Traditional": ("drawn with fine brush-ink linework", "Every scene is inked in classic brush lines and soft screentone.", 0.45, 0.6),
    "Modern": ("with sleek, sharp-edged shading", "Clean digital lines and crisp gradients give everything a polished sheen.", 0.65, 0.75),
    "Minimalist": ("drawn with a few confident lines", "Backgrounds are sparse, a few lines and a lot of white space.", 0.35, 0.7),
    "Detailed": ("with intricate folds, stitching and highlights", "Every brick, leaf and sign is drawn in loving detail.", 0.55, 0.62),
    "Cartoon": ("with bouncy, exaggerated proportions", "Shapes are round and bouncy, colours flat and friendly.", 0.85, 0.9),
    "Realistic": ("with grounded, lifelike proportions", "Light falls naturally, with real weight to every object.", 0.4, 0.55),
    "Chibi": ("with an oversized head and huge sparkling eyes", "Everything is small, round and adorable, even the buildings.", 0.42, 0.95),
    "Dark": ("with deep shadows under the eyes", "Heavy blacks and long shadows swallow the edges of every scene.", 0.6, 0.5),
    "Colorful": ("in bold, saturated colour", "Colour explodes from every awning, sign and sky.", 0.9, 0.88),
    "Black and White": ("inked in stark black and white", "Stark black ink and crisp white paper, with no grey to hide in.", 0.1, 0.6),
}

AGES: dict[str, str] = {
    "Children": "eleven-year-old", "Teens": "sixteen-year-old", "Young Adults": "twenty-year-old",
    "Adults": "thirty-something", "All Ages": "fourteen-year-old",
}

NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "jp": (("Aoi", "Haruto", "Yuki", "Ren", "Sora", "Hina", "Kaito", "Mei", "Riku", "Akari", "Daichi",
            "Kenji", "Emi", "Natsu", "Kohaku", "Tsubasa", "Yuna", "Shion", "Itsuki", "Rin", "Mio", "Souta",
            "Hotaru", "Kanata", "Minato", "Chihiro", "Asahi", "Nagisa", "Kyo", "Misaki", "Toma", "Sayuri",
            "Hayate", "Koharu", "Ryo", "Tsumugi", "Yamato", "Hikari", "Jun", "Sena"),
           ("Kurosawa", "Takeda", "Minami", "Hoshino", "Aizawa", "Kisaragi", "Tachibana", "Shirogane",
            "Amamiya", "Kazama", "Fujiwara", "Mizuki", "Sanada", "Hayami", "Kirishima", "Asano", "Morimoto",
            "Ichinose", "Kagami", "Sakuraba", "Tsukishiro", "Hanazono", "Onodera", "Yukimura", "Kamiya",
            "Shinohara", "Akiyama", "Natsume", "Hibiki", "Himura")),
    "world": (("Leo", "Mira", "Felix", "Ada", "Nico", "Zara", "Theo", "Ines", "Marco", "Lena", "Omar",
               "Freya", "Jonah", "Elena", "Kai", "Priya", "Sasha", "Mateo", "Iris", "Dmitri", "Amara",
               "Rafael", "Noor", "Soren", "Talia", "Idris", "Vera", "Luca", "Anouk", "Emeka"),
              ("Vance", "Moreau", "Okafor", "Lindqvist", "Castillo", "Novak", "Reyes", "Hart", "Petrova",
               "Adeyemi", "Brandt", "Silva", "Delacroix", "Kowalski", "Haddad", "Marsh", "Ferreira",
               "Quinn", "Sorensen", "Abara", "Volkov", "Mendez")),
    "fantasy": (("Elric", "Seraphine", "Kael", "Lyra", "Oriel", "Thessaly", "Corvin", "Isolde", "Rowan",
                 "Fenwick", "Ysolde", "Aldric", "Nimue", "Tamsin", "Varek", "Elowen", "Caspian", "Maelis",
                 "Bramwell", "Sorrel", "Idony", "Peregrin", "Wren", "Galen"),
                ("Thornwood", "Ashgrove", "Vale", "Stormcrest", "Brightwater", "Duskmere", "Ironleaf",
                 "Emberfall", "Hollowell", "Silverthorn", "Ravensworth", "Mossbrook", "Wintermere")),
}

PLACES: dict[str, tuple[str, ...]] = {
    "jp": ("Kasumi", "Hoshizora", "Akatsuki", "Shirakawa", "Tsukimori", "Yugure", "Minase", "Hanamura",
           "Kazemachi", "Aozora", "Sakurazaka", "Kagerou", "Mizunoe", "Hotarugawa", "Yukishiro", "Amagiri"),
    "world": ("Port Aurelia", "New Halden", "Vesper Bay", "Lumen City", "Greyhaven", "Solano", "Marisol",
              "Cobalt Reach", "Fairhollow", "Brasswick", "Saltmere", "Novaterra"),
    "fantasy": ("Eldermere", "Thornvale", "Caer Lumen", "Silverbough", "Mirewood", "Aldhollow", "Wyrmrest",
                "Starfall Keep", "Glimmerdeep", "Oakenshade", "Cindervale", "Moonharrow"),
}

HAIR: tuple[tuple[str, str], ...] = (
    ("jet-black", "#1c1c28"), ("chestnut", "#6b3e26"), ("golden-blonde", "#e0b64a"), ("silver", "#c8ccd8"),
    ("crimson", "#b32433"), ("sky-blue", "#5aa9e6"), ("emerald", "#2e9e6a"), ("violet", "#7d4bb3"),
    ("rose-pink", "#e58bb0"), ("snow-white", "#f4f4f7"), ("copper", "#c56a2b"), ("navy", "#24356b"),
    ("ash-grey", "#8a8d93"), ("teal", "#1f8a8a"),
)

# Words in a user's description that name a hair colour from HAIR.
HAIR_WORDS: dict[str, str] = {
    "black": "jet-black", "brown": "chestnut", "blonde": "golden-blonde", "blond": "golden-blonde",
    "golden": "golden-blonde", "silver": "silver", "red": "crimson", "crimson": "crimson", "blue": "sky-blue",
    "green": "emerald", "purple": "violet", "violet": "violet", "pink": "rose-pink", "white": "snow-white",
    "orange": "copper", "ginger": "copper", "copper": "copper", "grey": "ash-grey", "gray": "ash-grey",
    "teal": "teal", "navy": "navy",
}

HAIR_STYLES = ("tied in a high ponytail", "cut in a sharp bob", "in a messy spiked crop", "worn in a long braid",
               "falling past the shoulders", "swept over one eye", "in short springy curls")

EYES: tuple[tuple[str, str], ...] = (
    ("amber", "#d99a2b"), ("storm-grey", "#8c96a3"), ("green", "#3f9b5a"), ("blue", "#3b74c4"),
    ("brown", "#6a4022"), ("violet", "#8a5cc2"), ("gold", "#d4af37"), ("hazel", "#8e7a3b"),
)

MARKS = ("a bandage across the nose", "round glasses", "a star-shaped hairclip", "freckles across the cheeks",
         "a single silver earring", "a beauty mark under one eye", "a crooked, cheerful grin", "a thin scar on the chin")

BUILDS: dict[str, str] = {
    "tall": "tall and long-limbed", "short": "small and quick", "broad": "broad-shouldered",
    "slim": "slim and wiry", "average": "of medium build", "robed": "wrapped in flowing layers",
    "armored": "solid and heavy-set",
}


@dataclass(frozen=True)
class RoleProfile:
    personalities: tuple[tuple[str, str], ...]  # (text, voice)
    silhouettes: tuple[str, ...]


R = RoleProfile

ROLES: dict[str, RoleProfile] = {
    "protagonist": R((("hot-headed and fiercely loyal; charges in before thinking", "bold"),
                      ("quiet and observant; slow to speak but impossible to stop", "calm"),
                      ("relentlessly cheerful; hides every worry behind a grin", "bright")),
                     ("average", "slim", "short")),
    "rival": R((("proud and cool-headed; hates losing more than anything", "cool"),
                ("sharp-tongued perfectionist who secretly admires the hero", "cool"),
                ("calm, calculating strategist who thinks three moves ahead", "calm")),
               ("tall", "slim")),
    "mentor": R((("patient and wise; teaches through riddles and tea", "wise"),
                 ("gruff veteran with a soft spot for stubborn students", "wise")),
                ("robed", "broad", "tall")),
    "ally": R((("warm and dependable; the first to notice when someone is hurting", "warm"),
               ("bubbly tinkerer who talks faster than anyone can listen", "bright"),
               ("shy and gentle, but braver than anyone expects", "shy")),
              ("average", "short", "slim")),
    "antagonist": R((("charming and ruthless; smiles while making threats", "menacing"),
                     ("cold visionary convinced the ends justify everything", "menacing")),
                    ("tall", "armored", "robed")),
    "comic relief": R((("lovable coward with a bottomless appetite", "goofy"),
                       ("self-declared genius whose plans always half-work", "goofy")),
                      ("short", "broad")),
    "love interest": R((("gentle and shy; blushes at the worst possible moments", "shy"),
                        ("teasing and confident, but secretly nervous around the hero", "cool")),
                       ("slim", "average")),
}

ROLE_ORDER: dict[str, tuple[str, ...]] = {
    "default": ("rival", "antagonist", "mentor", "ally", "comic relief"),
    "Romance": ("love interest", "rival", "ally", "comic relief", "mentor"),
    "Comedy": ("comic relief", "rival", "ally", "mentor", "antagonist"),
    "Slice of Life": ("ally", "comic relief", "mentor", "rival", "love interest"),
    "School Life": ("ally", "rival", "comic relief", "mentor", "antagonist"),
    "Sports": ("rival", "mentor", "ally", "comic relief", "antagonist"),
    "Music": ("rival", "ally", "mentor", "comic relief", "love interest"),
}

# Role words, matched in order, to map any role text to a ROLES key.
ROLE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("protagonist", ("protagonist", "hero", "heroine", "lead", "main")),
    ("antagonist", ("antagonist", "villain", "enemy", "foe", "nemesis")),
    ("love interest", ("love", "romantic", "crush", "partner")),
    ("comic relief", ("comic", "jester", "clown")),
    ("mentor", ("mentor", "teacher", "master", "sensei", "guide", "elder")),
    ("rival", ("rival", "competitor")),
)

# Personality words → voice, matched in order; the role's voice is the fallback.
VOICE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("menacing", ("ruthless", "menacing", "cold visionary", "cruel", "sinister", "tyrant")),
    ("goofy", ("coward", "goofy", "clumsy", "half-work", "appetite", "joker")),
    ("shy", ("shy", "timid", "blushes")),
    ("wise", ("wise", "riddles", "veteran", "patient", "sage")),
    ("cool", ("proud", "cool-headed", "sharp-tongued", "aloof", "teasing", "arrogant")),
    ("calm", ("quiet", "calm", "calculating", "observant", "stoic")),
    ("bright", ("cheerful", "bubbly", "sunny", "grin", "energetic")),
    ("bold", ("hot-headed", "brash", "fiercely", "reckless", "stubborn")),
    ("warm", ("warm", "kind", "dependable", "gentle", "caring")),
)

ROLE_VOICE: dict[str, str] = {
    "protagonist": "bold", "rival": "cool", "mentor": "wise", "ally": "warm", "antagonist": "menacing",
    "comic relief": "goofy", "love interest": "shy",
}

OTHER_AGES = {"mentor": "veteran in their fifties", "antagonist": "imposing adult"}

# fmt: on
