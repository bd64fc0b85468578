"""Embedder adapters: ``minilm`` (offline, numpy on CPU), ``openai`` (any OpenAI-compatible
``/v1/embeddings``) and ``bedrock`` (Amazon Titan Text Embeddings V2)."""
