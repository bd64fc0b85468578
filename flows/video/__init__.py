"""The video product's flows: daily trends, producing a video, MediaConvert completions and
statistics."""
