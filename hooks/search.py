"""Give each language of the book its own search index and lunr stemmer.

mkdocs-static-i18n 1.3 merges the search entries of every language into one
``search/search_index.json``, so a query on an English page also returns
Portuguese pages, and lunr stems both languages with one pipeline. This hook
writes one index per language instead:

- ``search/search_index.json``: the default language's pages, ``lang: [pt]``;
- ``<locale>/search/search_index.json``: that language's pages, with
  locations relative to ``<locale>/`` and ``lang: [<locale>]``.

Material's search fetches ``search/search_index.json`` relative to the
``base`` of the page's ``__config`` and resolves result locations against
that same base, so the hook also points ``base`` of every non-default page to
its language root.

It relies on attributes of mkdocs-static-i18n 1.3 (``current_language``,
``default_language``, ``build_languages``) and of Material 9.8's search
plugin (``search_index.entries``, ``config``). Both versions are pinned in
requirements.txt.
"""

import json
import logging
import posixpath
import re
from pathlib import Path

from mkdocs import plugins

log = logging.getLogger("mkdocs.hooks.search")

CONFIG_SCRIPT = re.compile(
    r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S
)

# Search entries of each language, filled as mkdocs-static-i18n builds the
# languages one after the other. Each build replaces its own language's list,
# so a rebuild under `mkdocs serve` never keeps stale entries.
_entries = {}


def _i18n(config):
    plugin = config.plugins.get("i18n")
    if plugin is None:
        raise RuntimeError(
            "hooks/search.py needs the mkdocs-static-i18n plugin ('i18n')"
        )
    return plugin


def _search(config):
    for name in ("material/search", "search"):
        if name in config.plugins:
            return config.plugins[name]
    raise RuntimeError("hooks/search.py needs Material's search plugin ('search')")


def on_post_page(output, page, config):
    """Point ``base`` of a non-default language's page to that language's root."""
    i18n = _i18n(config)
    language = i18n.current_language
    if language == i18n.default_language:
        return output
    match = CONFIG_SCRIPT.search(output)
    if match is None:
        return output
    settings = json.loads(match.group(2))
    # The trailing slash matters: the browser resolves "search/..." against
    # "../en/" to en/search/, but against "../en" to search/.
    settings["base"] = posixpath.join(settings["base"], language) + "/"
    script = (
        match.group(1) + json.dumps(settings, separators=(", ", ": ")) + match.group(3)
    )
    return output[: match.start()] + script + output[match.end() :]


@plugins.event_priority(-50)
def _collect_entries(config):
    # Runs after the search plugin has indexed this build's pages (priority 0)
    # and before mkdocs-static-i18n (-100) starts the next language's build.
    language = _i18n(config).current_language
    _entries[language] = list(_search(config).search_index.entries)


@plugins.event_priority(-200)
def _write_indexes(config):
    # Runs after mkdocs-static-i18n has written its merged index, so the files
    # written here are the ones the site keeps.
    i18n = _i18n(config)
    search = _search(config)
    for language in i18n.build_languages:
        if language not in _entries:
            continue  # this language's build has not run yet
        prefix = "" if language == i18n.default_language else f"{language}/"
        stemmer = (
            Path(config.site_dir)
            / "assets/javascripts/lunr/min"
            / f"lunr.{language}.min.js"
        )
        if language != "en" and not stemmer.exists():
            raise RuntimeError(
                f"lunr has no stemmer for language {language!r} ({stemmer} is missing); "
                "name the language by a code of lunr-languages, such as 'pt'"
            )
        docs = []
        for entry in _entries[language]:
            if not entry["location"].startswith(prefix):
                raise RuntimeError(
                    f"search entry {entry['location']!r} of language {language!r} "
                    f"is not under {prefix!r}"
                )
            docs.append({**entry, "location": entry["location"][len(prefix) :]})
        index = {
            "config": {
                "lang": [language],
                "separator": search.config.separator,
                "pipeline": search.config.pipeline,
                "fields": search.config.fields,
            },
            "docs": docs,
        }
        path = Path(config.site_dir) / prefix / "search" / "search_index.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(index, separators=(",", ":"), default=str), encoding="utf-8"
        )
        log.debug("search index of %r: %d entries in %s", language, len(docs), path)


on_post_build = plugins.CombinedEvent(_collect_entries, _write_indexes)
