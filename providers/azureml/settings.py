"""The workspace an Azure ML provider reads and how it reaches it (no SDK import here)."""

from __future__ import annotations

from dataclasses import dataclass

from providers.mlflow.settings import refuse_plain_http

CREDENTIALS = ("default", "cli", "env-token")


@dataclass(frozen=True, slots=True)
class Workspace:
    """Which workspace to read and how (no secrets: ``token_env`` is a variable's name).

    ``credential``: ``default`` (DefaultAzureCredential), ``cli`` (AzureCliCredential) or
    ``env-token`` (a bearer token read from the variable ``token_env`` at each request).
    """

    subscription_id: str
    resource_group: str
    workspace: str
    credential: str = "default"
    token_env: str | None = None
    resource_manager_url: str | None = None  # a custom ARM endpoint (sovereign cloud, tests)
    cloud: str | None = None  # a cloud the SDK knows by name, e.g. AzureChinaCloud
    verify: bool | str = True
    timeout: float = 30.0
    retries: int = 2
    max_retry_wait: float = 10.0

    def __post_init__(self) -> None:
        if self.resource_manager_url:
            refuse_plain_http(
                self.resource_manager_url,
                "resource_manager_url",
                f"the {self.credential} credential's token",
            )
