"""Everything that touches the azure-ai-ml SDK: building MLClient, quieting it, and turning
its exceptions into typed provider errors.

This module imports ``azure.ai.ml`` (about 1.4 s), so only
:mod:`providers.azureml.provider` imports it, lazily, on the first backend call.
"""

from __future__ import annotations

import logging
import sys
import time
import warnings
from typing import Any

from azure.ai.ml import MLClient
from azure.core.credentials import AccessToken
from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)

from providers.azureml.settings import Workspace
from providers.errors import BadData, ProviderError, Unauthorized, Unavailable, retry_after
from providers.http_bounds import nested_too_deeply
from providers.http_session import BoundedRetry, bounded_transport
from providers.http_status import Words, status_error
from providers.redaction import secret_from_env


class EnvTokenCredential:
    """A bearer token read from an environment variable at each request (for CI, tests, or
    a token from ``az account get-access-token``); the value is never stored."""

    def __init__(self, variable: str, provider: str) -> None:
        self.variable, self.provider = variable, provider

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        """The variable's current value, valid for five minutes."""
        value = secret_from_env(self.variable)
        if not value:
            raise Unauthorized(
                f"environment variable {self.variable} is empty or not set",
                hint=f"export {self.variable} with an Azure AD token before starting modeltrail",
                provider=self.provider,
            )
        return AccessToken(value, int(time.time()) + 300)


def credential_for(ws: Workspace, provider: str) -> Any:
    """The credential object the profile asks for."""
    if ws.credential == "env-token":
        assert ws.token_env  # checked when the settings were read
        return EnvTokenCredential(ws.token_env, provider)
    if ws.credential == "cli":
        from azure.identity import AzureCliCredential  # noqa: PLC0415

        return AzureCliCredential()
    from azure.identity import DefaultAzureCredential  # noqa: PLC0415

    return DefaultAzureCredential()


def build_client(
    ws: Workspace, credential: Any, provider: str = "azureml", registry: str | None = None
) -> MLClient:
    """An MLClient on the workspace (or on ``registry``, found through the registry
    discovery service: the SDK asks it at once): telemetry off, bounded retries and
    answers, quiet."""
    quiet_sdk()
    kwargs: dict[str, Any] = {
        "enable_telemetry": False,
        "show_progress": False,
        "connection_verify": ws.verify,
        "connection_timeout": ws.timeout,
        "read_timeout": ws.timeout,
        "transport": bounded_transport(
            provider=provider,
            connection_verify=ws.verify,
            connection_timeout=ws.timeout,
            read_timeout=ws.timeout,
        ),
        "retry_policy": BoundedRetry(
            max_wait=ws.max_retry_wait, retry_total=ws.retries, retry_backoff_factor=0.5
        ),
    }
    if ws.resource_manager_url:
        url = ws.resource_manager_url.rstrip("/") + "/"
        # A cloud name can be registered once per process; one name per URL.
        kwargs["cloud"] = f"modeltrail:{url}"
        kwargs["cloud_metadata"] = {
            "azure_portal": "https://portal.azure.com/",
            "resource_manager": url,
            "active_directory": "https://login.microsoftonline.com/",
            "aml_resource_id": "https://ml.azure.com/",
            "storage_endpoint": "core.windows.net",
            "registry_discovery_endpoint": url,
        }
    elif ws.cloud:
        kwargs["cloud"] = ws.cloud
    if registry:
        return MLClient(credential, registry_name=registry, **kwargs)
    return MLClient(credential, ws.subscription_id, ws.resource_group, ws.workspace, **kwargs)


def resource_manager_scope(client: MLClient) -> str:
    """The token scope of the client's ARM endpoint (also used for the tracking service)."""
    from azure.ai.ml._azure_environments import (  # noqa: PLC0415
        _get_base_url_from_metadata,
    )

    return str(_get_base_url_from_metadata(client._cloud)).rstrip("/") + "/.default"


_QUIETED = False


def quiet_sdk() -> None:
    """Keep the SDK from printing over the TUI: no console handlers, no warnings.

    ``azure.ai.ml`` attaches a stderr handler to its own logger and logs experimental
    class notices and studio-URL messages; Python warnings from azure modules are
    ignored.  Records still reach the root logger, if the application configured one.
    """
    global _QUIETED  # noqa: PLW0603 - once per process
    if _QUIETED:
        return
    warnings.filterwarnings("ignore", module=r"azure(\.|$)")
    logging.getLogger("azure").addHandler(logging.NullHandler())
    for name in list(logging.root.manager.loggerDict):
        logger = logging.getLogger(name)
        if not name.startswith("azure"):
            continue
        for handler in list(logger.handlers):
            stream = getattr(handler, "stream", None)
            if stream in (sys.stderr, sys.stdout) or type(handler) is logging.StreamHandler:
                logger.removeHandler(handler)
        if name != "azure":
            logger.propagate = True
            logger.setLevel(logging.NOTSET)
    logging.getLogger("azure").setLevel(logging.WARNING)
    _QUIETED = True


def translate(exc: Exception, what: str, provider: str) -> ProviderError:
    """The typed error for an exception the SDK raised while reading ``what``."""
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, RecursionError):
        return nested_too_deeply(what, "Azure ML", provider)
    detail = _detail(exc)
    kw: dict[str, Any] = {"provider": provider}
    status = getattr(exc, "status_code", None)
    if isinstance(exc, ResourceNotFoundError):
        status = 404
    elif isinstance(exc, ClientAuthenticationError) and status not in (401, 403, 404):
        status = 401
    if status in (401, 403, 404) or (isinstance(exc, HttpResponseError) and status is not None):
        headers = getattr(getattr(exc, "response", None), "headers", None) or {}
        after = retry_after(headers.get("Retry-After"))
        wait = f"; it asks to wait {after:g}s" if after is not None else ""
        later = "try again later"
        error = status_error(
            status,
            after,
            provider,
            refused=Words(
                f"{what}: {detail}",
                "sign in (az login) or check the credential settings of the profile",
            ),
            forbidden=Words(
                f"{what}: {detail}",
                "the identity lacks read access to the workspace (Reader or AzureML Data "
                "Scientist role)",
            ),
            not_found=Words(f"{what} not found ({detail})"),
            throttled=Words(f"{what}: Azure ML is rate limiting (HTTP {status}){wait}", later),
            unavailable=Words(f"{what}: HTTP {status} ({detail})", later),
        )
        return error or ProviderError(f"{what}: HTTP {status} ({detail})", **kw)
    if isinstance(exc, ServiceResponseError):
        return Unavailable(
            f"{what}: no answer from Azure ML ({detail})", hint="try again later", **kw
        )
    if isinstance(exc, ServiceRequestError):
        return Unavailable(
            f"{what}: cannot reach Azure ML ({detail})",
            hint="check the network, the resource manager URL and the TLS settings (ca_bundle)",
            **kw,
        )
    if isinstance(exc, AzureError):
        return ProviderError(f"{what}: {detail}", **kw)
    if isinstance(exc, KeyError | TypeError | ValueError | AttributeError):
        return BadData(f"{what}: unexpected response shape ({type(exc).__name__}: {exc})", **kw)
    return ProviderError(f"{what}: {type(exc).__name__}: {detail}", **kw)


def _detail(exc: Exception) -> str:
    """The service's error code and message, else the first line of the exception."""
    error = getattr(exc, "error", None)
    code, message = getattr(error, "code", None), getattr(error, "message", None)
    if code or message:
        return ": ".join(str(p) for p in (code, message) if p)[:300]
    lines = str(getattr(exc, "message", None) or exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:300]


def rest_deployments(ml: MLClient, endpoint: str) -> list[Any]:
    """The endpoint's deployments as the service sent them (the generated client's models,
    with their ``system_data``), not yet converted: :func:`deployment_entity` converts each
    one, so one the SDK cannot convert costs that one only (its pager converts them all)."""
    ops: Any = ml.online_deployments
    return list(
        ops._online_deployment.list(
            endpoint_name=endpoint,
            resource_group_name=ml.resource_group_name,
            workspace_name=ml.workspace_name,
            cls=lambda items: items,
            **ops._init_kwargs,
        )
    )


def rest_deployment(ml: MLClient, endpoint: str, name: str) -> Any:
    """One deployment as the service sent it (see :func:`rest_deployments`)."""
    ops: Any = ml.online_deployments
    return ops._online_deployment.get(
        endpoint_name=endpoint,
        deployment_name=name,
        resource_group_name=ml.resource_group_name,
        workspace_name=ml.workspace_name,
        **ops._init_kwargs,
    )


def deployment_entity(rest: Any) -> Any:
    """The SDK's OnlineDeployment of one REST deployment (raises what the SDK raises)."""
    from azure.ai.ml.entities import OnlineDeployment  # noqa: PLC0415

    return OnlineDeployment._from_rest_object(rest)


def endpoint_entity(ml: MLClient, name: str) -> Any:
    """The SDK's OnlineEndpoint, its deployments without traffic at 0 (as
    ``online_endpoints.get`` gives it), without converting the deployments: the SDK's
    ``get`` converts them all, so one malformed deployment failed the endpoint."""
    from azure.ai.ml.entities import OnlineEndpoint  # noqa: PLC0415

    ops: Any = ml.online_endpoints
    rest = ops._online_operation.get(
        resource_group_name=ml.resource_group_name,
        workspace_name=ml.workspace_name,
        endpoint_name=name,
        **ops._init_kwargs,
    )
    entity = OnlineEndpoint._from_rest_object(rest)
    for deployment in rest_deployments(ml, name):
        dep = str(getattr(deployment, "name", "") or "")
        if dep and not entity.traffic.get(dep) and not (entity.mirror_traffic or {}).get(dep):
            entity.traffic[dep] = 0
    return entity
