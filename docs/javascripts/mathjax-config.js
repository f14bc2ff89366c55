// MathJax 3 settings for pymdownx.arithmatex (generic mode). MathJax itself is
// served from assets/mathjax/ on this site, so reading needs no other host.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    // Typeset only what arithmatex marked, and Jupyter's rendered Markdown.
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex|jp-RenderedMarkdown",
  },
};
