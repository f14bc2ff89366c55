"""What this pytest session actually executed: code blocks of pages, figure renders.

A parametrized test can pass without doing its work (an early return, a
marker that skips, a parametrization that silently drops a case). The tests
that run code blocks and render figures record each case here once it has
run, and a final test of the same module compares the record with the cases
the session selected.
"""

from collections import defaultdict

_executed = defaultdict(set)


def record(kind, key):
    """Note that case ``key`` of ``kind`` (such as "figure") ran to completion."""
    _executed[kind].add(key)


def executed(kind):
    """Return the keys of ``kind`` recorded in this session."""
    return set(_executed[kind])


def selected(request, function, key):
    """Return ``key(params)`` for every selected item of test ``function`` in this module.

    ``key`` receives the item's parameters as a dict. Items deselected with
    ``-k`` or ``--deselect`` are not in the session, so a partial run only
    checks what it selected.
    """
    return {
        key(item.callspec.params)
        for item in request.session.items
        if getattr(item, "originalname", None) == function.__name__
        and item.module is request.module
    }
