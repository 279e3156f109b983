"""deploy/compose.yaml: only the proxy is published, and no secret is written into it."""

import re
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
REQUIRED = re.compile(r"^\$\{(\w+):\?[^}]*\}$")  # ${NAME:?message}: no default, stops compose when unset
SECRET_NAME = re.compile(r"PASSWORD|SECRET|_KEY$|TOKEN", re.IGNORECASE)


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _environments(compose: dict):
    for name, service in compose["services"].items():
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) for item in environment)
        yield name, environment


def test_only_the_proxy_publishes_ports():
    services = _compose()["services"]
    published = sorted(name for name, service in services.items() if service.get("ports"))
    assert published == ["proxy"]
    # The web nodes are reached through the proxy, over the compose network only.
    for name in ("web-a", "web-b"):
        assert "ports" not in services[name] and services[name]["expose"] == ["8000"]
        assert services[name]["environment"]["TRUSTED_PROXY_COUNT"] == "1"


def test_every_secret_comes_from_the_environment_with_no_default():
    required = set()
    for service, environment in _environments(_compose()):
        for key, value in environment.items():
            value = str(value)
            if SECRET_NAME.search(key) and not key.startswith("MAIL_"):
                match = REQUIRED.match(value)
                assert match, f"{service}: {key} is {value!r}, not ${{VAR:?message}}"
                required.add(match.group(1))
            # A password inside a URL (user:password@host) must be a reference too.
            for userinfo in re.findall(r"://[^/@\s]*:([^/@\s]*)@", value):
                assert REQUIRED.match(userinfo), f"{service}: {key} has a password written in: {value!r}"
                required.add(REQUIRED.match(userinfo).group(1))
    assert {"SECRET_KEY", "AUDIT_HMAC_KEY", "POSTGRES_PASSWORD", "S3_SECRET_ACCESS_KEY"} <= required
    # The example env file names every one of them and fills in none.
    example = dict(
        line.split("=", 1)
        for line in (DEPLOY / "registry.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert required <= set(example) and not any(example.values())


def test_the_old_written_in_passwords_are_gone():
    text = (DEPLOY / "compose.yaml").read_text()
    assert "registry-secret" not in text and "registry:registry@" not in text
    assert "POSTGRES_PASSWORD: registry" not in text


def test_the_image_copies_every_folder_the_app_reads_and_nothing_that_is_gone():
    """The Dockerfile's COPY lines name folders that exist, and every package the project installs is among them."""
    import tomllib

    root = Path(__file__).resolve().parents[2]
    copied = set()
    for line in (root / "deploy" / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            *sources, _destination = line.split()[1:]
            copied.update(sources)
    missing = sorted(source for source in copied if not (root / source).exists())
    assert missing == [], f"the Dockerfile copies what is not in the project: {missing}"
    packages = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    wanted = {pattern.rstrip("*") for pattern in packages} | {"templates", "static", "migrations", "translations"}
    assert wanted <= copied, sorted(wanted - copied)
