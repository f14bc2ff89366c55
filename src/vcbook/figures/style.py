"""Colors and matplotlib settings for the light and dark schemes of the site.

Figures keep a transparent background, so they sit on Material's page color;
only text, axes and the color cycle change with the scheme.
"""

import matplotlib.pyplot as plt
from cycler import cycler

# Page text colors of Material's "default" and "slate" schemes.
TEXT = {"light": "#1f2328", "dark": "#e2e4e9"}
GRID = {"light": "#d0d4da", "dark": "#4a5060"}
# One cycle readable on both backgrounds: blue, orange, green, red, purple, brown.
CYCLE = {
    "light": ["#1f6fb4", "#e0701b", "#2a9d3a", "#c9302c", "#7b4fb0", "#8c564b"],
    "dark": ["#6cb4ff", "#ffa657", "#56d364", "#ff7b72", "#d2a8ff", "#d4a373"],
}


def palette():
    """Return the color cycle of the scheme being drawn (from rcParams)."""
    return plt.rcParams["axes.prop_cycle"].by_key()["color"]


def text_color():
    """Return the text color of the scheme being drawn (from rcParams)."""
    return plt.rcParams["text.color"]


def rc_params(scheme):
    """Return matplotlib rcParams for ``scheme``, ``"light"`` or ``"dark"``."""
    text = TEXT[scheme]
    return {
        "svg.hashsalt": "vcbook",
        "svg.fonttype": "none",
        "font.family": "DejaVu Sans",
        "font.size": 10,
        "figure.facecolor": "none",
        "axes.facecolor": "none",
        "savefig.facecolor": "none",
        "savefig.transparent": True,
        "figure.constrained_layout.use": True,
        "text.color": text,
        "axes.labelcolor": text,
        "axes.edgecolor": text,
        "xtick.color": text,
        "ytick.color": text,
        "grid.color": GRID[scheme],
        "legend.facecolor": "none",
        "legend.edgecolor": GRID[scheme],
        "legend.labelcolor": text,
        "axes.prop_cycle": cycler(color=CYCLE[scheme]),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "image.cmap": "viridis",
    }
