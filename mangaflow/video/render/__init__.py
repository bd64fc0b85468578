"""Rendering narrated videos: stills with pan/zoom and crossfades over narration (local
ffmpeg, :func:`render`), subtitles, thumbnails, probing, and the MediaConvert adapter used on
AWS (:mod:`.mediaconvert`)."""

from mangaflow.video.render.ffmpeg import ffmpeg_exe, run_ffmpeg
from mangaflow.video.render.local import render
from mangaflow.video.render.probe import MediaInfo, ffprobe_json, probe
from mangaflow.video.render.spec import RenderResult, RenderSpec, Shot
from mangaflow.video.render.subtitles import (
    Cue,
    Segment,
    cues_from_marks,
    cues_from_segments,
    to_srt,
    to_vtt,
)
from mangaflow.video.render.thumbnail import thumbnail

__all__ = ["Cue", "MediaInfo", "RenderResult", "RenderSpec", "Segment", "Shot",
           "cues_from_marks", "cues_from_segments", "ffmpeg_exe", "ffprobe_json", "probe",
           "render", "run_ffmpeg", "thumbnail", "to_srt", "to_vtt"]  # fmt: skip
