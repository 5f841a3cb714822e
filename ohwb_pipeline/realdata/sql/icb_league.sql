-- The month's ICB league table of sickness absence rates (the pipeline's own, from the organisations).
SELECT
    rank_among_icbs AS rank,
    area_code,
    area_name,
    value AS rate_percent,
    rolling_12m_value AS rolling_12m_percent,
    orgs_included,
    coverage_percent
FROM read_parquet($ics_indicators, hive_partitioning = true, hive_types = {'period': VARCHAR})
WHERE period = $period AND level = 'icb' AND indicator = 'sickness_absence_rate' AND source = 'organisations'
ORDER BY rank NULLS LAST, area_name
