"""A local stand-in for Azure DevOps that the real ``azure-devops`` SDK can talk to.

A ``ThreadingHTTPServer`` on 127.0.0.1 answers the REST shapes the SDK uses: the
``OPTIONS {org}/_apis`` location list and ``_apis/ResourceAreas`` discovery, routes
matched case-insensitively, ``{"count","value"}`` lists, zips for artifacts and logs,
and the JSON error body.  Git answers come from a real repository through ``git``;
releases, builds and artifacts from documents the test puts in the dicts below.
Every request is recorded; faults (an HTTP status, a stall) can be injected by path.
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import threading
import time
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from quietserver import QuietHTTPServer

# Location id, area, resourceName and routeTemplate as Azure DevOps lists them; "~/" stands
# for "{project}/_apis/".
_LOCATION_TABLE = """
e81700f7-3be2-46de-8624-2eb35882fcaa Location ResourceAreas _apis/{resource}/{areaId}
0cd358e1-9217-4d94-8269-1c1ee6f93dcf Build Builds ~/build/{resource}/{buildId}
1db06c96-014e-44e1-ac91-90b2d4b3e984 build artifacts ~/{area}/builds/{buildId}/{resource}/{artifactName}
8baac422-4c6e-4de5-8532-db96d92acffa build Timeline ~/{area}/builds/{buildId}/{resource}/{timelineId}
dbeaf647-6167-421a-bda9-c9327b25e2e6 Build Definitions ~/build/{resource}/{definitionId}
a166fde7-27ad-408e-ba75-703c2cc9d500 Release releases ~/{area}/{resource}/{releaseId}
c37fbab5-214b-48e4-a55b-cb6b4f6e4038 Release logs ~/{area}/releases/{releaseId}/{resource}
17c91af7-09fd-4256-bff1-c24ee4f73bc0 Release logs ~/{area}/releases/{releaseId}/environments/{environmentId}/deployPhases/{releaseDeployPhaseId}/tasks/{taskId}/{resource}
d8f96f24-8ea7-4cb6-baab-2df8fc515665 Release definitions ~/{area}/{resource}/{definitionId}
c2570c3b-5b3f-41b8-98bf-5407bfde8d58 git commits ~/{area}/repositories/{repositoryId}/{resource}/{commitId}
6400dfb2-0bcb-462b-b992-5a57f8f1416c git commitsBatch ~/{area}/repositories/{repositoryId}/{resource}
5bf884f5-3e07-42e9-afb8-1b872267bf16 git changes ~/{area}/repositories/{repositoryId}/commits/{commitId}/{resource}
fb93c0db-47ed-4a31-8c20-47552878fb44 git items ~/{area}/repositories/{repositoryId}/{resource}/{*path}
"""  # noqa: E501
LOCATIONS = [
    (lid, area, resource, template.replace("~/", "{project}/_apis/"))
    for lid, area, resource, template in (
        line.split() for line in _LOCATION_TABLE.strip().splitlines()
    )
]

RESOURCE_AREAS_ID = LOCATIONS[0][0]
RELEASE_AREA_ID = "efc2f575-36ef-48e9-b672-0c6fb4a48ac5"
RELEASE_HOST = "/vsrm"  # like vsrm.dev.azure.com: the release area's own "host"
LIST_COMMENT_LIMIT = 80  # list results cut longer commit messages (commentTruncated)
_CHANGE_TYPES = {"A": "add", "M": "edit", "T": "edit", "D": "delete"}


def location_list() -> dict[str, Any]:
    """The body of ``OPTIONS {org}/_apis``."""
    value = [
        {
            "id": lid,
            "area": area,
            "resourceName": resource,
            "routeTemplate": template,
            "resourceVersion": 1,
            "minVersion": "1.0",
            "maxVersion": "7.2",
            "releasedVersion": "7.1",
        }
        for lid, area, resource, template in LOCATIONS
    ]
    return {"count": len(value), "value": value}


def error_body(message: str, type_name: str = "FakeServerException") -> dict[str, Any]:
    """Azure DevOps' JSON error shape."""
    return {
        "$id": "1",
        "innerException": None,
        "message": message,
        "typeName": f"Microsoft.TeamFoundation.{type_name}, Microsoft.TeamFoundation",
        "typeKey": type_name,
        "errorCode": 0,
        "eventId": 3000,
    }


def zip_of(files: Mapping[str, bytes | str]) -> bytes:
    """A zip holding ``files`` (name → content)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class Seen:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, str]
    accept: str
    authorization: str


@dataclass
class Fault:
    """Answer the next ``times`` requests whose path contains ``path`` with ``status``
    (or stall them ``stall`` seconds first)."""

    path: str
    status: int | None
    times: int
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0
    message: str = ""


class GitData:
    """Commits, changes and file contents of a real repository, in REST shapes."""

    def __init__(self, repo: Path, web: str) -> None:
        self.repo = repo
        self.web = web

    def git(self, *args: str) -> bytes:
        done = subprocess.run(
            ["git", "-C", str(self.repo), *args], capture_output=True, check=False
        )
        if done.returncode != 0:
            raise KeyError(done.stderr.decode(errors="replace").strip())
        return done.stdout

    def resolve(self, version: str | None, version_type: str | None) -> str:
        """A sha from a version descriptor; KeyError if it names nothing."""
        if version is None:
            ref = "HEAD"
        elif (version_type or "branch").lower() == "branch":
            ref = f"refs/heads/{version}"
        else:
            ref = version
        return self.git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()

    def commit(
        self, sha: str, *, listed: bool = False, with_parents: bool = True
    ) -> dict[str, Any]:
        fmt = "%x00".join(("%H", "%P", "%an", "%ae", "%at", "%cn", "%ce", "%ct", "%B"))
        raw = self.git("log", "-1", "--no-show-signature", f"--format={fmt}", sha, "--")
        fields = raw.decode("utf-8", errors="replace").split("\0")
        full, parents, an, ae, at, cn, ce, ct = fields[:8]
        message = "\0".join(fields[8:]).removesuffix("\n")
        doc: dict[str, Any] = {
            "commitId": full,
            "author": {"name": an, "email": ae, "date": _utc(at)},
            "committer": {"name": cn, "email": ce, "date": _utc(ct)},
            "comment": message,
            "changeCounts": self.change_counts(full),
            "url": f"{self.web}/_apis/git/repositories/repo/commits/{full}",
            "remoteUrl": f"{self.web}/_git/repo/commit/{full}",
        }
        if listed and len(message) > LIST_COMMENT_LIMIT:
            doc["comment"] = message[:LIST_COMMENT_LIMIT]
            doc["commentTruncated"] = True
        if with_parents:
            doc["parents"] = parents.split()
        return doc

    def changes(self, sha: str) -> list[dict[str, Any]]:
        """The commit's changes against its first parent (the root: against nothing)."""
        parents = self.git("rev-parse", f"{sha}^@").decode().split()
        against = [parents[0], sha] if parents else ["--root", sha]
        raw = self.git("diff-tree", "-r", "-z", "-M", "--no-commit-id", "--raw", *against)
        tokens = raw.split(b"\0")
        out: list[dict[str, Any]] = []
        folders: set[str] = set()
        index = 0
        while index < len(tokens) and tokens[index].startswith(b":"):
            _old_mode, _new_mode, old_id, new_id, status = tokens[index][1:].decode().split(" ")
            letter = status[0]
            if letter in "RC":
                old_path, path = (t.decode() for t in tokens[index + 1 : index + 3])
                index += 3
            else:
                path, old_path = tokens[index + 1].decode(), None
                index += 2
            item: dict[str, Any] = {"gitObjectType": "blob", "path": f"/{path}", "commitId": sha}
            if letter != "D":
                item["objectId"] = new_id
            if letter != "A":
                item["originalObjectId"] = old_id
            change: dict[str, Any] = {"item": item, "changeType": _CHANGE_TYPES.get(letter, "edit")}
            if letter in "RC":
                change["changeType"] = "rename" if status == "R100" else "edit, rename"
                change["sourceServerItem"] = f"/{old_path}"
            if letter == "A" and "/" in path:
                folders.add(path.rsplit("/", 1)[0])
            out.append(change)
        out += [
            {
                "item": {"gitObjectType": "tree", "path": f"/{f}", "isFolder": True},
                "changeType": "add",
            }
            for f in sorted(folders)
        ]
        return out

    def change_counts(self, sha: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for change in self.changes(sha):
            if change["item"]["gitObjectType"] == "blob":
                kind = change["changeType"].split(",")[0].strip().capitalize()
                counts[kind] = counts.get(kind, 0) + 1
        return counts

    def log(self, *revisions: str, path: str | None = None) -> list[str]:
        paths = [path.lstrip("/")] if path else []
        return self.git("log", "--format=%H", *revisions, "--", *paths).decode().split()

    def content(self, path: str, sha: str) -> bytes:
        return self.git("cat-file", "blob", f"{sha}:{path.lstrip('/')}")


def _files_under(folder: Path, prefix: str) -> dict[str, bytes | str]:
    """The files below ``folder`` as zip entries ``prefix/relative/path``."""
    return {
        f"{prefix}/{path.relative_to(folder).as_posix()}": path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _later(stamp: str, *, minutes: int) -> str:
    moved = datetime.fromisoformat(stamp.replace("Z", "+00:00")) + timedelta(minutes=minutes)
    return moved.strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc(epoch: str) -> str:
    return datetime.fromtimestamp(int(epoch), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeDevOps:
    """The fake organization; use as a context manager, or ``start()`` / ``stop()``."""

    def __init__(
        self,
        repo: Path | None = None,
        *,
        organization: str | None = None,
        project: str = "proj",
        repository: str = "repo",
        pat: str = "fake-pat-do-not-log",
        token: str = "fake-entra-token",
        page_limit: int = 100,
        list_parents: bool = False,
        release_area: bool = False,
    ) -> None:
        # A fresh name per fake: the SDK caches each URL's locations (in memory and on
        # disk), and a later fake may get the same port.
        self.organization = organization or f"org-{uuid.uuid4().hex[:8]}"
        self.project = project
        self.repository = repository
        self.pat = pat
        self.token = token  # accepted as "Bearer <token>" (an Entra ID token)
        self.page_limit = page_limit  # the server's own cap on list sizes (continuation)
        self.stuck_continuation: str | None = None  # a broken server's one and only token
        self.list_parents = list_parents  # whether commit lists carry parents
        self.release_area = release_area  # serve releases from their own area URL
        self.latency = 0.0  # seconds added to every GET (for benchmarks)
        self.hidden_resources: set[str] = set()  # resourceNames left out of the locations
        self.releases: dict[int, dict[str, Any]] = {}
        self.release_definitions: list[dict[str, Any]] = []
        self.release_logs: dict[tuple[int, int, int, int], str] = {}
        self.builds: dict[int, dict[str, Any]] = {}
        self.build_definitions: list[dict[str, Any]] = []
        self.artifacts: dict[int, list[tuple[dict[str, Any], dict[str, bytes | str]]]] = {}
        self.timelines: dict[int, dict[str, Any]] = {}
        self.requests: list[Seen] = []
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._git_repo = repo

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> FakeDevOps:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = QuietHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeDevOps:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start the fake first"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The organization URL to give the provider."""
        return f"http://127.0.0.1:{self.port}/{self.organization}"

    @property
    def web(self) -> str:
        return f"{self.base_url}/{self.project}"

    def resource_areas(self) -> list[dict[str, Any]]:
        """``_apis/ResourceAreas``: empty (Azure DevOps Server style) unless ``release_area``."""
        if not self.release_area:
            return []
        url = f"http://127.0.0.1:{self.port}{RELEASE_HOST}/{self.organization}/"
        return [{"id": RELEASE_AREA_ID, "name": "Release", "locationUrl": url}]

    @property
    def git(self) -> GitData:
        assert self._git_repo is not None, "this fake has no repository"
        return GitData(self._git_repo, self.web)

    # -- faults and inspection -----------------------------------------------------------

    def fail(
        self,
        path: str,
        status: int,
        *,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        message: str = "",
    ) -> None:
        """Answer the next ``times`` requests whose path contains ``path`` with ``status``
        (and ``message`` as the error's text)."""
        self.faults.append(Fault(path.lower(), status, times, dict(headers or {}), 0.0, message))

    def stall(self, path: str, seconds: float, *, times: int = 1) -> None:
        """Wait ``seconds`` before answering the next ``times`` matching requests."""
        self.faults.append(Fault(path.lower(), None, times, stall=seconds))

    def take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and fault.path in path:
                    fault.times -= 1
                    return fault
        return None

    def seen(self, path_part: str = "", method: str = "GET") -> list[Seen]:
        """The recorded requests of ``method`` whose path contains ``path_part``."""
        part = path_part.lower()
        return [r for r in self.requests if r.method == method and part in r.path]

    def writes(self) -> list[Seen]:
        """Requests that could change something (any method but GET, HEAD and OPTIONS)."""
        return [r for r in self.requests if r.method not in ("GET", "HEAD", "OPTIONS")]

    # -- documents ---------------------------------------------------------------------

    def load_documents(self, devops: Path) -> None:
        """Serve a local-rest ``devops/`` folder (the demo's): releases, logs, builds, artifacts."""
        for doc_path in sorted((devops / "releases").glob("*.json")):
            doc = json.loads(doc_path.read_text(encoding="utf-8"))
            self.releases[int(doc["id"])] = doc
            definition = doc.get("releaseDefinition") or {}
            if definition and definition not in self.release_definitions:
                self.release_definitions.append(definition)
        for log in (devops / "releases").glob("*/logs/*/*/*.log"):
            release, _logs, env, phase = log.parts[-5:-1]
            key = (int(release), int(env), int(phase), int(log.stem))
            self.release_logs[key] = log.read_text(encoding="utf-8")
        for doc_path in sorted((devops / "builds").glob("*.json")):
            doc = json.loads(doc_path.read_text(encoding="utf-8"))
            build_id = int(doc["id"])
            self.builds[build_id] = doc
            folder = devops / "builds" / str(build_id)
            listing = folder / "artifacts.json"
            entries = json.loads(listing.read_text(encoding="utf-8")) if listing.exists() else {}
            self.artifacts[build_id] = [
                (entry, _files_under(folder / "artifacts" / entry["name"], entry["name"]))
                for entry in entries.get("value") or []
            ]

    def add_release(
        self,
        release_id: int,
        *,
        build: Mapping[str, Any] | None,
        variables: Mapping[str, str] | None = None,
        definition: tuple[int, str] = (1, "deploy-model"),
        environments: list[dict[str, Any]] | None = None,
        created_on: str = "2024-05-01T10:00:00Z",
    ) -> dict[str, Any]:
        """A release of ``build`` (a build document) with its artifact reference."""
        artifacts = []
        if build is not None:
            artifacts.append(
                {
                    "alias": "_train",
                    "type": "Build",
                    "isPrimary": True,
                    "sourceId": f"projguid:{build['definition']['id']}",
                    "definitionReference": {
                        "version": {"id": str(build["id"]), "name": build["buildNumber"]},
                        "sourceVersion": {
                            "id": build["sourceVersion"],
                            "name": build["sourceVersion"],
                        },
                        "branch": {"id": build["sourceBranch"], "name": build["sourceBranch"]},
                        "definition": {
                            "id": str(build["definition"]["id"]),
                            "name": build["definition"]["name"],
                        },
                    },
                }
            )
        doc = {
            "id": release_id,
            "name": f"Release-{release_id}",
            "status": "active",
            "createdOn": created_on,
            "createdBy": {"displayName": "Release Manager", "uniqueName": "rm@example.com"},
            "description": "",
            "releaseDefinition": {"id": definition[0], "name": definition[1]},
            "artifacts": artifacts,
            "environments": environments or [],
            "variables": {k: {"value": v, "isSecret": False} for k, v in (variables or {}).items()},
        }
        self.releases[release_id] = doc
        if {"id": definition[0], "name": definition[1]} not in self.release_definitions:
            self.release_definitions.append({"id": definition[0], "name": definition[1]})
        return doc

    def add_build(
        self,
        build_id: int,
        commit: str,
        *,
        definition: tuple[int, str] = (5, "train-pipeline"),
        artifacts: Mapping[str, Mapping[str, bytes | str]] | None = None,
        queue_time: str = "2024-05-01T09:00:00Z",
    ) -> dict[str, Any]:
        """A completed build of ``commit`` with artifacts (name → files in its zip)."""
        doc = {
            "id": build_id,
            "buildNumber": f"20240501.{build_id}",
            "status": "completed",
            "result": "succeeded",
            "sourceBranch": "refs/heads/main",
            "sourceVersion": commit,
            "queueTime": queue_time,
            "startTime": queue_time,
            "finishTime": _later(queue_time, minutes=30),
            "definition": {"id": definition[0], "name": definition[1], "path": "\\"},
            "project": {"id": "projguid", "name": self.project},
            "repository": {"id": "repoguid", "name": self.repository, "type": "TfsGit"},
            "requestedFor": {"displayName": "Ada Author", "uniqueName": "ada@example.com"},
            "reason": "individualCI",
            "tags": [],
            "uri": f"vstfs:///Build/Build/{build_id}",
        }
        self.builds[build_id] = doc
        entries = []
        for name, files in (artifacts or {}).items():
            size = sum(len(c) for c in files.values())
            entry = {
                "id": len(entries) + 1,
                "name": name,
                "source": "agent-1",
                "resource": {
                    "type": "Container",
                    "data": f"#/1234567/{name}",
                    "properties": {"localpath": f"/agent/{name}", "artifactsize": str(size)},
                    "downloadUrl": f"{self.web}/_apis/build/builds/{build_id}/artifacts"
                    f"?artifactName={name}&%24format=zip",
                },
            }
            entries.append((entry, {f"{name}/{path}": c for path, c in files.items()}))
        self.artifacts[build_id] = entries
        if {"id": definition[0], "name": definition[1]} not in self.build_definitions:
            self.build_definitions.append({"id": definition[0], "name": definition[1]})
        return doc


def deploy_environment(
    env_id: int, name: str, *, phase_id: int, tasks: list[tuple[int, str]], when: str
) -> dict[str, Any]:
    """A release environment with one deploy step, one phase and ``tasks`` (id, name)."""
    return {
        "id": env_id,
        "name": name,
        "status": "succeeded",
        "deploySteps": [
            {
                "id": 1,
                "deploymentId": 90 + env_id,
                "attempt": 1,
                "status": "succeeded",
                "queuedOn": when,
                "lastModifiedOn": when,
                "releaseDeployPhases": [
                    {
                        "id": phase_id,
                        "name": "Agent job",
                        "status": "succeeded",
                        "deploymentJobs": [
                            {
                                "job": {"id": 1, "name": "Agent job", "status": "succeeded"},
                                "tasks": [
                                    {
                                        "id": task_id,
                                        "name": task_name,
                                        "status": "succeeded",
                                        "startTime": when,
                                        "finishTime": when,
                                    }
                                    for task_id, task_name in tasks
                                ],
                            }
                        ],
                    }
                ],
            }
        ],
    }


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeDevOps

    def log_message(self, *_args: Any) -> None:  # keep test output clean
        pass

    # -- plumbing ----------------------------------------------------------------------

    def _send(
        self, status: int, body: bytes, content_type: str, headers: Mapping[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, doc: Any, headers: Mapping[str, str] | None = None) -> None:
        body = json.dumps(doc).encode()
        self._send(status, body, "application/json; charset=utf-8", headers)

    def _list(self, items: list[Any], headers: Mapping[str, str] | None = None) -> None:
        self._json(200, {"count": len(items), "value": items}, headers)

    def _error(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        self._json(status, error_body(message), headers)

    def _record(self, method: str) -> tuple[str, dict[str, str]]:
        parts = urlsplit(self.path)
        path = unquote(parts.path).lower()
        query = {k.lower(): v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        seen = Seen(
            method,
            path,
            query,
            self.headers.get("Accept", ""),
            self.headers.get("Authorization", ""),
        )
        with self.server_fake._lock:
            self.server_fake.requests.append(seen)
        return path, query

    def do_OPTIONS(self) -> None:
        path, _query = self._record("OPTIONS")
        path = path.removeprefix(RELEASE_HOST)
        fake = self.server_fake
        if path.rstrip("/") == f"/{fake.organization}/_apis":
            offered = location_list()["value"]
            offered = [loc for loc in offered if loc["resourceName"] not in fake.hidden_resources]
            self._json(200, {"count": len(offered), "value": offered})
        elif path.rstrip("/") == "/_apis":  # the deployment level lists nothing of ours
            self._json(200, {"count": 0, "value": []})
        else:
            self._error(404, f"no locations at {path}")

    def do_GET(self) -> None:
        path, query = self._record("GET")
        fake = self.server_fake
        time.sleep(fake.latency)
        fault = fake.take_fault(path)
        if fault is not None:
            time.sleep(fault.stall)
            if fault.status is not None:
                message = fault.message or f"injected HTTP {fault.status}"
                self._error(fault.status, message, fault.headers)
                return
        accepted = {
            "Basic " + base64.b64encode(f":{fake.pat}".encode()).decode(),
            f"Bearer {fake.token}",
        }
        if self.headers.get("Authorization") not in accepted:
            self._send(401, b"Access denied: the PAT is not valid", "text/plain; charset=utf-8")
            return
        if "api-version=" not in self.headers.get("Accept", ""):
            message = "No api-version was supplied for the GET request (send it in Accept)"
            self._error(400, message)
            return
        try:
            self._route(path, query)
        except KeyError as exc:
            self._error(404, f"TF401175: not found: {exc.args[0] if exc.args else path}")

    def _refuse(self) -> None:
        self._record(self.command)
        self._error(405, f"the fake is read-only: {self.command} refused")

    do_POST = do_PUT = do_PATCH = do_DELETE = _refuse

    # -- routes ------------------------------------------------------------------------

    def _route(self, path: str, query: dict[str, str]) -> None:
        fake = self.server_fake
        org = f"/{fake.organization}/"
        on_release_host = path.startswith(RELEASE_HOST + org)
        path = path.removeprefix(RELEASE_HOST)
        if not path.startswith(org):
            raise KeyError(path)
        rest = path[len(org) :].strip("/").split("/")
        if rest == ["_apis", "resourceareas"]:
            self._list(fake.resource_areas())
            return
        if fake.release_area and on_release_host != (rest[2:3] == ["release"]):
            raise KeyError(f"{path} asked on the wrong host")
        if len(rest) < 3 or rest[0] != fake.project.lower() or rest[1] != "_apis":
            raise KeyError(path)
        area, segments = rest[2], rest[3:]
        if area == "release":
            self._release(segments, query)
        elif area == "build":
            self._build(segments, query)
        elif area == "git" and segments[:2] == ["repositories", fake.repository.lower()]:
            self._git(segments[2:], query)
        else:
            raise KeyError(path)

    def _paged(self, items: list[Any], query: dict[str, str]) -> None:
        """``$top`` items from the continuation token (an offset here; opaque to clients)."""
        fake = self.server_fake
        start = int(query.get("continuationtoken") or 0)
        top = min(int(query.get("$top", fake.page_limit)), fake.page_limit)
        more = start + top < len(items)
        token = fake.stuck_continuation or str(start + top)
        headers = {"X-MS-ContinuationToken": token} if more else {}
        self._list(items[start : start + top], headers)

    def _release(self, segments: list[str], query: dict[str, str]) -> None:
        fake = self.server_fake
        if segments == ["definitions"]:
            name = query.get("searchtext", "").lower()
            self._list([d for d in fake.release_definitions if d["name"].lower() == name])
        elif segments == ["releases"]:
            definition = query.get("definitionid")
            docs = sorted(fake.releases.values(), key=lambda r: -r["id"])
            if definition:
                docs = [r for r in docs if str(r["releaseDefinition"]["id"]) == definition]
            self._paged(docs, query)
        elif len(segments) == 2 and segments[0] == "releases":
            self._json(200, fake.releases[int(segments[1])])
        elif len(segments) == 3 and segments[2] == "logs":
            release_id = int(segments[1])
            doc = fake.releases[release_id]
            names = {e["id"]: e["name"] for e in doc["environments"]}
            files = {
                f"{names.get(env, env)}/{phase}/{task}.log": text
                for (rid, env, phase, task), text in fake.release_logs.items()
                if rid == release_id
            }
            self._send(200, zip_of(files), "application/zip")
        elif len(segments) == 9 and segments[8] == "logs":
            key = (int(segments[1]), int(segments[3]), int(segments[5]), int(segments[7]))
            self._send(200, fake.release_logs[key].encode(), "text/plain; charset=utf-8")
        else:
            raise KeyError("/".join(segments))

    def _build(self, segments: list[str], query: dict[str, str]) -> None:
        fake = self.server_fake
        if segments == ["definitions"]:
            name = query.get("name", "").lower()
            self._list([d for d in fake.build_definitions if d["name"].lower() == name])
        elif segments == ["builds"]:
            docs = sorted(
                fake.builds.values(), key=lambda b: (b["queueTime"], b["id"]), reverse=True
            )
            wanted = query.get("definitions")
            if wanted:
                docs = [b for b in docs if str(b["definition"]["id"]) in wanted.split(",")]
            self._paged(docs, query)
        elif len(segments) == 2 and segments[0] == "builds":
            self._json(200, fake.builds[int(segments[1])])
        elif len(segments) == 3 and segments[2] == "artifacts":
            entries = fake.artifacts[int(segments[1])]
            name = query.get("artifactname")
            if name is None:
                self._list([entry for entry, _files in entries])
                return
            entry, files = next((e, f) for e, f in entries if e["name"] == name)
            if self.headers.get("Accept", "").startswith("application/zip"):
                self._send(200, zip_of(files), "application/zip")
            else:
                self._json(200, entry)
        elif len(segments) == 3 and segments[2] == "timeline":
            self._json(200, fake.timelines[int(segments[1])])
        else:
            raise KeyError("/".join(segments))

    def _git(self, segments: list[str], query: dict[str, str]) -> None:
        fake = self.server_fake
        git = fake.git
        if segments == ["commits"]:
            self._commits(git, query)
        elif len(segments) == 2 and segments[0] == "commits":
            self._json(200, git.commit(self._sha(git, segments[1])))
        elif len(segments) == 3 and segments[0] == "commits" and segments[2] == "changes":
            changes = git.changes(self._sha(git, segments[1]))
            skip, top = int(query.get("skip", 0)), int(query.get("top", 100))
            page = changes[skip : skip + top]
            counts = git.change_counts(segments[1])
            self._json(200, {"changeCounts": counts, "changes": page})
        elif segments == ["items"]:
            sha = git.resolve(
                query.get("versiondescriptor.version"), query.get("versiondescriptor.versiontype")
            )
            self._send(200, git.content(query["path"], sha), "application/octet-stream")
        else:
            raise KeyError("/".join(segments))

    @staticmethod
    def _sha(git: GitData, sha: str) -> str:
        if len(sha) != 40:
            raise KeyError(f"TF401175: commit {sha} must be a full sha")
        return git.resolve(sha, "commit")

    def _commits(self, git: GitData, query: dict[str, str]) -> None:
        item = git.resolve(
            query.get("searchcriteria.itemversion.version"),
            query.get("searchcriteria.itemversion.versiontype"),
        )
        compare = query.get("searchcriteria.compareversion.version")
        # itemPath: commits changing the path, in the history mode documented as git log's
        path = query.get("searchcriteria.itempath")
        if query.get("searchcriteria.historymode", "simplifiedHistory") != "simplifiedHistory":
            raise KeyError("only simplifiedHistory is served")
        if compare is not None:
            target = git.resolve(compare, query.get("searchcriteria.compareversion.versiontype"))
            shas = git.log(target, f"^{item}", path=path)
        else:
            shas = git.log(item, path=path)
        low = query.get("searchcriteria.fromcommitid", "0" * 40)
        high = query.get("searchcriteria.tocommitid", "f" * 40)
        shas = [s for s in shas if low <= s <= high]  # alphabetical bounds, as documented
        skip = int(query.get("searchcriteria.$skip", 0))
        top = int(query.get("searchcriteria.$top", 100))
        with_parents = self.server_fake.list_parents
        docs = [
            git.commit(s, listed=True, with_parents=with_parents) for s in shas[skip : skip + top]
        ]
        self._list(docs)
