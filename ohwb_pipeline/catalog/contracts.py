"""Every domain's published contracts, in publication order: the data dictionary's source."""

from ohwb_pipeline.absence.contracts import CONTRACTS as ABSENCE
from ohwb_pipeline.core.dictionary import describe
from ohwb_pipeline.core.publishing import PublishedContract
from ohwb_pipeline.roi.contracts import CONTRACTS as ROI
from ohwb_pipeline.survey.contracts import CONTRACTS as SURVEY

ALL_CONTRACTS: dict[str, PublishedContract] = {**ABSENCE, **SURVEY, **ROI}


def dictionary_rows() -> list[dict[str, str]]:
    return [row for table, c in ALL_CONTRACTS.items() for row in describe(c.model, table, c.key)]
