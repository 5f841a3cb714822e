-- Sickness absence rate per financial year (April to March) at England level, from ics_indicators.
SELECT
    CASE
        WHEN CAST(substr(period, 6, 2) AS INTEGER) >= 4
            THEN substr(period, 1, 4) || '/' || right(CAST(CAST(substr(period, 1, 4) AS INTEGER) + 1 AS VARCHAR), 2)
        ELSE CAST(CAST(substr(period, 1, 4) AS INTEGER) - 1 AS VARCHAR) || '/' || substr(period, 3, 2)
    END AS financial_year,
    count(DISTINCT period) AS months,
    round(sum(numerator) / sum(denominator) * 100, 2) AS rate_percent
FROM read_parquet($path, hive_partitioning = true, hive_types = {'period': VARCHAR})
WHERE level = 'england' AND indicator = 'sickness_absence_rate'
GROUP BY ALL
ORDER BY financial_year
