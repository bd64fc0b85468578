"""Speech adapters: ``espeak`` (offline default: eSpeak NG, deterministic), ``polly``
(Amazon Polly) and ``openai`` (any OpenAI-compatible ``/audio/speech``)."""
