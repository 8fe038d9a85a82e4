"""Every environment variable in settings.py is documented in README.md and app.json."""

from __future__ import annotations

import json

import pytest

from doc_reader.settings import Settings
from tests.conftest import ROOT


def environment_names() -> list[str]:
    names = []
    for field_name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names.append(alias if isinstance(alias, str) else f"DOC_READER_{field_name.upper()}")
    return names


@pytest.mark.parametrize("name", environment_names())
def test_variable_is_documented(name: str) -> None:
    readme = (ROOT / "README.md").read_text()
    app_env = json.loads((ROOT / "app.json").read_text())["env"]
    assert f"`{name}`" in readme
    assert name in app_env and app_env[name]["description"]


def test_app_json_is_deployable() -> None:
    app = json.loads((ROOT / "app.json").read_text())
    assert app["env"]["API_KEY"]["generator"] == "secret"
    assert app["buildpacks"] == [{"url": "heroku/python"}]
    assert "web" in app["formation"]
    assert {"name", "description", "repository", "keywords"} <= app.keys()
