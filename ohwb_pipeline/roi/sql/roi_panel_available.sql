-- Each trust's FTE days available per month (All staff groups): the denominator of every ROI rate.
SELECT
    f.org_code,
    o.icb_code,
    CAST(substr(f.period, 1, 4) AS INTEGER) * 12 + CAST(substr(f.period, 6, 2) AS INTEGER) - 1 AS month_idx,
    f.fte_days_available
FROM read_parquet($workforce_facts, hive_partitioning = true, hive_types = {'period': VARCHAR}) AS f
JOIN read_parquet($organisations) AS o USING (org_code)
WHERE f.staff_group = 'All staff groups'
