"""Cell references: column letters and numbers, for the reader and the writer alike."""

def col_number(letters: bytes | str) -> int:
    """A → 1, Z → 26, AA → 27 (any letters, case ignored)."""
    number = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.upper().decode("ascii", "replace"):
        number = number * 26 + (ord(ch) - 64)
    return number


def col_letters(number: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while number > 0:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_LETTERS: list[str] = [""]
LAST_COLUMN = 16_384  # XFD, Excel's last column: the most letters ever kept


def column_letters(last: int) -> list[str]:
    """Column letters by number (index 0 unused), at least up to `last`: reading and writing name every
    cell, so the letters are worked out once and looked up after that."""
    if last >= len(_LETTERS):
        if last > LAST_COLUMN:
            raise ValueError(f"column {last} is past {LAST_COLUMN}")
        top = min(max(last + 1, 2 * len(_LETTERS), 1024), LAST_COLUMN + 1)
        _LETTERS.extend(col_letters(n) for n in range(len(_LETTERS), top))
    return _LETTERS


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (0-based, as the grid is)."""
    # Past Excel's last column (an .ods may claim more) the letters are worked out, not kept.
    return column_letters(index + 1)[index + 1] if index < LAST_COLUMN else col_letters(index + 1)
