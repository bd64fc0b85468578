"""Word tables for the offline writer (:mod:`mangaflow.manga.writer.model`).

Everything here is plain data. Templates use ``str.format`` fields:
``{place}`` a town or world name, ``{object}`` the story's macguffin (no article),
``{threat}`` the opposing force (with article), ``{goal}`` a verb phrase,
``{other}`` another character's first name, ``{hero}``/``{rival}``/... cast first names.

Text used for every audience must stay gentle (no gore or death wording); only
``dark_threats`` and ``DARK_LINES`` are reserved for R / NC-17 stories.
"""

from __future__ import annotations

from dataclasses import dataclass

# fmt: off


@dataclass(frozen=True)
class GenreProfile:
    """What one genre contributes to a story."""

    settings: tuple[tuple[str, str], ...]  # (setting sentence with {place}, setting_kind)
    words: tuple[str, ...]  # title words
    titles: tuple[str, ...]  # genre-specific title patterns
    heroes: tuple[str, ...]  # protagonist archetypes
    outfits: tuple[str, ...]  # outfit fragments without article or colour
    objects: tuple[str, ...]
    goals: tuple[str, ...]
    threats: tuple[str, ...]
    dark_threats: tuple[str, ...]
    sfx: str
    action: bool
    names: str  # "jp", "world" or "fantasy"


G = GenreProfile

GENRES: dict[str, GenreProfile] = {
    "Action": G(
        (("the sprawling port city of {place}, where rival dojos train on rooftops above neon-lit canals", "city"),
         ("the colosseum district of {place}, a ring of tiered stone arenas that never sleeps", "arena"),
         ("the wind-cut mountain pass of {place}, where wandering fighters test themselves", "mountain")),
        ("Blade", "Fist", "Storm", "Spark", "Strike"),
        ("{place} {word}", "{word} of the {adj} Heart"),
        ("street fighter", "runaway swordsman", "dojo heir"),
        ("sleeveless training gi with taped wrists", "battered bomber jacket over a tank top", "long scarf and fingerless gloves"),
        ("Dragon Seal belt", "last scroll of the Tenkai style", "Storm Gauntlet"),
        ("win the Grand Tournament", "reclaim the family dojo"),
        ("the Iron Crow gang", "a masked champion who has never lost"),
        ("a syndicate that buys and breaks fighters", "a masked champion who leaves no opponent standing"),
        "action", True, "jp"),
    "Adventure": G(
        (("the sky-harbour town of {place}, where airships moor beside crumbling cliffs", "village"),
         ("the sunken ruins beyond {place}, a maze of flooded stairways and glowing glyphs", "ruins"),
         ("the endless dunes south of {place}, crossed only by caravans and dreamers", "desert")),
        ("Compass", "Horizon", "Map", "Voyage"),
        ("Beyond the {place} {word}", "The {word} to {noun}"),
        ("treasure hunter", "cartographer's apprentice", "stowaway"),
        ("explorer's jacket with too many pockets", "sand-scarf and brass goggles", "patched travelling coat with a rope belt"),
        ("Sunstone Compass", "map of the Nine Winds", "key to the Sky Vault"),
        ("find the lost city of the first explorers", "chart the edge of the known world"),
        ("a rival treasure guild", "a sandstorm with a mind of its own"),
        ("grave-robbers who leave no witnesses", "a mercenary company hired to bury the truth"),
        "action", True, "world"),
    "Comedy": G(
        (("the very ordinary suburb of {place}, where nothing ever happens except to our heroes", "city"),
         ("the struggling seaside inn at {place}, one bad review away from closing", "village")),
        ("Chaos", "Mix-Up", "Disaster", "Hijinks"),
        ("My {noun} Is a Total {word}", "The {place} {word} Club"),
        ("part-time inn clerk", "self-declared genius", "unlucky delivery kid"),
        ("oversized hoodie with cat ears", "apron covered in flour handprints", "loud shirt and mismatched socks"),
        ("Golden Ladle trophy", "cursed lucky cat statue", "inn's secret recipe book"),
        ("save the inn before the inspector arrives", "win the neighbourhood festival contest"),
        ("a smug celebrity chef", "the landlord's surprise inspection"),
        ("a loan shark with a very short temper", "a celebrity chef who ruins careers for fun"),
        "comedy", False, "jp"),
    "Drama": G(
        (("the fading theatre district of {place}, where old posters peel from every wall", "city"),
         ("the fishing town of {place}, where everyone knows everyone's secrets", "village")),
        ("Curtain", "Echo", "Tide", "Letters"),
        ("The Last {word} of {place}", "{noun} and {word}s"),
        ("stagehand with a secret", "prodigal child come home", "failed actor"),
        ("worn cardigan over a pressed shirt", "long wool coat with a frayed hem", "linen shirt with a silver locket"),
        ("unsent letter", "deed to the family theatre", "last reel of film"),
        ("keep the family theatre open", "find the truth behind an old letter"),
        ("a developer who wants to tear everything down", "a secret the whole town has kept for years"),
        ("a scandal that ended a career and a life", "a debt that has broken three generations"),
        "calm", False, "jp"),
    "Fantasy": G(
        (("the kingdom of {place}, where floating islands drift above an ancient forest", "forest"),
         ("the crystal citadel of {place}, guarded by knights and talking ravens", "castle"),
         ("the ruins of old {place}, where the runes of forgotten gods still glow at night", "ruins")),
        ("Crown", "Rune", "Dragon", "Ember", "Oath"),
        ("The {word} of {place}", "{noun} and the {word}"),
        ("apprentice mage", "exiled knight", "orphan with a dragon's mark"),
        ("travel-worn cloak over leather armour", "rune-stitched mage robe", "knight's tabard with a silver crest"),
        ("Ember Crown", "Heartwood Staff", "last dragon egg"),
        ("restore the broken Ember Crown", "wake the sleeping dragon of the north"),
        ("the Hollow King's shadow army", "a witch who steals colours from the world"),
        ("the Hollow King, who raises the dead as his soldiers", "a blood-oath cult hunting the last dragon"),
        "magic", True, "fantasy"),
    "Horror": G(
        (("the fog-bound town of {place}, where the chapel bell rings by itself at midnight", "village"),
         ("the shuttered hospital wing on the edge of {place}", "ruins"),
         ("the old shrine above {place}, where masks hang from every branch", "shrine")),
        ("Whisper", "Lantern", "Hollow", "Mask"),
        ("The {word} of {place}", "Don't Open the {word}"),
        ("night-shift student", "shrine keeper's grandchild", "paranormal blogger"),
        ("rain-soaked school blazer", "old parka with a flashlight clipped on", "layered shrine robe with straw sandals"),
        ("cracked fox mask", "diary of the missing caretaker", "bell that rings at midnight"),
        ("break the midnight curse", "find the children who vanished in the fog"),
        ("a lonely ghost who hides people's shadows", "the Lantern Man who walks the fog"),
        ("a thing that wears the faces of the dead", "a curse that claims one life every winter"),
        "horror", False, "jp"),
    "Mystery": G(
        (("the clockwork city of {place}, where every alley hides a locked door", "city"),
         ("a snowbound manor hotel outside {place}, cut off by the storm", "castle")),
        ("Cipher", "Clue", "Clock", "Key"),
        ("The {place} {word}", "The Case of the {adj} {word}"),
        ("schoolgirl detective", "retired inspector's grandson", "amateur sleuth"),
        ("detective's coat with a checked scarf", "neat waistcoat and rolled sleeves", "uniform with a magnifying glass on a chain"),
        ("clockwork key", "coded diary", "jade seal"),
        ("solve the case of the vanishing clocktower", "unmask the Phantom Thief"),
        ("the Phantom Thief Nightjar", "a forger who can copy anyone's handwriting"),
        ("a killer who leaves riddles instead of fingerprints", "a family willing to bury anyone who digs"),
        "mystery", False, "world"),
    "Romance": G(
        (("the seaside town of {place}, where cherry trees line the promenade", "village"),
         ("a tiny café on a rainy backstreet of {place}", "city"),
         ("{place} Academy, weeks before the summer festival", "school")),
        ("Blossom", "Letter", "Heartbeat", "Summer"),
        ("Love Letters from {place}", "{noun} Under the {word}"),
        ("café barista", "new transfer student", "florist's apprentice"),
        ("café apron over a striped shirt", "knit cardigan with a ribbon tie", "summer yukata patterned with fireworks"),
        ("unsent love letter", "pair of festival tickets", "music box that plays their song"),
        ("confess before the summer festival ends", "keep the little café open for one more season"),
        ("a misunderstanding that keeps growing", "a transfer notice that would move them across the country"),
        ("a controlling ex who will not let go", "a family arranging a marriage of convenience"),
        "romance", False, "jp"),
    "Sci-Fi": G(
        (("the orbital colony {place}, a ring of glass gardens spinning above Earth", "space"),
         ("the research arcology of {place}, where androids run the night shift", "lab"),
         ("the rain-soaked megacity of {place}, stacked two hundred levels high", "city")),
        ("Signal", "Orbit", "Nova", "Circuit"),
        ("{word} {place}", "The {adj} {word}"),
        ("junior station engineer", "cadet pilot", "android who wants to dream"),
        ("flight suit with glowing seams", "high-collar synth-leather coat", "lab coat over a tech-weave bodysuit"),
        ("Nova Core", "black-box recorder", "data crystal holding an AI called IRIS"),
        ("decode the signal from beyond the rim", "bring the lost colony ship home"),
        ("a rogue AI that rewrites the station's rules", "the Helix Corporation's drone fleet"),
        ("a corporation that harvests memories from the poor", "an android purge squad"),
        "scifi", True, "world"),
    "Slice of Life": G(
        (("the sleepy riverside town of {place}, where the trains run twice an hour", "village"),
         ("a shared apartment above a bakery in {place}", "city")),
        ("Days", "Seasons", "Afternoons", "Steps"),
        ("Our {word} in {place}", "{adj} {word}"),
        ("new kid in town", "baker's apprentice", "university dropout"),
        ("comfy hoodie and rolled-up jeans", "baker's apron dusted with flour", "cardigan with a pin-covered bag"),
        ("old film camera", "bakery's sourdough starter", "seed tin from the rooftop garden"),
        ("win the town's autumn baking fair", "make the old bakery feel like home"),
        ("a rainy season that just won't end", "a big move nobody wants to talk about"),
        ("a debt collector knocking at midnight", "an illness no one says out loud"),
        "calm", False, "jp"),
    "Sports": G(
        (("{place} High's underdog volleyball club, one loss from being disbanded", "school"),
         ("the national stadium in {place}, roaring with fifty thousand fans", "arena")),
        ("Spike", "Sprint", "Ace", "Rally"),
        ("{word}! {place}", "The {adj} {word}"),
        ("benchwarmer with a wild serve", "transfer-student ace", "team manager turned player"),
        ("team jersey with the number 10", "track jacket with rolled sleeves", "sweatband and knee pads"),
        ("championship pennant", "captain's armband", "worn-out lucky ball"),
        ("reach the national finals", "save the club from being disbanded"),
        ("the undefeated champions of Seiryu Academy", "a coach who thinks the team is a joke"),
        ("a match-fixing ring with money on the line", "the people who caused a career-ending injury"),
        "sports", True, "jp"),
    "Supernatural": G(
        (("the lantern-lit shrine town of {place}, where spirits barter at the night market", "shrine"),
         ("the old quarter of {place}, where yokai live behind every door", "city")),
        ("Spirit", "Talisman", "Moon", "Veil"),
        ("The {word} of {place}", "{word} Beyond the {adj} Gate"),
        ("exorcist-in-training", "kid who can see spirits", "fox spirit in human form"),
        ("shrine robes with paper charms in the sleeves", "uniform with a spirit-bell charm", "long haori patterned with foxes"),
        ("Moonlit Talisman", "fox spirit's bell", "torn page of the spirit register"),
        ("seal the gate between worlds", "return the fox spirit's stolen name"),
        ("a trickster spirit who steals names", "the Mist Oni of the north gate"),
        ("a demon that wears borrowed faces", "a curse-binder who trades in souls"),
        "magic", True, "jp"),
    "Thriller": G(
        (("the glittering financial district of {place}, where everyone is being watched", "city"),
         ("a research station on a frozen mountain above {place}", "mountain")),
        ("Countdown", "Protocol", "Shadow", "Zero"),
        ("The {place} {word}", "{word} Hour"),
        ("bike courier who saw too much", "rookie analyst", "ex-agent"),
        ("sharp suit with a loosened tie", "hooded windbreaker and earpiece", "courier's jacket with reflective stripes"),
        ("encrypted drive", "list of sleeper agents", "master key card"),
        ("expose the conspiracy before midnight", "get the witness out of the city safely"),
        ("a conspiracy inside the city council", "a hacker known only as Zero"),
        ("an assassin who never misses", "a conspiracy that silences witnesses for good"),
        "mystery", True, "world"),
    "Historical": G(
        (("the castle town of {place} in the last years of the Sengoku era", "castle"),
         ("the bustling Edo-period port of {place}, thick with merchants and ronin", "city"),
         ("a mountain temple above {place} during the long winter of 1864", "shrine")),
        ("Banner", "Sword", "Shogun", "Sakura"),
        ("The {word} of {place}", "{place}: {noun} and the {word}"),
        ("wandering ronin", "merchant's daughter", "temple orphan"),
        ("faded kimono and hakama", "suit of lacquered samurai armour", "merchant's haori with a coin purse"),
        ("clan's lost banner", "sword of the founding lord", "sealed letter from the shogun"),
        ("restore the clan's honour", "deliver the shogun's letter before the war begins"),
        ("a scheming magistrate", "a rival clan marching from the west"),
        ("a warlord who burns villages to send a message", "assassins of the Black Lotus"),
        "action", True, "jp"),
    "Psychological": G(
        (("a pristine campus outside {place} where students compete for a single scholarship", "school"),
         ("the city of {place}, which resets itself every night at midnight", "city")),
        ("Mirror", "Game", "Mind", "Maze"),
        ("{noun} in the {word}", "The {adj} {word}"),
        ("scholarship student", "insomniac", "prodigy who cannot lose"),
        ("crisp uniform with a numbered badge", "oversized sweater with a pencil behind one ear", "tailored long coat"),
        ("Mirror Ledger", "key to Room Zero", "envelope holding the final question"),
        ("win the Mirror Game without losing themselves", "remember what happened before the reset"),
        ("the Game Master who speaks only through screens", "a rival who knows exactly what you are thinking"),
        ("a game where the losers disappear", "a mind that is not entirely your own"),
        "mystery", False, "world"),
    "Mecha": G(
        (("the fortress city of {place}, ringed by hangars of giant mecha", "city"),
         ("the frontier mining colony of {place} on a dusty red moon", "desert"),
         ("the orbital shipyard above {place}", "space")),
        ("Titan", "Frame", "Steel", "Drive"),
        ("Mobile {word} {place}", "{word} of {noun}"),
        ("rookie pilot", "hangar mechanic", "test pilot with a secret"),
        ("pilot plugsuit with a glowing spine", "grease-stained mechanic's jumpsuit", "officer's uniform with gold epaulettes"),
        ("activation key of the mecha Kagutsuchi", "Titan Drive", "neural link key"),
        ("pilot the prototype against the invaders", "protect the colony's last reactor"),
        ("the invading Orbital Legion", "a rogue mecha that turned on its makers"),
        ("a war machine wired to its pilots' minds", "an empire that spends pilots like ammunition"),
        "scifi", True, "jp"),
    "Isekai": G(
        (("the sword-and-sorcery world of {place}, reached through a vending machine at three in the morning", "forest"),
         ("the guild town of {place}, where status windows float over everyone's head", "village")),
        ("Level", "Quest", "Guild", "Reset"),
        ("I Woke Up in {place} as the {word} Hero", "Level Up in {place}"),
        ("office worker reborn as a hero", "gamer pulled into another world", "convenience-store clerk"),
        ("store uniform under a borrowed cloak", "starter adventurer's tunic, slightly too big", "guild receptionist's smart vest"),
        ("Guild Crown", "skill scroll of Infinite Rewrite", "key to the door back home"),
        ("clear the Demon Lord's tower", "find the door back home"),
        ("the Demon Lord's grumpy generals", "a summoned hero who thinks he is the main character"),
        ("the Demon Lord's army of the risen dead", "a goddess who treats the summoned as disposable"),
        "magic", True, "fantasy"),
    "School Life": G(
        (("{place} Academy, a hilltop school famous for its eccentric clubs", "school"),
         ("the old wooden school building of {place}, due to be torn down in spring", "school")),
        ("Club", "Festival", "Homeroom", "Graduation"),
        ("{place} Academy {word}", "The {adj} {word} Club"),
        ("first-year with big plans", "club president of one", "class representative"),
        ("school blazer with a loosened tie", "sailor uniform with a big ribbon", "gym tracksuit with the school crest"),
        ("club room key", "student council seal", "time capsule from 1999"),
        ("keep the club from being shut down", "pull off the best culture festival ever"),
        ("a strict student council president", "a rival club with twice the budget"),
        ("a bullying ring hidden inside the student council", "a teacher's secret that could ruin lives"),
        "comedy", False, "jp"),
    "Military": G(
        (("the besieged frontier fortress of {place}", "castle"),
         ("the northern trench line outside {place}, frozen in an endless winter", "mountain")),
        ("Vanguard", "Squad", "Flag", "Front"),
        ("Last {word} at {place}", "The {adj} {word}"),
        ("new recruit", "squad medic", "disgraced officer"),
        ("field uniform with a squad patch", "long officer's greatcoat", "flight jacket with a unit patch"),
        ("sealed battle orders", "squad's last radio", "regimental flag"),
        ("bring every member of the squad home", "hold the line until the relief convoy arrives"),
        ("the enemy general's clever ambush", "a blizzard that cuts off the supply lines"),
        ("a general willing to spend every soldier", "an enemy that takes no prisoners"),
        "action", True, "world"),
    "Music": G(
        (("the live-house district of {place}, where street bands play until dawn", "city"),
         ("the {place} Conservatory, where only one student wins the golden baton", "school")),
        ("Encore", "Chord", "Melody", "Stage"),
        ("{place} {word}", "One More {word}"),
        ("busker with a borrowed guitar", "runaway piano prodigy", "drummer in a band of one"),
        ("band tee and ripped jeans with a guitar strap", "formal concert suit with a silver brooch", "stage outfit covered in sequins"),
        ("grandmother's violin", "demo tape", "ticket to the summer main stage"),
        ("play the main stage at the summer festival", "write one song that makes the whole city sing"),
        ("a rival idol group with a huge agency behind them", "stage fright that steals every voice"),
        ("a producer who owns their songs and their lives", "a scandal that could end the band forever"),
        "music", False, "jp"),
}

FALLBACK_GENRE = "Adventure"

SFX: dict[str, tuple[str, ...]] = {
    "action": ("BOOM", "SWSH", "KRAK", "DOOM", "ZAAN", "GOGOGO", "BASH"),
    "magic": ("FWOOSH", "SHIIIN", "VWOOM", "KRA-KOOM", "GOGOGO"),
    "scifi": ("VWOOM", "BZZT", "KSHHH", "WHIRR", "KA-CHUNK"),
    "comedy": ("BONK", "POMF", "GAAN", "PIKOON", "ZUKOO"),
    "romance": ("DOKI DOKI", "BA-DUMP", "FWAA", "KYUN"),
    "horror": ("DRIP", "GIII", "ZAWA ZAWA", "KON KON", "HISSS"),
    "mystery": ("TICK TOCK", "ZAWA ZAWA", "KACHA", "GATA"),
    "sports": ("SWISH", "THWACK", "DASH", "DOOON", "PWEET"),
    "calm": ("SHAA", "PATA PATA", "CHIRP", "SUUU"),
    "music": ("JAAAN", "TUM TUM", "DOOON", "WAAAH"),
}


@dataclass(frozen=True)
class ThemeProfile:
    nouns: tuple[str, ...]
    adjs: tuple[str, ...]
    ideal: str
    arc: tuple[str, str, str, str]  # setup, turn, climax, resolution
    lines: tuple[str, ...]


T = ThemeProfile

THEMES: dict[str, ThemeProfile] = {
    "Friendship": T(("Bonds", "Promises", "Comrades"), ("Unbroken", "Shared", "Kindred"), "friendship",
        ("{hero} arrives in {place} alone, determined to {goal} without anyone's help.",
         "Forced to work with {rival}, {hero} discovers that a grudging partnership can grow into friendship.",
         "When {threat} strikes, {hero} learns that the {object} answers only to people who stand together.",
         "Side by side, the friends {goal}, and {place} gains a story worth retelling."),
        ("{other}, you're not alone in this. Not anymore.", "Friends don't keep score, {other}.")),
    "Love": T(("Hearts", "Confessions", "Blossoms"), ("Tender", "Secret", "Spring"), "love",
        ("{hero} has never said the words out loud, least of all to {love}.",
         "A stolen moment at the festival turns a quiet crush into something neither can ignore.",
         "{threat} threatens to pull them apart just as {hero} finds the courage to speak.",
         "Hand in hand, they choose each other, and {place} has never looked so bright."),
        ("Every time you smile, {other}, I forget what I was afraid of.", "I think... I think I love this. Us.")),
    "Betrayal": T(("Masks", "Broken Vows", "Shadows"), ("Broken", "Two-Faced", "Hidden"), "trust",
        ("{hero} trusts {rival} completely, the way only old friends can.",
         "The truth comes out: someone close has been feeding secrets to {threat}.",
         "Betrayed and cornered, {hero} must decide whether trust is worth risking again.",
         "Trust is rebuilt, slowly and on purpose, stronger for having been broken."),
        ("I trusted you, {other}! Was any of it real?", "A mask can only hide a face for so long.")),
    "Revenge": T(("Vengeance", "Reckoning", "Debts"), ("Burning", "Unforgiving", "Last"), "justice",
        ("Years ago {threat} took everything from {hero}; the grudge has not cooled since.",
         "The closer {hero} gets to revenge, the more it looks like becoming what they hate.",
         "Face to face with {threat} at last, {hero} must choose between revenge and the people still beside them.",
         "{hero} lets the grudge go and keeps something better: a future."),
        ("I swore I'd make them answer for what they took.", "Revenge won't bring back what we lost, {other}.")),
    "Coming of Age": T(("Summers", "First Steps", "Growing Pains"), ("Brave", "First", "Restless"), "growing up",
        ("{hero} is tired of being treated like a kid and wants to {goal} to prove it.",
         "Guided by {mentor}, {hero} learns that growing up means owning your mistakes.",
         "Facing {threat} without anyone to hide behind, {hero} finally stands on their own.",
         "{hero} walks away from {place} a little taller, ready for the next chapter."),
        ("I'm not the kid who ran away anymore.", "Growing up is scary, {other}. Let's do it anyway.")),
    "Good vs Evil": T(("Light", "Heroes", "Shadows"), ("Shining", "Eternal", "Last"), "courage",
        ("An ancient darkness stirs in {place}, and only {hero} seems to notice.",
         "{threat} tempts {rival} with power, and the line between hero and villain blurs.",
         "Everything comes down to one stand: {hero} against {threat}, with the {object} at stake.",
         "The darkness is pushed back, and {place} remembers the names of those who stood firm."),
        ("As long as I'm standing, {threat} won't win!", "Being good isn't easy. That's why it matters.")),
    "Sacrifice": T(("Offerings", "Last Gifts", "Candles"), ("Selfless", "Quiet", "Final"), "sacrifice",
        ("{hero} carries a gift that could save {place} at a terrible personal price.",
         "{mentor} reveals what the {object} truly costs anyone who uses it.",
         "To stop {threat}, {hero} offers up the thing they treasure most.",
         "The price is paid, and those left behind carry {hero}'s courage forward."),
        ("If it keeps you safe, {other}, I'll give it all up.", "Some things are worth more than winning.")),
    "Redemption": T(("Second Chances", "Amends", "Dawn"), ("Redeemed", "Mended", "New"), "redemption",
        ("{rival} once served {threat}, and nobody in {place} has forgotten it.",
         "{hero} decides to give {rival} a second chance, against everyone's advice.",
         "{rival} faces {threat} to prove that people can change.",
         "Forgiven at last, {rival} stands beside {hero} as a true ally."),
        ("I can't undo what I did. But I can make it right.", "Everyone deserves a second chance, {other}.")),
    "Power": T(("Thrones", "Sparks", "Crowns"), ("Boundless", "Untamed", "Iron"), "power",
        ("{hero} awakens a power nobody in {place} can explain.",
         "The stronger {hero} grows, the more {threat} wants that power for itself.",
         "{hero} learns that real power is knowing when not to use it.",
         "Power mastered, {hero} chooses to protect rather than rule."),
        ("Power means nothing if you can't protect anyone with it.", "Don't let it control you, {other}!")),
    "Family": T(("Homes", "Kin", "Hearths"), ("Found", "Beloved", "Warm"), "family",
        ("{hero} has been on their own for as long as they can remember.",
         "Under one leaky roof, {hero}, {ally} and {mentor} become a family of their own making.",
         "When {threat} comes for one of them, the whole family answers.",
         "Home turns out to be people, not a place, and {hero} finally has one."),
        ("We're family, {other}. That doesn't change.", "Let's go home. All of us.")),
    "Honor": T(("Oaths", "Banners", "Vows"), ("Honourable", "Sworn", "Steadfast"), "honour",
        ("{hero} has sworn an oath to {goal}, and an oath is everything.",
         "{threat} offers an easy path that would cost {hero} their word.",
         "Honour and survival collide, and {hero} keeps faith with the promise.",
         "The oath is kept, and even {rival} bows in respect."),
        ("I gave my word. I'll keep it, even now.", "Honour isn't what they say about you, {other}. It's what you do.")),
    "Justice": T(("Verdicts", "Scales", "Truths"), ("Righteous", "Fair", "Unbending"), "justice",
        ("{hero} witnesses an injustice in {place} that nobody else will name.",
         "Digging deeper, {hero} finds {threat} behind every closed door.",
         "{hero} brings the truth into the light, whatever the cost.",
         "Justice is done, and {place} starts to heal."),
        ("Rules that hurt people aren't rules worth keeping!", "The truth always comes out, {other}.")),
    "Freedom": T(("Wings", "Open Skies", "Chains"), ("Unchained", "Free", "Wild"), "freedom",
        ("{place} lives by the rules of {threat}, and {hero} has had enough.",
         "{hero} and {ally} plan an escape that could free everyone or nobody.",
         "The cage doors swing open as {hero} defies {threat} in front of the whole town.",
         "For the first time, the people of {place} choose their own tomorrow."),
        ("No cage can hold us forever!", "Let's see what's past the horizon, {other}.")),
    "Survival": T(("Last Light", "Embers", "Shelter"), ("Last", "Desperate", "Enduring"), "survival",
        ("Stranded in {place}, {hero} and the others have three days of supplies and no way out.",
         "Trust frays as {threat} closes in and the supplies run low.",
         "{hero} leads a desperate dash through the worst of {threat}.",
         "They make it through together, changed by what it took."),
        ("Breathe. Count the supplies. We make it through tonight.", "Nobody gets left behind, {other}.")),
    "Identity": T(("Reflections", "Names", "Faces"), ("True", "Hidden", "Borrowed"), "identity",
        ("{hero} has a secret about who they really are.",
         "The {object} shows {hero} a reflection they do not recognise.",
         "In front of everyone, {hero} stops hiding and says their true name.",
         "{hero} accepts every part of themselves, and the people who matter stay."),
        ("Who am I, really, without the {object}?", "This is me, {other}. All of me.")),
    "Destiny": T(("Stars", "Prophecies", "Fates"), ("Fated", "Written", "Chosen"), "destiny",
        ("An old prophecy names {hero} as the one who will {goal}.",
         "{mentor} warns that the prophecy has a second, darker verse.",
         "{hero} refuses to be a pawn of fate and faces {threat} on their own terms.",
         "The prophecy is fulfilled in a way nobody predicted, least of all {hero}."),
        ("Maybe it was written in the stars. I'm rewriting it.", "Destiny can wait, {other}. This is our choice.")),
    "War": T(("Fronts", "Banners", "Ashes"), ("Endless", "Iron", "Divided"), "peace",
        ("{place} has been at war with its neighbours for longer than {hero} has been alive.",
         "{hero} meets {rival} from the other side and finds someone very much like themselves.",
         "On the eve of the final battle, {hero} gambles everything on stopping {threat}.",
         "The guns fall silent, and both sides begin the hard work of living side by side."),
        ("Every side of this war thinks it's the hero.", "I don't want to fight you, {other}.")),
    "Peace": T(("Harmony", "Olive Branches", "Quiet"), ("Gentle", "Peaceful", "Calm"), "peace",
        ("{hero} wants nothing more than a quiet life in {place}.",
         "A quarrel between {rival} and {ally} threatens to split the town in two.",
         "{hero} stands between both sides and refuses to let {threat} win.",
         "Peace returns, not as silence, but as people choosing to listen."),
        ("Put it down, {other}. There has to be another way.", "Quiet days are worth protecting.")),
    "Magic": T(("Spells", "Charms", "Wonders"), ("Enchanted", "Arcane", "Starlit"), "magic",
        ("{hero} casts a first spell by accident and turns {place} upside down.",
         "{mentor} begins teaching {hero} the rules of magic, and why they matter.",
         "{threat} twists the old magic, and only the {object} can set it right.",
         "Magic flows freely again, wilder and kinder than before."),
        ("Can you feel it, {other}? The {object} is humming.", "Magic listens to the heart, not the hands.")),
    "Technology": T(("Circuits", "Codes", "Engines"), ("Electric", "Digital", "Clockwork"), "invention",
        ("{hero} builds machines from scrap in a corner of {place}.",
         "{hero}'s latest invention catches the eye of {threat}.",
         "{hero} rewires the {object} in a desperate gamble to stop {threat}.",
         "The new invention lights up {place}, built for people rather than profit."),
        ("If I reroute the power... yes, that could work!", "Machines are only as good as the people who build them.")),
}

FALLBACK_THEME = "Friendship"

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

# Voice lines per beat: open, tension, climax, close.
VOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "bold": {
        "open": ("Alright, {place}! Today's the day I {goal}!", "Come on, {other}, we're burning daylight!", "I don't care how hard it is. I'm doing this."),
        "tension": ("Back off! The {object} isn't yours to take!", "You think I'm scared of {threat}? Think again!", "{other}, cover me. I'm going in!"),
        "climax": ("This is everything I've got!", "I won't lose. Not here, not now!", "For everyone waiting on us, I'm not backing down!"),
        "close": ("We did it... right, {other}?", "Next time, I'll be even stronger.", "Heh. Told you I wouldn't give up."),
    },
    "calm": {
        "open": ("...The wind feels different today.", "Stay close, {other}. Something is off.", "I'll go. Someone has to."),
        "tension": ("Don't move. Watch their feet.", "{other}. Three steps left. Now.", "So this is what {threat} wants. I see."),
        "climax": ("I've seen enough. It ends here.", "...Breathe. Focus. Now!", "I made a promise. That's all I need."),
        "close": ("...Thank you, {other}.", "Quiet again. For now.", "We should be ready for what comes next."),
    },
    "bright": {
        "open": ("Good morning, {place}! Ooh, smell that bread!", "{other}! Wait up! You forgot your lunch!", "Today's gonna be amazing, I can feel it!"),
        "tension": ("Eep! Okay, okay, I can handle this!", "Don't worry, {other}! I've got a plan! Sort of!", "Smile! Smiling makes it less scary!"),
        "climax": ("I'm scared... but I'm smiling anyway!", "Everyone's counting on me, so here goes!", "Hey, over here! Try and catch me!"),
        "close": ("Group hug! No, I don't care, group hug!", "See? Told you it'd work out, {other}!", "Let's celebrate! I know a great noodle stand!"),
    },
    "cool": {
        "open": ("Hmph. You're late, {other}.", "Don't get in my way today.", "So you showed up after all."),
        "tension": ("Tch. Amateur mistake, {other}.", "I'll handle this. Watch and learn.", "You're slowing me down."),
        "climax": ("Fine. Just this once, we do it together.", "Don't misunderstand. I'm not doing this for you.", "Try to keep up, {other}!"),
        "close": ("...You weren't bad out there.", "Next time, I win. Remember that.", "Hmph. Don't let it go to your head."),
    },
    "wise": {
        "open": ("The {object} has waited a long time for someone like you.", "Tea first, {other}. Then lessons.", "Every journey in {place} begins with a single step."),
        "tension": ("Strength without patience is only noise, {other}.", "Look again. What do you truly see?", "{threat} feeds on fear. Do not give it any."),
        "climax": ("Now, {other}! Remember everything I taught you!", "This is the moment you trained for.", "I can open the path. Only you can walk it."),
        "close": ("You have grown, {other}. More than you know.", "Rest. Tomorrow brings a harder lesson.", "Hm. Your teacher is proud today."),
    },
    "warm": {
        "open": ("Morning, {other}! Did you sleep at all?", "I packed extra snacks, just in case.", "Whatever happens today, we stick together."),
        "tension": ("{other}, behind you!", "I've got your back. Always.", "We can figure this out. Think!"),
        "climax": ("Go, {other}! I'll hold them back!", "You're not doing this alone!", "Take my hand!"),
        "close": ("You really scared me, you know.", "Let's go home, {other}.", "I'm proud of you. I mean it."),
    },
    "menacing": {
        "open": ("So the little hero finally arrives.", "The {object} belongs to me, {other}.", "How charming. They still believe they can win."),
        "tension": ("You're too late. {place} is already mine.", "Give up, {other}. It's the kind choice.", "Do you even know what the {object} really is?"),
        "climax": ("Enough games! Feel the full weight of my power!", "You'll regret standing against me!", "Impossible... how are you still standing?!"),
        "close": ("This isn't over. Not by a long way.", "Enjoy your little victory while it lasts.", "...Interesting. Very interesting."),
    },
    "goofy": {
        "open": ("Did someone say breakfast? I'm in.", "Relax, {other}! What could possibly go wrong?", "I brought my lucky socks. We're unstoppable."),
        "tension": ("I would like to go home now. Please.", "Plan B! Does anyone have a Plan B?!", "{other}, why is it always us?!"),
        "climax": ("Hyaaah! ...Did that work? That worked!", "I'm helping! I'm definitely helping!", "Nobody tell my mom about this!"),
        "close": ("So... who's buying dinner?", "Best. Day. Ever. Also the worst.", "I'd like it noted that I was very brave."),
    },
    "shy": {
        "open": ("Oh! {other}... g-good morning.", "I wasn't waiting for you or anything...", "Um, is this seat taken?"),
        "tension": ("I-I can help too! Let me try!", "{other}, please be careful...", "My hands won't stop shaking..."),
        "climax": ("I won't hide anymore!", "{other}! I believe in you!", "This time, I'll be the one who protects you!"),
        "close": ("Th-thank you, {other}. Really.", "Maybe... we could walk home together?", "I'm glad it was you."),
    },
}

# Lines about the episode's place in the story arc.
PHASE_LINES: dict[str, tuple[str, ...]] = {
    "setup": ("So that's the {object} everyone keeps whispering about?", "If we're going to {goal}, we start today.", "People say {threat} has been seen near {place} again."),
    "rising": ("We're getting closer to the {object}. I can feel it.", "Every step we take, {threat} is one step behind.", "First clue found. Now the real work starts."),
    "turn": ("Wait... you knew about the {object} all along?", "Everything we believed about {threat} was wrong.", "{other}, whose side are you really on?"),
    "crisis": ("We lost the {object}... and it's my fault.", "{threat} is stronger than we ever imagined.", "If we fail now, {place} won't get another chance."),
    "climax": ("This is it. The {object}, {threat}, all of it, ends tonight.", "Everything we've been through led here!", "Together, {other}! Now!"),
    "resolution": ("{place} feels lighter now, doesn't it?", "The {object} is safe. So are we.", "We set out to {goal}. We actually did it."),
}
PHASE_LINES["complete"] = PHASE_LINES["setup"] + PHASE_LINES["climax"]

DARK_LINES = ("There's blood on the {object} already. Don't add yours.", "I've buried enough friends for one lifetime.",
              "In {place}, nobody dies of old age.", "They'll kill us all if we stop now, {other}.")

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
# Short lines anyone but a villain can say, when the voice's own lines run out.
# Short lines anyone but a villain can say, by story mood (see MOODS) and beat.
REACTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "action": {
        "open": ("Did you hear the news, {other}?", "Let's get moving.", "Huh? What's that?", "My fists are itching already."),
        "tension": ("Did you hear that?", "Over there! Look!", "This doesn't feel right, {other}.", "Stay sharp.",
                    "Wait. Something's coming.", "We need a better plan."),
        "climax": ("Now or never!", "Hold on, {other}!", "Don't let go!", "Here it comes!", "Not yet... not yet... NOW!"),
        "close": ("Is it really over?", "I could sleep for a week.", "Thanks for sticking with me, {other}.", "What a day."),
    },
    "heart": {
        "open": ("The sky's so clear today, {other}.", "Did you save me a seat?", "It smells like rain.", "Morning already?"),
        "tension": ("Why is my heart racing?", "Did you... just smile at me?", "Say something, {other}. Anything.",
                    "I can't tell if this is a good idea.", "Everyone's staring at us.", "Is it warm in here?"),
        "climax": ("I have to say it before I lose my nerve!", "Wait! Don't go yet!", "Just listen to me, {other}!",
                   "It was always you!", "Please... stay."),
        "close": ("Same time tomorrow?", "I'm glad we talked, {other}.", "Let's walk the long way home.", "What a strange, wonderful day."),
    },
    "eerie": {
        "open": ("Is it always this quiet here?", "Someone moved the lanterns again.", "You feel that chill, {other}?", "Let's not split up."),
        "tension": ("Did the door just close by itself?", "Don't look behind you.", "That wasn't there a minute ago, {other}.",
                    "Whatever you do, stay in the light.", "Who's humming?", "The footprints stop right here."),
        "climax": ("Run! Don't look back!", "It's now or never, {other}!", "Light! We need light!", "I see it! It's right there!",
                   "Close your eyes and hold on!"),
        "close": ("Is it gone?", "Let's never come back here.", "Thank you for not letting go, {other}.", "The fog is lifting."),
    },
    "comic": {
        "open": ("Who ate my pudding?!", "Not this again, {other}.", "I have a plan. A brilliant plan.", "Five more minutes..."),
        "tension": ("This is fine. Totally fine.", "Whose idea was this?!", "{other}, your sleeve is on fire. Figuratively!",
                    "Act natural!", "Nobody panic! Okay, a little panic.", "I regret everything."),
        "climax": ("Operation Ridiculous, GO!", "It's so dumb it might work!", "Hold my snack, {other}!", "Banzaaai!",
                   "Plan Z! There's always a Plan Z!"),
        "close": ("Best. Disaster. Ever.", "Let's never speak of this, {other}.", "Who's paying for the damage?", "I need a nap."),
    },
}
MOODS: dict[str, str] = {
    "action": "action", "magic": "action", "scifi": "action", "sports": "action", "romance": "heart",
    "calm": "heart", "music": "heart", "horror": "eerie", "mystery": "eerie", "comedy": "comic",
}
# What characters think in close-ups; always about this story.
THOUGHTS: dict[str, tuple[str, ...]] = {
    "open": ("Today I {goal}. No matter what.", "{place} looks different this morning...", "The {object}... I can't stop thinking about it."),
    "tension": ("{other}... what are you hiding?", "If {threat} finds us now...", "Why does the {object} feel so familiar?",
                "I can't let {other} down."),
    "climax": ("Everything comes down to this.", "For {place}... for everyone!", "{other}, I won't waste this chance."),
    "close": ("{place} is home. It always was.", "Thank you, {other}.", "One day I'll tell them the whole story."),
}
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

# --------------------------------------------------------------------------- structure

GENERIC_TITLES = ("{word} of {noun}", "The {adj} {word}", "{noun} of {place}")
SETTING_LINES = (
    "Life there gathers around {loc1} and {loc2}, among {detail}.",
    "Everyone in {place} has heard stories about the {object}.",
)
TREND_LINE = "Lately, everyone in {place} is talking about {trend}."
MOTIF_LINE = "Look closely and you will find {motif}."
FOE_LINE = "Pulling the strings behind {threat} is {foe}."
DARK_ARC_LINE = "Not everyone who starts this journey will live to see its end."
OTHER_AGES = {"mentor": "veteran in their fifties", "antagonist": "imposing adult"}

# Episode phase by outline length (longer outlines: see offline._phase).
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
