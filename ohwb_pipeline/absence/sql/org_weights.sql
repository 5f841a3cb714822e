-- Each trust-month's weight in coverage: its own FTE days available when its figures are published,
-- otherwise those of its last complete month (null when it never had one). Read from the whole status
-- history, so a month's coverage does not depend on which months a run happened to include.
SELECT
    period,
    org_code,
    icb_code,
    region_code,
    expected,
    data_status,
    data_status = 'complete' AS included,
    last_value(fte_days_available IGNORE NULLS) OVER (
        PARTITION BY org_code ORDER BY period ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS weight
FROM read_parquet($org_month_status, hive_partitioning = true, hive_types = {'period': VARCHAR})
WHERE period <= $last
