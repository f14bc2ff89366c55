"""Show the notes' own footnote numbers instead of renumbering from 1.

Python-Markdown's footnotes extension numbers footnotes by order of
reference on each page, so footnote [^12] of chapter 2 would appear as 1.
Where every label of a page is a number, this hook writes the label in
each reference and starts the footnote list at the first label. Pages whose
labels are not consecutive numbers keep the extension's numbering.
"""

import re

REFERENCE = re.compile(
    r'(<sup id="fnref\d*:(?P<label>\d+)"><a class="footnote-ref" href="#fn:(?P=label)">)'
    r"\d+(</a></sup>)"
)
ITEM = re.compile(r'<li id="fn:(\d+)"')
LIST_START = '<div class="footnote">\n<hr />\n<ol>'


def on_page_content(html, page, config, files):
    labels = [int(label) for label in ITEM.findall(html)]
    if not labels or labels != list(range(labels[0], labels[0] + len(labels))):
        return html
    html = REFERENCE.sub(lambda m: f"{m.group(1)}{m.group('label')}{m.group(3)}", html)
    return html.replace(LIST_START, LIST_START[:-1] + f' start="{labels[0]}">', 1)
