-- FTE days available, headcount, FTE and leavers per org x staff group x month, plus an
-- 'All staff groups' row per org: a person with posts in two groups is one head, not two.
-- People are collapsed to one row per group first, so heads are plain counts (no DISTINCT aggregate).
WITH posts AS (
    SELECT
        period,
        org_code,
        staff_group,
        employee_key,
        CAST(fte AS DECIMAL(18, 6)) AS fte,
        end_date,
        last_day(CAST(period || '-01' AS DATE)) AS month_end,
        greatest(start_date, CAST(period || '-01' AS DATE)) AS first_day
    FROM read_parquet($staff, hive_partitioning = true, hive_types = {'period': VARCHAR})
    WHERE period BETWEEN $first AND $last
),
people_in_group AS (
    SELECT
        period,
        org_code,
        staff_group,
        employee_key,
        sum(fte * (date_diff('day', first_day, least(coalesce(end_date, month_end), month_end)) + 1))
            AS fte_days_available,
        bool_or(end_date <= month_end) AS left_in_month,
        any_value(day(month_end)) AS days_in_month
    FROM posts
    GROUP BY ALL
),
people_in_org AS (
    SELECT
        period,
        org_code,
        'All staff groups' AS staff_group,
        employee_key,
        sum(fte_days_available) AS fte_days_available,
        bool_or(left_in_month) AS left_in_month,
        any_value(days_in_month) AS days_in_month
    FROM people_in_group
    GROUP BY period, org_code, employee_key
)
SELECT
    period,
    org_code,
    staff_group,
    sum(fte_days_available) AS fte_days_available,
    CAST(sum(fte_days_available) / any_value(days_in_month) AS DOUBLE) AS fte,
    count(*) AS headcount,
    count(*) FILTER (WHERE left_in_month) AS leavers,
    any_value(days_in_month) AS days_in_month
FROM (SELECT * FROM people_in_group UNION ALL SELECT * FROM people_in_org)
GROUP BY period, org_code, staff_group
ORDER BY ALL
