"""The offline (procedural) artist: manga panels drawn with Pillow, no network, no weights.

* :mod:`.engine` — :class:`~.engine.OfflineImageModel` (the ``offline`` image model),
  ``register``, ``render`` / ``render_png``: one panel from an image request, in order
  background, effects, cast, finish.
* :mod:`.backdrop` — time of day, mood tint, the cast's ground line, and the soft
  background behind close-ups.
* :mod:`.scenes` — the backgrounds, one drawer per kind of setting (a subpackage: town,
  nature, interior, landmarks, and the shared sky/ground elements).
* :mod:`.cast` — staging: where each character stands, how big, facing, pose and expression.
* :mod:`.figures` — poses and the figure drawn from a look; :mod:`.hair` and
  :mod:`.faces` draw the head; :mod:`.shapes` holds the inked primitives.
* :mod:`.look` — a character's stable look from its ``CharacterLook``.
* :mod:`.table` — builds (heights in heads, widths) and silhouette words; pure data, shared
  with :mod:`mangaflow.manga.compose.placement` so balloons know where heads are drawn.
* :mod:`.effects` — focus and speed lines, impact bursts, hatching, sparkles, rain, vignette.
* :mod:`.finish` — monochrome screentone and the "offline art" label.
* :mod:`.colour` — ink and paper colours, colour arithmetic, and the seeded generator.

Everything is deterministic: the same request gives the same PNG bytes.
"""
