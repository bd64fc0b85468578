"""Settings: one pydantic-settings class, read through :func:`get_settings`, never at import.

Every field reads ``MANGAFLOW_<NAME>`` from the environment or a ``.env`` file.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mangaflow.platform.errors import ConfigError


def default_home() -> Path:
    """``$XDG_DATA_HOME/mangaflow`` or ``~/.local/share/mangaflow``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "mangaflow"


class Settings(BaseSettings):
    """Everything MangaFlow can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="MANGAFLOW_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    home: Path = Field(
        default_factory=default_home,
        description="Directory holding all local state: mangaflow.db, blobs/, prefect/.",
    )
    table_backend: Literal["sqlite", "dynamodb"] = Field(
        default="sqlite", description="Where metadata lives."
    )
    blob_backend: Literal["local", "s3"] = Field(default="local", description="Where files live.")
    event_bus: Literal["inline", "prefect", "eventbridge"] = Field(
        default="inline", description="How the next flow is started after each stage."
    )
    text_provider: str = Field(default="offline", description="Registered text model name.")
    image_provider: str = Field(default="offline", description="Registered image model name.")
    insights_provider: str = Field(default="offline", description="Registered insights name.")
    user_id: str = Field(default="local", description="User id for CLI runs.")

    image_concurrency: int = Field(
        default=4, ge=1, le=64, description="Panels drawn at once (per image provider)."
    )
    retries: int = Field(
        default=3, ge=0, le=10,
        description="Task retries of transient failures (each task attempt makes up to "
        "1 + provider_retries provider calls).",
    )  # fmt: skip
    retry_backoff_seconds: float = Field(
        default=2.0, ge=0, description="Base of the exponential backoff between task retries."
    )
    retry_jitter: float = Field(
        default=0.5, ge=0, le=5, description="Jitter factor on retry delays."
    )
    provider_retries: int = Field(
        default=2, ge=0, le=10,
        description="Retries inside one provider call of a transient failure (5xx, 429, "
        "connection error, an answer that does not parse or decode), after a short backoff; "
        "read timeouts are left to the task retries.",
    )  # fmt: skip
    provider_retry_backoff_seconds: float = Field(
        default=0.5, ge=0, description="Base of the exponential backoff of provider_retries."
    )
    retry_after_cap_seconds: float = Field(
        default=30.0, ge=0,
        description="Longest wait honoured from a provider's Retry-After header (429/503).",
    )  # fmt: skip
    repair_attempts: int = Field(
        default=2, ge=0, le=5, description="Re-prompts when the LLM returns invalid JSON."
    )
    outline_episodes: int = Field(default=3, ge=1, le=24, description="Episodes in a new outline.")
    heartbeat_seconds: float = Field(
        default=30.0, gt=0, description="How often a running flow marks its request alive."
    )
    stale_after_seconds: float = Field(
        default=900.0, gt=0,
        description="A request a flow is at work on, silent this long, is failed by the "
        "reaper (its process died; queued time does not count); at least 3x heartbeat_seconds.",
    )  # fmt: skip
    prefect_startup_seconds: float = Field(
        default=180.0, gt=0,
        description="How long a CLI run waits for its temporary local Prefect server to start "
        "(no PREFECT_API_URL). A fresh PREFECT_HOME takes 20-25 s on 2 cores, longer under "
        "load; Prefect's own default of 20 s strands runs.",
    )  # fmt: skip

    # AWS backends (table_backend=dynamodb, blob_backend=s3, event_bus=eventbridge)
    aws_region: str = Field(default="us-east-1", description="Region of the AWS backends.")
    table_name: str = Field(default="MangaPlatformTable", description="DynamoDB table name.")
    bucket: str = Field(default="", description="S3 bucket for blobs (blob_backend=s3).")
    event_bus_name: str = Field(default="manga-events", description="EventBridge bus name.")

    # REST API
    auth_mode: Literal["local", "cognito"] = Field(
        default="local", description="Bearer JWTs: locally issued (HS256) or Amazon Cognito."
    )
    jwt_secret: SecretStr = Field(
        default=SecretStr(""),
        description="HS256 secret of local tokens; empty: generated once under MANGAFLOW_HOME.",
    )
    jwt_issuer: str = Field(default="mangaflow-local", description="Issuer of local tokens.")
    token_ttl_seconds: int = Field(default=86400, ge=60, description="Lifetime of local tokens.")
    cognito_region: str = Field(default="us-east-1", description="Cognito user pool region.")
    cognito_user_pool_id: str = Field(default="", description="Cognito user pool id.")
    cognito_client_id: str = Field(default="", description="Cognito app client id (audience).")
    api_rate_per_minute: int = Field(
        default=120, ge=1, description="Requests per minute per user before 429."
    )
    api_max_body_bytes: int = Field(default=65536, ge=1024, description="Largest request body.")
    api_cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed by CORS (JSON list)."
    )

    # Provider limits, per provider and process (all requests share them).
    text_concurrency: int = Field(default=4, ge=1, le=64, description="Text calls at once.")
    text_rpm: int = Field(default=0, ge=0, description="Text requests per minute (0: no limit).")
    image_rpm: int = Field(default=0, ge=0, description="Image requests per minute (0: no limit).")
    http_timeout_seconds: float = Field(
        default=60.0, gt=0,
        description="Read timeout of one provider call: the longest a provider may take to "
        "answer (a hung call costs this long). Raise it for slow local models.",
    )  # fmt: skip
    http_connect_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Connect timeout of one provider HTTP call."
    )
    prices: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="Price table for cost estimates, keyed 'provider:model' (or 'provider'), "
        'e.g. {"openai:gpt-4o-mini": {"input_per_1k": 0.00015, "output_per_1k": 0.0006}, '
        '"openai:gpt-image-1": {"per_image": 0.04}}. JSON in the environment.',
    )

    # OpenAI-compatible endpoints (OpenAI, Ollama, vLLM, LM Studio)
    openai_base_url: str = Field(
        default="https://api.openai.com/v1",
        description="Base URL of the OpenAI-compatible API (e.g. http://localhost:11434/v1).",
    )
    openai_api_key: SecretStr = Field(
        default=SecretStr(""), description="API key for openai_base_url (empty for local servers)."
    )
    openai_text_model: str = Field(default="gpt-4o-mini", description="Chat model name.")
    openai_image_model: str = Field(default="gpt-image-1", description="Image model name.")
    openai_json_mode: bool = Field(
        default=True, description="Ask for response_format json_object (turn off if unsupported)."
    )

    # Amazon Bedrock
    bedrock_region: str = Field(default="us-east-1", description="AWS region for Bedrock.")
    bedrock_text_model: str = Field(
        default="anthropic.claude-3-5-sonnet-20240620-v1:0",
        description="Bedrock model id for the Converse API.",
    )
    bedrock_image_model: str = Field(
        default="stability.stable-diffusion-xl-v1",
        description="Bedrock image model id: stability.stable-diffusion-xl-v1, "
        "amazon.titan-image-generator-v1/v2:0 or amazon.nova-canvas-v1:0.",
    )

    # Qloo Insights
    qloo_base_url: str = Field(
        default="https://hackathon.api.qloo.com", description="Qloo Insights API base URL."
    )
    qloo_api_key: SecretStr = Field(default=SecretStr(""), description="Qloo API key (x-api-key).")
    qloo_breaker_failures: int = Field(
        default=3, ge=1, description="Consecutive Qloo failures that open the circuit breaker."
    )
    qloo_breaker_cooldown_seconds: float = Field(
        default=60.0, ge=0, description="Seconds the breaker stays open before a trial call."
    )

    # Catalog semantic search: embedders and the vector index
    embedder: str = Field(
        default="minilm",
        description="Registered embedder name: minilm (offline, CPU), openai or bedrock.",
    )
    embed_model: str = Field(
        default="",
        description="Embedding model of the openai / bedrock embedders; empty: "
        "text-embedding-3-small (openai) or amazon.titan-embed-text-v2:0 (bedrock).",
    )
    embed_dimensions: int = Field(
        default=0, ge=0, le=3072,
        description="Vector size asked of embedders that can choose it (Titan V2: 256, 512 or "
        "1024; OpenAI text-embedding-3-*: up to the model's); 0: the model's default. "
        "minilm is always 384.",
    )  # fmt: skip
    embed_workers: int = Field(
        default=0, ge=0, le=32,
        description="Worker processes of the minilm embedder for large inputs (2,000 texts "
        "or more), each with one BLAS thread; 0: one per core; 1: in-process only.",
    )  # fmt: skip
    vector_index: str = Field(default="qdrant", description="Registered vector index name.")
    qdrant_url: str = Field(
        default="",
        description="Qdrant server or Qdrant Cloud URL (e.g. https://xyz.cloud.qdrant.io:6333); "
        "empty: embedded local mode under qdrant_path.",
    )
    qdrant_api_key: SecretStr = Field(
        default=SecretStr(""), description="API key of qdrant_url (Qdrant Cloud)."
    )
    qdrant_path: Path | None = Field(
        default=None, description="Directory of the embedded local index; empty: <home>/qdrant."
    )

    # Catalog (anime metadata and vector search)
    catalog_source: str = Field(
        default="",
        description="The anime-offline-database release to sync from: a file or an HTTP(S) "
        "URL of a .json, .jsonl or .zst asset.",
    )  # fmt: skip
    catalog_table: str = Field(
        default="", description="DynamoDB table of the catalog on AWS (empty: table_name)."
    )
    catalog_lock_ttl_seconds: float = Field(
        default=86400.0, gt=0, description="Age at which a new entry's enrichment lock is stale."
    )
    catalog_images: bool = Field(
        default=True, description="Download and own the images of new entries."
    )
    catalog_image_retry_seconds: float = Field(
        default=86400.0, ge=0, description="Wait before a failed image URL is tried again."
    )
    catalog_dlq_url: str = Field(
        default="",
        description="SQS queue that also receives image-download dead letters (AWS; the "
        "catalog stack's output); empty: the records stay in the catalog's table only.",
    )  # fmt: skip
    catalog_cdn_domain: str = Field(
        default="", description="CloudFront domain serving images/ (empty: local paths)."
    )
    catalog_enrichers: list[str] = Field(
        default_factory=list, description="External enrichers to run (JSON list of names)."
    )
    catalog_anilist_url: str = Field(
        default="https://graphql.anilist.co", description="AniList GraphQL endpoint (enricher)."
    )
    catalog_jikan_url: str = Field(
        default="https://api.jikan.moe/v4", description="Jikan (MyAnimeList) REST API base URL."
    )
    catalog_kitsu_url: str = Field(
        default="https://kitsu.app/api/edge", description="Kitsu JSON:API base URL (enricher)."
    )
    catalog_anilist_rpm: int = Field(
        default=30, ge=1,
        description="AniList requests per minute from this process (public limit 90, degraded to 30).",
    )  # fmt: skip
    catalog_jikan_rps: int = Field(
        default=3, ge=1, description="Jikan requests per second (public limit 3)."
    )
    catalog_jikan_rpm: int = Field(
        default=60, ge=1, description="Jikan requests per minute (public limit 60)."
    )
    catalog_kitsu_rpm: int = Field(
        default=60, ge=1, description="Kitsu requests per minute (a polite limit)."
    )
    catalog_enricher_cache_seconds: float = Field(
        default=86400.0, ge=0,
        description="How long an enricher's HTTP answers are reused (0: no cache); under "
        "<home>/cache/enrichers/.",
    )  # fmt: skip
    catalog_review_wait_seconds: float = Field(
        default=0.0, ge=0,
        description="How long an enrichment flow run waits, paused, for a reviewer; 0 (local "
        "default) queues the entry and applies the decision when it comes.",
    )  # fmt: skip
    catalog_review_poll_seconds: float = Field(
        default=5.0, gt=0, description="How often a paused enrichment run checks for a decision."
    )

    # Video (trends to narrated videos)
    speech_provider: str = Field(
        default="espeak", description="Registered speech model name (offline default: espeak)."
    )
    polly_engine: Literal["standard", "neural", "long-form", "generative"] = Field(
        default="neural", description="Amazon Polly engine."
    )
    openai_speech_model: str = Field(
        default="gpt-4o-mini-tts", description="OpenAI-compatible speech model."
    )
    ffmpeg_path: str = Field(
        default="",
        description="ffmpeg binary; empty: the one the imageio-ffmpeg package ships, then PATH.",
    )
    video_renderer: Literal["ffmpeg", "mediaconvert"] = Field(
        default="ffmpeg", description="Where videos are rendered: local ffmpeg or MediaConvert."
    )
    video_render_threads: int = Field(
        default=0, ge=0, le=64, description="ffmpeg encoder threads (0: one per core)."
    )
    video_preset: str = Field(
        default="superfast",
        description="x264 preset of local renders (speed against size; superfast renders 1080p "
        "at about 3x real time on 2 cores, veryfast at about 2.2x).",
    )
    video_publisher: Literal["local", "youtube"] = Field(
        default="local", description="Where finished videos go: a local folder or YouTube."
    )
    video_publish_dir: Path | None = Field(
        default=None, description="Folder of the local publisher; empty: <home>/published."
    )
    video_trends_provider: Literal["offline", "youtube"] = Field(
        default="offline", description="Trend source: deterministic offline trends or YouTube."
    )
    video_daily_cap_usd: float = Field(
        default=0.0, ge=0, description="Spend cap per UTC day across all videos (0: none)."
    )
    video_monthly_cap_usd: float = Field(
        default=0.0, ge=0, description="Spend cap per UTC month across all videos (0: none)."
    )
    video_bucket: str = Field(
        default="",
        description="S3 bucket of video work and results on AWS (the video stack's output); "
        "empty: the platform's blob store.",
    )  # fmt: skip
    video_alert_topic_arn: str = Field(
        default="", description="SNS topic for budget alerts (empty: alerts are logged only)."
    )
    video_alert_ratio: float = Field(
        default=0.8, gt=0, le=1, description="Share of a cap at which a budget alert is sent."
    )
    video_mediaconvert_role_arn: str = Field(
        default="", description="IAM role MediaConvert jobs run as (video_renderer=mediaconvert)."
    )
    video_mediaconvert_queue_arn: str = Field(default="", description="MediaConvert queue.")
    youtube_api_url: str = Field(
        default="https://www.googleapis.com/youtube/v3", description="YouTube Data API v3."
    )
    youtube_upload_url: str = Field(
        default="https://www.googleapis.com/upload/youtube/v3",
        description="YouTube upload endpoint (resumable uploads).",
    )
    youtube_token_url: str = Field(
        default="https://oauth2.googleapis.com/token", description="OAuth2 token endpoint."
    )
    youtube_api_key: SecretStr = Field(
        default=SecretStr(""), description="API key for read-only YouTube Data calls."
    )
    youtube_client_id: SecretStr = Field(default=SecretStr(""), description="OAuth2 client id.")
    youtube_client_secret: SecretStr = Field(
        default=SecretStr(""), description="OAuth2 client secret."
    )
    youtube_refresh_token: SecretStr = Field(
        default=SecretStr(""), description="OAuth2 refresh token of the channel that uploads."
    )
    youtube_secret_id: str = Field(
        default="",
        description="Secrets Manager secret holding client_id, client_secret and refresh_token "
        "(AWS); read when the fields above are empty.",
    )  # fmt: skip
    youtube_region: str = Field(default="US", description="Region of most-popular charts.")
    youtube_daily_quota: int = Field(
        default=10_000, ge=1, description="YouTube Data API units per Pacific day."
    )

    # Support (multi-tenant support agents)
    support_escalation_topic_arn: str = Field(
        default="", description="SNS topic told of escalated tickets (empty: logged and stored)."
    )
    support_approval_wait_seconds: float = Field(
        default=0.0, ge=0,
        description="How long an ingestion flow run waits, paused, for an admin's approval; 0 "
        "(local default) leaves the version PENDING_APPROVAL and the decision is applied when "
        "it comes.",
    )  # fmt: skip

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.stale_after_seconds < 3 * self.heartbeat_seconds:
            raise ConfigError(
                "MANGAFLOW_STALE_AFTER_SECONDS must be at least 3x MANGAFLOW_HEARTBEAT_SECONDS "
                f"({self.stale_after_seconds:g} < 3 x {self.heartbeat_seconds:g}), or live "
                "requests would be failed"
            )
        if self.qdrant_url and not self.qdrant_url.startswith(("http://", "https://")):
            raise ConfigError(
                "MANGAFLOW_QDRANT_URL must be an http(s) URL such as http://localhost:6333 "
                f"(got {self.qdrant_url!r}); leave it empty for the embedded local index"
            )
        if self.blob_backend == "s3" and not self.bucket:
            raise ConfigError("MANGAFLOW_BUCKET must be set when MANGAFLOW_BLOB_BACKEND=s3")
        if self.auth_mode == "cognito" and not (
            self.cognito_user_pool_id and self.cognito_client_id
        ):
            raise ConfigError(
                "MANGAFLOW_AUTH_MODE=cognito needs MANGAFLOW_COGNITO_USER_POOL_ID and "
                "MANGAFLOW_COGNITO_CLIENT_ID"
            )
        return self

    @property
    def db_path(self) -> Path:
        return self.home / "mangaflow.db"

    @property
    def blob_root(self) -> Path:
        return self.home / "blobs"

    @property
    def qdrant_dir(self) -> Path:
        """Where the embedded local Qdrant index lives."""
        return self.qdrant_path or self.home / "qdrant"

    @property
    def publish_dir(self) -> Path:
        """Where the local video publisher puts finished videos."""
        return self.video_publish_dir or self.home / "published"

    @property
    def prefect_home(self) -> Path:
        return self.home / "prefect"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings (cached; call ``get_settings.cache_clear()`` after env changes)."""
    return Settings()
