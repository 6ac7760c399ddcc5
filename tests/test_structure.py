"""Package structure: no import cycles; the command line starts without heavy imports."""

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def module_graph() -> dict[str, set[str]]:
    """``module -> photostyle modules it imports`` (top-level and function-level imports)."""
    files = {
        ".".join(p.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__"): p
        for p in SRC.joinpath("photostyle").rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for mod, path in files.items():
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                sub = [f"{node.module}.{a.name}" for a in node.names]
                names = [s for s in sub if s in files] or [node.module]
            else:
                continue
            deps |= {n for n in names if n in files and n != mod}
        graph[mod] = deps
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                return stack[stack.index(d) :] + [d]
            if d not in state and (c := visit(d)):
                return c
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (c := visit(m)):
            return c
    return None


def test_no_import_cycles():
    graph = module_graph()
    assert "photostyle.smoothing.resolution" in graph and len(graph) > 20
    assert "photostyle.smoothing.guided" in graph["photostyle.smoothing.exact"]  # sees imports
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))
    # the checker finds a cycle when there is one
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_help_does_not_import_torch_or_numba():
    code = (
        "import sys\n"
        "from photostyle.cli.app import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit as e:\n"
        "    print('exit', e.code, sorted(m for m in ('torch', 'numba', 'pymatting', 'scipy')"
        " if m in sys.modules))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.stdout.strip().splitlines()[-1] == "exit 0 []", res.stdout + res.stderr
    assert "transfer" in res.stdout and "warmup" in res.stdout


def _functions():
    for path in SRC.joinpath("photostyle").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                decorators = [ast.unparse(d) for d in node.decorator_list]
                yield path, node, decorators


def test_functions_are_short():
    """No function over 60 lines but numba kernels and the web app's layout; ``transfer``
    composes the stages in at most 30 lines of code."""
    long = [
        f"{path.name}:{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path, node, decorators in _functions()
        if node.end_lineno - node.lineno + 1 > 60
        and not any("njit" in d for d in decorators)
        and node.name != "build_app"
    ]
    assert long == []
    [transfer] = [n for p, n, _ in _functions() if p.name == "pipeline.py" and n.name == "transfer"]
    body = transfer.body[1:]  # after the docstring
    assert body[-1].end_lineno - body[0].lineno + 1 <= 30


def test_one_resize_one_box_filter_one_lab():
    """The small image operations live in photostyle.imaging only."""
    names = {"resize_float", "box_mean", "rgb_to_lab", "window_variance", "srgb_decode"}
    defined = {
        (path.relative_to(SRC).parts[1], node.name)
        for path, node, _ in _functions()
        if node.name in names or node.name.startswith("_resize")
    }
    assert defined == {("imaging", n) for n in names - {"resize_float"}}
