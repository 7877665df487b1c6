"""What a terminal of 80 columns can hold: long names shortened in the middle, where the cells count double for Chinese."""

from __future__ import annotations

from rich.cells import cell_len

# Three ASCII dots: "…" is of ambiguous width, two cells in a Chinese Windows console, one elsewhere.
ELLIPSIS = "..."


def middle(text: str, width: int) -> str:
    """`text` within `width` terminal cells: kept whole when it fits, else its head and tail around an ellipsis
    (a file name keeps the town at its start and the month and extension at its end)."""
    if cell_len(text) <= width:
        return text
    room = width - cell_len(ELLIPSIS)
    head, tail = "", ""
    left, right = 0, len(text) - 1
    # Grow the shorter end first, so that each keeps about half of the room; when its next character does not
    # fit, the other end may still take a narrower one.
    while left <= right:
        grow_head = cell_len(head) <= cell_len(tail)
        for side in ((True, False) if grow_head else (False, True)):
            piece = text[left] if side else text[right]
            if cell_len(head) + cell_len(tail) + cell_len(piece) <= room:
                if side:
                    head, left = head + piece, left + 1
                else:
                    tail, right = piece + tail, right - 1
                break
        else:
            break
    return f"{head}{ELLIPSIS}{tail}"
