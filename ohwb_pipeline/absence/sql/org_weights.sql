-- Each organisation-month's weight in coverage: its own FTE days available when its figures are
-- published, otherwise those of its last complete month (null when it never had one). Read from the
-- whole status history, so a month's coverage does not depend on which months a run happened to include.
-- icb_key, region_key and england_key name the areas it counts into: aggregation_rules can leave an
-- organisation out of a level (special bodies, ICS code QZZ, count into England only).
WITH statuses AS (
    SELECT *
    FROM read_parquet($org_month_status, hive_partitioning = true, hive_types = {'period': VARCHAR}, union_by_name = true)
    WHERE period <= $last
),
rules AS (
    SELECT * FROM read_parquet($aggregation_rules)
),
membership AS (
    SELECT
        s.period,
        s.org_code,
        coalesce(bool_and(r.into_icb), true) AS into_icb,
        coalesce(bool_and(r.into_region), true) AS into_region,
        coalesce(bool_and(r.into_england), true) AS into_england
    FROM statuses AS s
    LEFT JOIN rules AS r ON (r.match_column = 'org_code' AND r.match_value = s.org_code)
        OR (r.match_column = 'icb_code' AND r.match_value = s.icb_code)
        OR (r.match_column = 'region_code' AND r.match_value = s.region_code)
        OR (r.match_column = 'cluster_group' AND r.match_value = s.cluster_group)
    GROUP BY s.period, s.org_code
)
SELECT
    s.period,
    s.org_code,
    s.icb_code,
    s.region_code,
    CASE WHEN m.into_icb THEN s.icb_code END AS icb_key,
    CASE WHEN m.into_region THEN s.region_code END AS region_key,
    CASE WHEN m.into_england THEN 'E92000001' END AS england_key,
    s.expected,
    s.data_status,
    s.source,
    s.data_status = 'complete' AS included,
    last_value(s.fte_days_available IGNORE NULLS) OVER (
        PARTITION BY s.org_code ORDER BY s.period ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS weight
FROM statuses AS s
JOIN membership AS m USING (period, org_code)
