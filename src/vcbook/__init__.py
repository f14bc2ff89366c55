"""vcbook: the code behind the book of the course Visão Computacional.

Each module implements one concept of the lecture notes: ``mle`` (likelihood),
``losses`` (softmax and cross-entropy) and, in later chapters, automatic
differentiation, layers, optimizers, training, linear regions and CNNs.
``vcbook.figures`` draws every figure of the book.
"""

__version__ = "0.1.0"
