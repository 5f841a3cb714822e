-- FTE days available, headcount, FTE and leavers per org x staff group x month, plus an
-- 'All staff groups' row per org: a person with posts in two groups is one head, not two.
WITH posts AS (
    SELECT
        period,
        org_code,
        staff_group,
        employee_key,
        CAST(fte AS DECIMAL(18, 6)) AS fte,
        end_date,
        CAST(period || '-01' AS DATE) AS month_start,
        last_day(CAST(period || '-01' AS DATE)) AS month_end,
        greatest(start_date, CAST(period || '-01' AS DATE)) AS first_day
    FROM read_parquet($staff, hive_partitioning = true, hive_types = {'period': VARCHAR})
    WHERE period BETWEEN $first AND $last
),
measured AS (
    SELECT *, date_diff('day', first_day, least(coalesce(end_date, month_end), month_end)) + 1 AS days_in_post
    FROM posts
)
SELECT
    period,
    org_code,
    coalesce(staff_group, 'All staff groups') AS staff_group,
    sum(fte * days_in_post) AS fte_days_available,
    CAST(sum(fte * days_in_post) / any_value(day(month_end)) AS DOUBLE) AS fte,
    count(DISTINCT employee_key) AS headcount,
    count(DISTINCT employee_key) FILTER (WHERE end_date <= month_end) AS leavers,
    any_value(day(month_end)) AS days_in_month
FROM measured
GROUP BY GROUPING SETS ((period, org_code, staff_group), (period, org_code))
ORDER BY ALL
