"""Figures of chapter 2: the computation graph of Eq. (2.5) and tangent lines."""

import functools

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyBboxPatch

from vcbook.autodiff import Scalar, topological_order
from vcbook.figures._registry import register
from vcbook.figures.style import palette, text_color

# Constants of Eq. (2.5) used by the figure and the chapter's examples.
EQ_2_5 = {
    "x": 2.0,
    "w1": 3.0,
    "b1": -1.0,
    "w2": 0.5,
    "b2": 2.0,
    "w3": -1.0,
    "b3": 4.0,
    "w4": 1.0,
}
# Points where Fig. 2 draws the tangent of f(x) = (x - 5)^2 + 8.
TANGENT_POINTS = (2.0, 5.0, 7.5)

TEXT = {
    "pt": {
        "forward": "forward: valor de cada nó",
        "backward": r"backward: $da_4/d(\mathrm{nó})$",
        "local": "derivada local",
        "function": r"$f(x) = (x - 5)^2 + 8$",
        "tangent": r"tangente em $x$ = {x}: $df/dx$ = {slope}",
    },
    "en": {
        "forward": "forward: value of each node",
        "backward": r"backward: $da_4/d(\mathrm{node})$",
        "local": "local derivative",
        "function": r"$f(x) = (x - 5)^2 + 8$",
        "tangent": r"tangent at $x$ = {x}: $df/dx$ = {slope}",
    },
}


def eq_2_5_graph(x=EQ_2_5["x"], **constants):
    """Build Eq. (2.5) with Scalars named as in its decomposition; return (x, a4).

    Every constant w_i, b_i is a Scalar too, so the graph has a node for it.
    """
    values = {**EQ_2_5, **constants}
    node = {name: Scalar(values[name], label=name) for name in EQ_2_5}
    node["x"] = Scalar(x, label="x")
    a = node["x"]
    for k in (1, 2, 3):
        q = node[f"w{k}"] * a
        q.label = f"q{k}"
        a = q + node[f"b{k}"]
        a.label = f"a{k}"
    q4 = a - node["w4"]
    q4.label = "q4"
    a4 = q4**2
    a4.label = "a4"
    return node["x"], a4


def graph_layout(output, source):
    """Place each node of ``output``'s graph in a column by depth and a row.

    The column of an operation is one more than its deepest parent; a leaf sits
    one column before its first child. Nodes on a path from ``source`` to
    ``output`` take row 0, the others rows 1, 2, ... above them.
    """
    order = topological_order(output)
    depth, children = {}, {id(node): [] for node in order}
    for node in order:
        depth[id(node)] = 1 + max((depth[id(p)] for p in node.parents), default=-1)
        for parent in node.parents:
            children[id(parent)].append(node)
    for node in order:
        if not node.parents and children[id(node)]:
            depth[id(node)] = min(depth[id(child)] for child in children[id(node)]) - 1

    on_path = {id(source)}
    for node in order:  # parents come first, so one pass finds the descendants
        if any(id(parent) in on_path for parent in node.parents):
            on_path.add(id(node))
    positions, used = {}, {}
    for node in order:
        column = depth[id(node)]
        if id(node) in on_path:
            row = 0
        else:
            row = used.get(column, 0) + 1
            used[column] = row
        positions[id(node)] = (float(column), float(row))
    return order, positions


def format_number(value, lang):
    """Format ``value`` with a typographic minus sign and, in Portuguese, a decimal comma."""
    text = f"{value:g}".replace("-", "\u2212")
    return text.replace(".", ",") if lang == "pt" else text


def _math_label(label):
    return f"${label[0]}_{label[1:]}$" if len(label) > 1 else f"${label}$"


# Sizes in data units: columns are COLUMN_SPACING apart and rows 1 apart.
NODE_WIDTH, NODE_HEIGHT, COLUMN_SPACING = 0.78, 0.5, 1.2


def _draw_node(ax, node, position, lang):
    """Draw one node: a box with its name above its value, and its gradient below it."""
    x, y = position
    box = FancyBboxPatch(
        (x - NODE_WIDTH / 2, y - NODE_HEIGHT / 2),
        NODE_WIDTH,
        NODE_HEIGHT,
        boxstyle="round,pad=0.02,rounding_size=0.08",
        facecolor="none",
        edgecolor=palette()[0],
        linewidth=1.4,
    )
    name = _math_label(node.label) if node.label else node.op
    value = format_number(node.data, lang)
    grad = format_number(node.grad, lang)
    return [
        ax.add_patch(box),
        ax.text(
            x,
            y,
            f"{name}\n{value}",
            ha="center",
            va="center",
            linespacing=1.3,
            color=text_color(),
            fontsize=8,
        ),
        ax.text(
            x,
            y - NODE_HEIGHT / 2 - 0.1,
            grad,
            ha="center",
            va="top",
            color=palette()[1],
            fontsize=8.5,
            fontweight="bold",
        ),
    ]


def _draw_edge(ax, parent_position, child_position, local, lang):
    """Draw the arrow from a parent to its child; label it if both are on one row."""
    (px, py), (x, y) = parent_position, child_position
    same_row = py == y
    start = (px + NODE_WIDTH / 2, py) if same_row else (px + 0.25, py - NODE_HEIGHT / 2)
    end = (x - NODE_WIDTH / 2, y) if same_row else (x - 0.1, y + NODE_HEIGHT / 2)
    style = {
        "arrowstyle": "-|>",
        "color": palette()[0],
        "linewidth": 1.0,
        "shrinkA": 0,
        "shrinkB": 0,
    }
    artists = [ax.annotate("", xy=end, xytext=start, arrowprops=style)]
    if same_row:
        artists.append(
            ax.text(
                (px + x) / 2,
                y + 0.07,
                format_number(local, lang),
                ha="center",
                va="bottom",
                color=text_color(),
                fontsize=7,
                alpha=0.8,
            )
        )
    return artists


def plot_graph(ax, output, source, *, lang):
    """Draw the computation graph with forward values and backward derivatives.

    Each node shows its name and value; below it, its gradient ``node.grad``
    (call ``output.backward()`` first). Edges on row 0 carry the local
    derivative of the child with respect to the parent. Returns the artists.
    """
    text = TEXT[lang]
    order, layout = graph_layout(output, source)
    positions = {
        key: (column * COLUMN_SPACING, row) for key, (column, row) in layout.items()
    }
    artists = []
    for node in order:
        artists += _draw_node(ax, node, positions[id(node)], lang)
        for parent, local in zip(node.parents, node.local_grads, strict=True):
            artists += _draw_edge(
                ax, positions[id(parent)], positions[id(node)], local, lang
            )

    columns = [column for column, _ in positions.values()]
    rows = [row for _, row in positions.values()]
    ax.set_xlim(min(columns) - 0.45, max(columns) + 0.45)
    ax.set_ylim(min(rows) - 0.6, max(rows) + 0.4)
    ax.axis("off")
    legend = [
        plt.Line2D([], [], color=palette()[0], linewidth=1.4, label=text["forward"]),
        plt.Line2D(
            [],
            [],
            color=palette()[1],
            marker="s",
            linestyle="none",
            label=text["backward"],
        ),
        plt.Line2D(
            [],
            [],
            color=text_color(),
            alpha=0.8,
            marker="$1$",
            linestyle="none",
            label=text["local"],
        ),
    ]
    artists.append(
        ax.legend(
            handles=legend,
            loc="upper left",
            ncols=3,
            frameon=False,
            bbox_to_anchor=(0.0, 1.12),
        )
    )
    return artists


@register("computation-graph")
def computation_graph_figure(lang):
    """Fig. 1: the graph of Eq. (2.5) drawn from the Scalar engine, after backward()."""
    x, a4 = eq_2_5_graph()
    a4.backward()
    fig, ax = plt.subplots(figsize=(8.0, 2.8))
    plot_graph(ax, a4, x, lang=lang)
    return fig


def f_eq_2_3(x):
    """Return f(x) = (x - 5)^2 + 8, the function of Eq. (2.3)."""
    return (x - 5) ** 2 + 8


@functools.cache
def tangent_slopes():
    """Return df/dx at TANGENT_POINTS, computed by the Scalar engine."""
    slopes = []
    for point in TANGENT_POINTS:
        x = Scalar(point)
        f_eq_2_3(x).backward()
        slopes.append(x.grad)
    return tuple(slopes)


def plot_tangents(ax, points, slopes, *, lang):
    """Draw f(x) = (x - 5)^2 + 8 and its tangent line at each point; return the artists."""
    text = TEXT[lang]
    grid = np.linspace(0.0, 10.0, 401)
    artists = ax.plot(
        grid, f_eq_2_3(grid), color=text_color(), linewidth=1.6, label=text["function"]
    )
    for color, point, slope in zip(palette()[1:], points, slopes, strict=False):
        span = np.linspace(point - 1.6, point + 1.6, 2)
        value = f_eq_2_3(point)
        artists += ax.plot(
            span,
            value + slope * (span - point),
            color=color,
            linewidth=1.4,
            label=text["tangent"].format(
                x=format_number(point, lang), slope=format_number(slope, lang)
            ),
        )
        artists += ax.plot([point], [value], "o", color=color)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$f(x)$")
    ax.set_ylim(0, 35)
    ax.grid(True, linewidth=0.5)
    artists.append(ax.legend(loc="upper center", fontsize=8.5))
    return artists


@register("tangent-lines")
def tangent_lines_figure(lang):
    """Fig. 2: tangent lines of f(x) = (x - 5)^2 + 8; their slopes are df/dx = 2x - 10."""
    fig, ax = plt.subplots(figsize=(6.0, 3.4))
    plot_tangents(ax, TANGENT_POINTS, tangent_slopes(), lang=lang)
    return fig
