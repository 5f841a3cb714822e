"""What of a rejected value may be written down (docs/data-contracts.md, "Identifiers never reach disk").

A quarantined row keeps enough for a data engineer to fix the file, and nothing that could be an
employee or respondent identifier, whatever the column labels say (a swapped header puts ids under
`staff_group`). A value is written as it was read only when it cannot be an identifier:
- a public reference code or label of any reference list (ODS codes, staff groups, reason codes);
- a short number-like value of at most 4 characters (digits, `.`, `,`, `-`, `+`, space), e.g. `1,0`;
- an ISO date.
Anything else is written as its shape: every digit becomes `9`, every upper-case letter `A`, every
lower-case letter `a`, other characters stay, at most 40 characters, prefixed `shape:` (so `02/01/2024`
reads `shape:99/99/9999`). The identifier column itself is replaced by its keyed hash.
"""

import pandera.polars as pa
import polars as pl

SHAPE_PREFIX = "shape:"
_SHORT_NUMBER = r"^[0-9.,+\- ]{1,4}$"
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
MAX_SHAPE = 40


def shape(value: pl.Expr) -> pl.Expr:
    masked = (
        value.str.replace_all(r"\p{N}", "9")
        .str.replace_all(r"[\p{Lt}\p{Lm}\p{Lo}]", "a")
        .str.replace_all(r"\p{Lu}", "A")
        .str.replace_all(r"\p{Ll}", "a")
        .str.slice(0, MAX_SHAPE)
    )
    return pl.concat_str(pl.lit(SHAPE_PREFIX), masked)


def disclosed(value: pl.Expr, public: pl.Series) -> pl.Expr:
    """`value` (text) as it may be written: verbatim when it cannot be an identifier, else its shape."""
    text = value.cast(pl.Utf8)
    safe = text.str.contains(_SHORT_NUMBER) | text.str.contains(_ISO_DATE) | text.is_in(public)
    return pl.when(text.is_null()).then(None).when(safe).then(text).otherwise(shape(text))


def public_values(schema: pa.DataFrameSchema) -> pl.Series:
    """Every reference value the schema's `in_reference` checks allow: public, safe to show."""
    values: list[str] = []
    for column in schema.columns.values():
        for check in column.checks:
            values += getattr(check, "reference_values", [])
    return pl.Series("public", sorted(set(values)), dtype=pl.Utf8)
