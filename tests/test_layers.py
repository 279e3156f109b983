"""The registry's packages import only downward, so each rule has one home and no import cycle hides.

A unit is a package under registry/ or a top-level module. Each sits in a
layer; a unit may import units in lower layers only (lazy imports inside
functions count too). Adding a package means placing it here.
"""

from __future__ import annotations

import ast
from pathlib import Path

REGISTRY = Path(__file__).resolve().parent.parent / "registry"

# Bottom first.
LAYERS: list[set[str]] = [
    # standins: stand-in servers, import nothing; metrics: the Prometheus counters every layer may count with
    {"extensions", "formatting", "money", "nations", "standins", "metrics"},
    {
        "models",
        "aftercommit",
        "auth",
        "compression",
        "errors",
        "forms",
        "i18n",
        "links",
        "paging",
        "security",
        "storage",
        "uploads",
    },
    {
        "mail",
        "api",
        "audit",
        "unitofwork",
    },  # unitofwork: a request's one commit, and the refusal every feature raises; api: the JSON blueprint and its error shape, which features register on
    {"accounts"},
    {"providers"},
    {"checks"},
    {"families"},  # people a recipient arranges care for, and the shortlist
    {"reviews"},
    {"visits"},  # agreed support, visits and timesheets of an engagement (links to it from reviews use url_for only)
    {"councils"},
    {"searching"},
    {"safeguarding", "openreferral", "admin", "legal"},
    {"datarights"},  # export and erasure: reads and anonymises every feature's records of one person
    {"cqc"},  # the nightly CQC sync: revokes checks and raises concerns
    {"jobs"},
    {"main", "monitoring"},  # monitoring: /metrics reads jobs, mail, search and checks; request ids and logs
    {"composed"},  # views that compose several features (dashboard, profile, sign-up, staff home, OpenAPI)
    {"templating", "demo"},
    {"cli"},
    {"__init__"},  # the app factory
]
LAYER_OF = {unit: n for n, layer in enumerate(LAYERS) for unit in layer}


def _unit(path: Path) -> str:
    relative = path.relative_to(REGISTRY)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _imported_units(path: Path) -> set[str]:
    units = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] != "registry":
                continue
            if len(parts) > 1:
                units.add(parts[1])
            else:  # from registry import audit
                units.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "registry":
                    units.add(parts[1] if len(parts) > 1 else "__init__")
    return units


def test_every_unit_has_a_layer():
    units = {_unit(path) for path in REGISTRY.rglob("*.py")}
    assert units - set(LAYER_OF) == set(), "place new packages and modules in LAYERS"


def test_no_unit_imports_one_at_or_above_its_layer():
    upward = []
    for path in sorted(REGISTRY.rglob("*.py")):
        unit = _unit(path)
        for imported in _imported_units(path) - {unit}:
            if imported in LAYER_OF and LAYER_OF[imported] >= LAYER_OF[unit]:
                upward.append(f"{path.relative_to(REGISTRY.parent)} ({unit}) imports {imported}")
    assert upward == []


ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}
URL_TABLES = sorted(REGISTRY.glob("*/blueprint.py"))


def _view_modules() -> set[Path]:
    """The modules whose functions the URL tables route to (``view_func=<module>.<function>``)."""
    modules = set()
    for table in URL_TABLES:
        tree = ast.parse(table.read_text(), str(table))
        imported = {
            alias.asname or alias.name: f"{node.module}.{alias.name}"
            for node in tree.body
            if isinstance(node, ast.ImportFrom) and node.module
            for alias in node.names
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "view_func" and isinstance(node.value, ast.Attribute):
                dotted = imported[node.value.value.id]
                modules.add(REGISTRY.parent.joinpath(*dotted.split(".")).with_suffix(".py"))
    return modules


def _routes_declared(tree: ast.Module) -> list[int]:
    """Lines that declare a URL: ``@<blueprint>.route/get/post/…(…)`` or ``….add_url_rule(…)``."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            lines += [
                d.lineno
                for d in node.decorator_list
                if isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in ROUTE_DECORATORS
            ]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_url_rule":
            lines.append(node.lineno)
    return lines


def test_every_url_is_declared_in_its_feature_url_table():
    """One place per URL: each feature's blueprint.py; no view module declares a route of its own."""
    elsewhere = []
    for path in sorted(REGISTRY.rglob("*.py")):
        if path in URL_TABLES or "standins" in path.parts:  # the stand-ins are separate servers
            continue
        tree = ast.parse(path.read_text(), str(path))
        elsewhere += [f"{path.relative_to(REGISTRY.parent)}:{line}" for line in _routes_declared(tree)]
    assert elsewhere == []
    assert sum(len(_routes_declared(ast.parse(t.read_text()))) for t in URL_TABLES) >= 100


def _transaction_calls(tree: ast.Module) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("commit", "rollback")
    ]


def test_views_never_commit_or_roll_back():
    """The request is the unit of work (registry/unitofwork.py): a view that commits could keep half a refusal."""
    views = _view_modules()
    assert len(views) >= 20, "the view modules were not found: the test would prove nothing"
    offenders = []
    for path in sorted(views):
        tree = ast.parse(path.read_text(), str(path))
        offenders += [f"{path.relative_to(REGISTRY.parent)}:{line}" for line in _transaction_calls(tree)]
    assert offenders == []


def test_the_checks_find_a_route_and_a_commit_in_a_view():
    """The checks above are not blind: a view that declares its own URL and commits is caught."""
    tree = ast.parse("@bp.post('/x')\ndef x():\n    services.do()\n    db.session.commit()\n    return redirect('/')\n")
    assert _routes_declared(tree) == [1]
    assert _transaction_calls(tree) == [4]


APP_FACTORY = REGISTRY / "__init__.py"


def _connections(tree: ast.Module) -> list[int]:
    """Lines that connect a receiver: ``@signal.connect``, ``signal.connect(fn)``, ``event.listen(s)(…)``."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            lines += [d.lineno for d in node.decorator_list if isinstance(d, ast.Attribute) and d.attr == "connect"]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "connect" and node.args:  # engine.connect() takes none
                lines.append(node.lineno)
            if node.func.attr in ("listen", "listens_for") and isinstance(node.func.value, ast.Name):
                if node.func.value.id == "event":
                    lines.append(node.lineno)
    return lines


def test_only_the_app_factory_connects_receivers():
    """Signal receivers and session hooks are wired visibly where the app is made, not by importing a module."""
    offenders = []
    for path in sorted(REGISTRY.rglob("*.py")):
        if path == APP_FACTORY:
            continue
        tree = ast.parse(path.read_text(), str(path))
        offenders += [f"{path.relative_to(REGISTRY.parent)}:{line}" for line in _connections(tree)]
    assert offenders == []
    assert len(_connections(ast.parse(APP_FACTORY.read_text()))) >= 4, "the factory wires the receivers"


def test_the_check_finds_a_receiver_connected_on_import():
    tree = ast.parse("@profile_changed.connect\ndef relist(p):\n    pass\n\nevent.listen(Session, 'after_commit', f)\n")
    assert _connections(tree) == [1, 5]
