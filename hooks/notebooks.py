"""Publish the labs (jupytext percent scripts) as executed notebook pages in both languages.

mkdocs-jupyter wraps each notebook source in its ``NotebookFile`` during
``on_files``. mkdocs-static-i18n runs after it and rebuilds every file as a
plain ``File``, which drops that wrapper: the ``.py`` source is then copied
to ``labs/lab-1/index.html`` as raw text, and ``mkdocs build --strict``
still passes. This hook runs after both plugins, wraps each lab again so it
becomes a page of the language being built, and then fixes the HTML that
nbconvert produces so that it fits the site:

- nbconvert's MathJax 2 loader and configuration are removed, because the
  site serves MathJax 3, which they break;
- ``$...$`` and ``$$...$$`` in Markdown cells become
  ``<span class="arithmatex">\\(...\\)</span>`` and the same span around
  ``\\[...\\]``, the markup of pymdownx.arithmatex. The reason is that
  ``docs/javascripts/mathjax-config.js`` typesets only text directly inside
  an element of a processed class, and nbconvert puts the text in class-less
  paragraphs. nbconvert turns ``\\$`` into a bare ``$``, so a Markdown cell
  cannot contain a literal dollar sign;
- the dark JupyterLab theme of mkdocs-jupyter is added for Material's
  ``slate`` scheme, next to the light one;
- the hidden copy of each code cell, which the copy button reads, becomes a
  ``<pre>`` element, so that it is not read as prose;
- plots, which nbconvert inlines as ``data:`` URIs, become image files next
  to the page, so the HTML stays small and every image is a site resource.
  nbconvert gives each one the same English alt text, which becomes a
  description in the page's language;
- each lab is also published as ``<name>.ipynb`` next to its page, and the
  theme shows a download button for it (``overrides/partials``).

The notebook cache of mkdocs-jupyter is keyed by the notebook and the plugin
options only, so the hook moves it into a directory named after the hash of
the vcbook sources and then after the language, under ``.cache/notebooks``
(or ``$VCBOOK_NOTEBOOK_CACHE_DIR``): a change to the package re-executes
every lab. The cache does not see changes to the installed packages.

This relies on internals of mkdocs-jupyter 0.26.3 (``NotebookFile``,
``Plugin.should_include``, ``nbconvert2.get_nbconvert_app``, the markup of
its nbconvert template and its dark theme's CSS) and of
mkdocs-static-i18n 1.3.1 (``file.locale``, the order of its ``on_files``,
the plugin's languages and ``file.alternates``, which its language selector
reads), so ``on_config`` rejects any other version.
"""

import base64
import functools
import importlib.metadata
import io
import os
import re
import types
from pathlib import Path, PurePosixPath

import jupytext
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File
from mkdocs_jupyter import nbconvert2
from mkdocs_jupyter.plugin import NotebookFile

from vcbook.figures import source_hash

PINNED = {"mkdocs-jupyter": "0.26.3", "mkdocs-static-i18n": "1.3.1"}
PLUGIN_NAME = "mkdocs-jupyter"

DOWNLOAD_TITLE = {
    "pt": "Baixar o notebook (.ipynb)",
    "en": "Download the notebook (.ipynb)",
}

MATHJAX2_BLOCK = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.DOTALL
)
MARKDOWN_CELL = re.compile(
    r'(<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^"]*"[^>]*>)(.*?)(</div>)',
    re.DOTALL,
)
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
# A single $ that is neither escaped nor part of $$, up to the next such $.
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$(?!\$)", re.DOTALL)
WRAPPER_SELECTOR = ".jupyter-wrapper{"
INLINE_IMAGE = re.compile(r'src="data:image/(png|jpeg);base64,([^"]+)"')
# nbconvert's alt text of every output image, in English on every page.
NBCONVERT_ALT = 'alt="No description has been provided for this image"'
OUTPUT_ALT = {
    "pt": "Gráfico produzido pela célula de código acima",
    "en": "Plot made by the code cell above",
}
# The hidden copy of each code cell that the copy button reads.
CLIPBOARD_TEXT = re.compile(
    r'<div class="clipboard-copy-txt" (id="cell-\d+")>(.*?)</div>', re.DOTALL
)


def _jupyter_plugin(config):
    try:
        return config.plugins[PLUGIN_NAME]
    except KeyError:
        raise PluginError(
            f"hooks/notebooks.py needs the {PLUGIN_NAME} plugin; add it under plugins "
            "in mkdocs.yml"
        ) from None


def _i18n_plugin(config):
    try:
        return config.plugins["i18n"]
    except KeyError:
        raise PluginError(
            "hooks/notebooks.py publishes each lab in every language of the i18n "
            "plugin; add mkdocs-static-i18n under plugins in mkdocs.yml"
        ) from None


def notebook_cache_dir(config):
    """Return the mkdocs-jupyter cache directory for the current vcbook sources."""
    default = Path(config.config_file_path).parent / ".cache" / "notebooks"
    base = Path(os.environ.get("VCBOOK_NOTEBOOK_CACHE_DIR", default))
    return base / source_hash()[:16]


def on_config(config):
    for package, version in PINNED.items():
        installed = importlib.metadata.version(package)
        if installed != version:
            raise PluginError(
                f"hooks/notebooks.py relies on internals of {package} {version}, but "
                f"{installed} is installed; install the versions pinned in requirements.txt"
            )
    plugin = _jupyter_plugin(config)
    if plugin.config["allow_errors"]:
        raise PluginError(
            f"{PLUGIN_NAME} has allow_errors: true, so a failing lab cell would still "
            "build; set allow_errors: false in mkdocs.yml"
        )
    _use_ipc_transport()
    return config


def _use_ipc_transport():
    """Run lab kernels over IPC sockets instead of TCP ports.

    Over TCP, ipykernel 7 logs a warning that the connection is not
    encrypted, and the kernel writes it to the build's stderr, where a
    WARNING line marks a broken build. IPC sockets are files in Jupyter's
    runtime directory (mode 0700), and no port is opened.
    """
    original = nbconvert2.get_nbconvert_app
    if getattr(original, "uses_ipc_transport", False):
        return

    @functools.wraps(original)
    def get_nbconvert_app(*args, **kwargs):
        app = original(*args, **kwargs)
        app.config.KernelManager.transport = "ipc"
        return app

    get_nbconvert_app.uses_ipc_transport = True
    nbconvert2.get_nbconvert_app = get_nbconvert_app


def _is_lab_source(file):
    return file.src_uri.startswith("labs/") and file.src_uri.endswith(".py")


def _rewrap(file, config):
    """Wrap an i18n ``File`` as a notebook page, keeping its language's destination."""
    page_file = NotebookFile(
        file, use_directory_urls=config.use_directory_urls, site_dir=config.site_dir
    )
    # NotebookFile recomputes the destination from the source name, which
    # would drop both the en/ prefix and the removal of the .pt/.en suffix.
    page_file.dest_path = file.dest_path
    page_file.abs_dest_path = file.abs_dest_path
    page_file.url = file.url
    page_file.locale = file.locale
    page_file.locale_alternate_of = file.locale_alternate_of
    page_file.alternates = _lab_alternates(file, config)
    return page_file


def _lab_alternates(file, config):
    """Return the lab's page in every language, for the language selector.

    mkdocs-static-i18n records the twins of Markdown pages only: it takes a
    ``.py`` lab for an asset, so the selector of a lab page would lead to the
    other language's home page. The selector reads nothing but ``url``.
    """
    i18n = _i18n_plugin(config)
    prefix = "" if file.locale == i18n.default_language else f"{file.locale}/"
    if not file.url.startswith(prefix):
        raise PluginError(
            f"{file.src_uri} is published at {file.url!r}, outside {prefix!r}, the "
            "directory of its language; set docs_structure: suffix for the i18n plugin"
        )
    path = file.url[len(prefix) :]
    stem = PurePosixPath(file.src_uri).name.split(".")[0]
    alternates = {}
    for language in i18n.build_languages:
        twin = Path(config.docs_dir) / PurePosixPath(file.src_uri).parent
        twin = twin / f"{stem}.{language}.py"
        if not twin.is_file():
            raise PluginError(
                f"{file.src_uri}: the {language} lab "
                f"{twin.relative_to(config.docs_dir).as_posix()} is missing; add it, "
                "because every lab is published in every language"
            )
        url = path if language == i18n.default_language else f"{language}/{path}"
        alternates[language] = types.SimpleNamespace(url=url)
    return alternates


def _notebook_file(page_file, config):
    notebook = jupytext.read(page_file.abs_src_path)
    buffer = io.StringIO()
    jupytext.write(notebook, buffer, fmt="ipynb")
    stem = PurePosixPath(page_file.dest_uri).parent.name
    destination = PurePosixPath(page_file.dest_uri).parent / f"{stem}.ipynb"
    return File.generated(config, str(destination), content=buffer.getvalue())


# After mkdocs-static-i18n (-100), which rebuilds every file without the wrapper.
@event_priority(-200)
def on_files(files, config):
    plugin = _jupyter_plugin(config)
    # One directory per language: mkdocs-jupyter evicts, after each build,
    # the cache entries that build did not read, and mkdocs-static-i18n
    # builds one language at a time.
    language = _i18n_plugin(config).current_language
    plugin.config["cache_dir"] = str(notebook_cache_dir(config) / language)
    for file in list(files):
        if not _is_lab_source(file) or isinstance(file, NotebookFile):
            continue
        if not plugin.should_include(file):
            raise PluginError(
                f"{file.src_uri} is a lab but {PLUGIN_NAME} does not include it, so it "
                "would be published as raw text; add it to the plugin's include: patterns"
            )
        if not file.dest_uri.endswith(".html"):
            raise PluginError(
                f"{file.src_uri} would be published at {file.dest_uri} instead of as a page: "
                f"{PLUGIN_NAME} did not wrap it before mkdocs-static-i18n rebuilt the files"
            )
        page_file = _rewrap(file, config)
        files.remove(file)
        files.append(page_file)
        files.append(_notebook_file(page_file, config))
    return files


def _to_arithmatex_markup(match):
    opening, body, closing = match.groups()
    body = DISPLAY_MATH.sub(
        lambda m: rf'<span class="arithmatex">\[{m.group(1)}\]</span>', body
    )
    body = INLINE_MATH.sub(
        lambda m: rf'<span class="arithmatex">\({m.group(1)}\)</span>', body
    )
    return opening + body + closing


@functools.cache
def _dark_theme_css():
    import mkdocs_jupyter

    path = (
        Path(mkdocs_jupyter.__file__).parent
        / "templates/mkdocs_html/assets/theme-dark.css"
    )
    css = path.read_text(encoding="utf-8")
    if not css.startswith(WRAPPER_SELECTOR):
        raise PluginError(
            f"{path} no longer starts with {WRAPPER_SELECTOR!r}; update the hook"
        )
    return '[data-md-color-scheme="slate"] ' + css


def on_page_content(html, page, config, files):
    if not isinstance(page.file, NotebookFile):
        return html

    html, removed = MATHJAX2_BLOCK.subn("", html)
    if removed != 1 or "MathJax.Hub" in html:
        raise PluginError(
            f"{page.file.src_uri}: nbconvert's MathJax 2 block was not found exactly once "
            f"(found {removed}); the template of {PLUGIN_NAME} changed, update the hook"
        )
    html = MARKDOWN_CELL.sub(_to_arithmatex_markup, html)
    # A <pre> rather than a <div>, so that tools reading the page's text (search,
    # checks for untypeset TeX) take the copy for code, which it is.
    html = CLIPBOARD_TEXT.sub(r'<pre class="clipboard-copy-txt" \1>\2</pre>', html)
    html += f"<style>{_dark_theme_css()}</style>"

    stem = PurePosixPath(page.file.dest_uri).parent.name
    page.notebook_images = {}

    def extract_image(match):
        name = f"{stem}-output-{len(page.notebook_images) + 1}.{match.group(1)}"
        page.notebook_images[name] = base64.b64decode(match.group(2))
        return f'src="{name}"'

    html = INLINE_IMAGE.sub(extract_image, html)
    html = html.replace(NBCONVERT_ALT, f'alt="{OUTPUT_ALT[page.file.locale]}"')
    page.notebook_download = {
        "href": f"{stem}.ipynb",
        "title": DOWNLOAD_TITLE[page.file.locale],
    }
    return html


def on_post_page(output, page, config):
    images = getattr(page, "notebook_images", None)
    if images:
        directory = Path(page.file.abs_dest_path).parent
        directory.mkdir(parents=True, exist_ok=True)
        for name, content in images.items():
            (directory / name).write_bytes(content)
    return output
