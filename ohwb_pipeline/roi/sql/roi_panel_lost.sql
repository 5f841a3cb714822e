-- FTE days lost per trust, month and reason (every staff group): the numerators, summed per
-- intervention's target reasons in Python.
SELECT
    org_code,
    CAST(substr(period, 1, 4) AS INTEGER) * 12 + CAST(substr(period, 6, 2) AS INTEGER) - 1 AS month_idx,
    reason_code,
    sum(fte_days_lost) AS fte_days_lost
FROM read_parquet($absence_facts, hive_partitioning = true, hive_types = {'period': VARCHAR})
GROUP BY ALL
