"""Dialogue tables: voice lines per beat, lines about the arc's phase, dark lines (R /
NC-17 only), reactions by story mood, and close-up thoughts."""

from __future__ import annotations

# fmt: off

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

# fmt: on
