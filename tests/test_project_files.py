"""The pieces agree: notebook pairs, the table of contents, the config, the dependency lists.

Every chapter is a MyST markdown notebook (the source) paired with a committed .ipynb (for
Colab and nbval). These tests fail when one side of a pair is edited alone, when an .ipynb
carries outputs, or when a chapter drops a part of the chapter skeleton.
"""

import os
import pathlib
import re

import jupytext
import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
CHAPTERS = [entry["file"] for part in TOC["parts"] for entry in part["chapters"]]
NOTEBOOK_SOURCES = sorted(
    path for path in (ROOT / "book").rglob("*.md") if "kernelspec:" in path.read_text()
)


def _cells(notebook):
    """What must agree across a pair: each cell's type, source and tags."""
    return [
        (cell.cell_type, cell.source.strip(), tuple(cell.metadata.get("tags", [])))
        for cell in notebook.cells
    ]


def test_every_notebook_source_has_an_ipynb_and_back():
    ipynbs = {p.with_suffix("") for p in (ROOT / "book").rglob("*.ipynb") if "_build" not in p.parts}
    sources = {p.with_suffix("") for p in NOTEBOOK_SOURCES}
    assert sources, "no chapter notebooks found"
    assert ipynbs == sources


@pytest.mark.parametrize("source", NOTEBOOK_SOURCES, ids=lambda p: p.stem)
def test_pair_in_sync_and_ipynb_stripped(source):
    from_md = jupytext.read(source)
    from_ipynb = jupytext.read(source.with_suffix(".ipynb"))
    assert _cells(from_md) == _cells(from_ipynb), (
        f"{source.name} and its .ipynb differ: run `make sync` (jupytext --sync)"
    )
    for cell in from_ipynb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, (
                f"{source.with_suffix('.ipynb').name} carries outputs: strip them"
            )


@pytest.mark.parametrize("source", NOTEBOOK_SOURCES, ids=lambda p: p.stem)
def test_chapter_skeleton(source):
    """Brief section 2: install cell, math, seqbook imports, a figure, a hidden assert, exercises."""
    notebook = jupytext.read(source)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    text = source.read_text()
    hidden = [c for c in code if "remove-cell" in c.metadata.get("tags", [])]
    assert "google.colab" in code[0].source and code[0] in hidden, "first cell: hidden Colab install"
    assert any(re.search(r"^\s*assert ", c.source, re.M) for c in hidden), "hidden assert cell"
    assert "from seqbook import" in text or "import seqbook" in text
    assert "$$" in text, "display math"
    assert "plt.show()" in text or "savefig" in text, "at least one figure"
    assert "## Exercises" in text and ":class: dropdown" in text, "exercises with hidden solutions"
    assert "{bibliography}" in text and "{cite}" in text, "references"


@pytest.mark.parametrize("source", NOTEBOOK_SOURCES, ids=lambda p: p.stem)
def test_xla_is_left_to_the_runtime(source):
    """One XLA policy (seqbook.runtime.xla_enabled): no chapter's code sets jit_compile."""
    for cell in jupytext.read(source).cells:
        if cell.cell_type == "code":
            assert "jit_compile" not in cell.source, (
                f"{source.name}: a code cell sets jit_compile; compile with "
                "models.compile_model, which asks runtime.xla_enabled"
            )


GLUE_ROLE = re.compile(r"\{glue(?::\w+)?\}`([A-Za-z0-9_]+)")
GLUE_CALL = re.compile(r"""\bglue\(\s*["']([A-Za-z0-9_]+)["']""")


@pytest.mark.parametrize("source", NOTEBOOK_SOURCES, ids=lambda p: p.stem)
def test_every_glued_number_is_computed_in_its_chapter(source):
    """Numbers quoted in a chapter's prose come from its own run through myst-nb glue; the
    non-executing build in test_book_site cannot see the values, so the keys are checked
    here: each one quoted is glued by a code cell of the same chapter, and each glued one
    is quoted."""
    notebook = jupytext.read(source)
    quoted = {key for cell in notebook.cells if cell.cell_type == "markdown"
              for key in GLUE_ROLE.findall(cell.source)}
    glued = {key for cell in notebook.cells if cell.cell_type == "code"
             for key in GLUE_CALL.findall(cell.source)}
    if any(re.search(r"\bheadline\(", cell.source) for cell in notebook.cells
           if cell.cell_type == "code"):
        # seqbook.notebook.headline glues these (headline_ahead is for the results page)
        glued |= {f"headline_{key}" for key in HEADLINE_KEYS + ("ahead",)}
        quoted |= {"headline_ahead"}
    assert quoted <= glued, f"{source.name}: quoted but never glued: {sorted(quoted - glued)}"
    assert glued <= quoted, f"{source.name}: glued but never quoted: {sorted(glued - quoted)}"


HEADLINE_KEYS = ("metric", "model", "score", "baseline", "baseline_score")


@pytest.mark.parametrize("source", NOTEBOOK_SOURCES, ids=lambda p: p.stem)
def test_every_chapter_states_its_headline_result_at_the_top_and_on_the_results_page(source):
    """Issue 23: a chapter glues its one headline result against its baseline with
    seqbook.notebook.headline, quotes it above its first code cell, and book/results.md
    pastes the same five keys, so the page of all results is never typed by hand."""
    notebook = jupytext.read(source)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert re.search(r"\bheadline\(", code), f"{source.name}: no headline(...) call"
    first_code = next(i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code")
    top = "\n".join(cell.source for cell in notebook.cells[:first_code])
    results = (ROOT / "book" / "results.md").read_text()
    page = source.relative_to(ROOT / "book").with_suffix("").as_posix()
    assert f"{{doc}}`{page}`" in results, f"book/results.md has no row for {page}"
    for key in HEADLINE_KEYS:
        assert f"{{glue:text}}`headline_{key}" in top, f"{source.name}: top lacks headline_{key}"
    for key in HEADLINE_KEYS + ("ahead",):
        assert f"{{glue:text}}`{page}.md::headline_{key}:s`" in results, (
            f"book/results.md does not paste {page}'s headline_{key}"
        )


CITE_ROLE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


def test_every_bibliography_entry_is_cited():
    """references.bib holds exactly what the book cites: a stale entry is a claim the text no
    longer makes (missing keys are caught by the site build's warnings)."""
    entries = set(re.findall(r"^@\w+\{([^,\s]+),", (ROOT / "book/references.bib").read_text(),
                             flags=re.MULTILINE))
    cited = {key.strip() for page in (ROOT / "book").rglob("*.md")
             for keys in CITE_ROLE.findall(page.read_text()) for key in keys.split(",")}
    assert entries, "no entries found in references.bib"
    assert not entries - cited, f"never cited: {sorted(entries - cited)}"


def test_toc_lists_existing_chapters_and_every_chapter():
    assert (ROOT / f"{TOC['root']}.md").is_file()
    for chapter in CHAPTERS:
        assert (ROOT / f"{chapter}.md").is_file(), chapter
    listed = {ROOT / f"{chapter}.md" for chapter in CHAPTERS}
    assert set(NOTEBOOK_SOURCES) <= listed, "a chapter exists but is not in _toc.yml"


def test_one_repository_url_for_config_and_install_cells():
    url = CONFIG["repository"]["url"]
    assert url.startswith("https://github.com/")
    for source in NOTEBOOK_SOURCES:
        cells = jupytext.read(source).cells
        install_cell = next(c for c in cells if c.cell_type == "code").source
        urls = set(re.findall(r"git\+(https://[^\s\"']+)", install_cell))
        assert urls == {url}, (source.name, urls)


def _install_cell(source) -> str:
    return next(c for c in jupytext.read(source).cells if c.cell_type == "code").source


def test_every_chapter_has_the_same_install_cell():
    cells = {_install_cell(source) for source in NOTEBOOK_SOURCES}
    assert len(cells) == 1, "edit the install cell of every chapter at once"


@pytest.mark.parametrize("tpu", [False, True], ids=["cpu-gpu", "tpu"])
def test_install_cell_picks_jax_and_its_tpu_extra_on_a_tpu(tpu, monkeypatch):
    """Run the cell as Colab would, with pip replaced by a recorder."""
    import subprocess
    import sys
    import types

    calls = []
    monkeypatch.setattr(subprocess, "run", lambda args, check: calls.append(args))
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    # The cell writes os.environ: give it a copy, so that KERAS_BACKEND=jax cannot leak into
    # this process and the notebook kernels it starts later.
    environ = {k: v for k, v in os.environ.items()
               if k not in ("KERAS_BACKEND", "TPU_ACCELERATOR_TYPE")}
    if tpu:
        environ["TPU_ACCELERATOR_TYPE"] = "v5litepod-1"
    monkeypatch.setattr(os, "environ", environ)
    exec(_install_cell(NOTEBOOK_SOURCES[0]), {})
    [args] = calls
    package = args[-1]
    url = CONFIG["repository"]["url"]
    assert package == f"seqbook[{'chapters,tpu' if tpu else 'chapters'}] @ git+{url}"
    assert environ.get("KERAS_BACKEND") == ("jax" if tpu else None)


def test_no_test_leaves_another_backend_behind():
    """Runs after the install-cell tests: the kernels nbval starts inherit this environment."""
    import keras

    assert os.environ.get("KERAS_BACKEND", "tensorflow") == keras.backend.backend()


def test_book_config_settings():
    execute = CONFIG["execute"]
    assert execute["execute_notebooks"] == "cache"
    assert execute["raise_on_error"] is True and execute["show_tb"] is True
    assert execute["timeout"] > 0
    assert CONFIG["only_build_toc_files"] is True
    assert "**/*.ipynb" in CONFIG["exclude_patterns"]
    assert CONFIG["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert {"amsmath", "dollarmath"} <= set(CONFIG["parse"]["myst_enable_extensions"])
    assert CONFIG["bibtex_bibfiles"] == ["book/references.bib"]
    assert "sphinx_copybutton" in CONFIG["sphinx"]["extra_extensions"]
    assert (ROOT / "book/references.bib").is_file()


def _requirement_names(requirements):
    return {re.split(r"[<>=!\[ ;@]", r, maxsplit=1)[0].strip().lower() for r in requirements}


def test_pyproject_and_environment_yml_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"])
    for name, extra in project["optional-dependencies"].items():
        if name == "tpu":  # for TPU runtimes only; the conda environment is for CPUs and GPUs
            continue
        wanted |= {r for r in extra if not r.startswith("seqbook")}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda_pip = {r for r in pip_section if not r.startswith("-e")}
    assert wanted == conda_pip, (wanted ^ conda_pip)
    assert "jupyter-book>=1.0.4.post1,<2" in conda_pip
    assert project["requires-python"] == ">=3.10"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci/run").read_text()
    assert "make test" in readme and "make book" in readme
    assert re.search(r"^\s*make test\b", ci, re.M), ".ci/run must call the README's test command"


def test_models_and_layers_stay_backend_agnostic():
    """Brief section 3: layers, models, classical models and decoding use keras.ops only;
    TensorFlow-specific code lives in data/ and runtime.py."""
    package = ROOT / "seqbook"
    for folder in ("models", "layers", "classical", "decoding"):
        for path in (package / folder).rglob("*.py") if (package / folder).is_dir() else []:
            source = path.read_text()
            assert not re.search(r"^\s*(import tensorflow|from tensorflow)", source, re.M), path
            assert not re.search(r"\btf\.", source), path
