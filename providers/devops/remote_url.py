"""Which Azure DevOps repository a git remote URL names (pure parsing, no git here).

The URLs Azure DevOps gives to clone with::

    https://[user@]dev.azure.com/{org}/{project}/_git/{repo}
    https://{org}.visualstudio.com[/DefaultCollection]/{project}/_git/{repo}
    https://{server}/{collection path}/{project}/_git/{repo}     (Azure DevOps Server)
    git@ssh.dev.azure.com:v3/{org}/{project}/{repo}
    {org}@vs-ssh.visualstudio.com:v3/{org}/{project}/{repo}

``…/{org}/_git/{repo}`` (no project) names the project of the repository's own name.
Names compare without case and percent-encoding, as Azure DevOps compares them.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

_SCP_LIKE = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>.*)$")
_SSH_HOSTS = ("ssh.dev.azure.com", "vs-ssh.visualstudio.com")
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


class DevOpsRepository(NamedTuple):
    """An organization (its host and collection path, or its name), a project, a repository."""

    organization: str
    project: str
    repository: str


def is_guid(name: str) -> bool:
    """True for a project or repository given by its id (no URL spells ids)."""
    return bool(_GUID.fullmatch(name))


def organization_key(host: str, segments: list[str]) -> str:
    """One spelling for an organization: its name on dev.azure.com and visualstudio.com
    (``DefaultCollection`` dropped), else the server and collection path."""
    host = host.lower()
    names = [unquote(s).lower() for s in segments if s]
    if host == "dev.azure.com" and names:
        return names[0]
    if host.endswith(".visualstudio.com"):
        return host.removesuffix(".visualstudio.com")
    return "/".join([host, *names])


def organization_of(url: str) -> str:
    """The organization an ``organization_url`` names (see :func:`organization_key`)."""
    parts = urlsplit(url)
    return organization_key(parts.hostname or "", parts.path.split("/"))


def repository_of(url: str) -> DevOpsRepository | None:
    """The repository a remote URL names; None if it is not an Azure DevOps URL."""
    scp = None if "://" in url else _SCP_LIKE.match(url)
    if scp is not None:
        host, path = scp["host"].lower(), scp["path"]
    else:
        parts = urlsplit(url)
        host, path = (parts.hostname or "").lower(), parts.path
    segments = [unquote(s) for s in path.strip("/").split("/")]
    if host in _SSH_HOSTS:
        if len(segments) != 4 or segments[0].lower() != "v3":
            return None
        org, project, repo = segments[1:]
        return DevOpsRepository(org.lower(), project.lower(), repo.lower())
    if "_git" not in segments:
        return None
    at = segments.index("_git")
    if at + 1 >= len(segments) or at < 1:
        return None
    repo = segments[at + 1]
    before = segments[:at]
    if host == "dev.azure.com" and len(before) == 1:  # /{org}/_git/{repo}
        before = [*before, repo]
    project = before[-1]
    if before[:-1] and before[-2].lower() == "defaultcollection":
        before = before[:-2] + before[-1:]
    return DevOpsRepository(organization_key(host, before[:-1]), project.lower(), repo.lower())


def without_credentials(url: str) -> str:
    """``url`` with any user and password dropped, to be shown."""
    if "://" not in url:
        return url.split("@", 1)[-1] if _SCP_LIKE.match(url) else url
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return parts._replace(netloc=host).geturl()
