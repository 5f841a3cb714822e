-- FTE days available, headcount, FTE and leavers per org x staff group x month, plus an
-- 'All staff groups' row per org: a person with posts in two groups is one head, not two.
-- Only people holding several posts in an org need collapsing to one row; everyone else already is
-- one row. Ingest flags them (`holds_several_posts`, from the raw ids before hashing); a partition
-- written before the flag existed reads it as null and every row takes the collapsing path, which is
-- exact, only slower. On a national month: 0.14 s, against 0.73 s for grouping all 1.6 million people
-- by their 64-character key (twice), and 0.44 s for finding the repeats here with a GROUP BY.
WITH staff AS (
    SELECT * FROM read_parquet($staff, hive_partitioning = true, hive_types = {'period': VARCHAR}, union_by_name = true)
    -- the flag's column exists even when no partition has it yet
    UNION ALL BY NAME SELECT CAST(NULL AS BOOLEAN) AS holds_several_posts WHERE false
),
posts AS (
    SELECT
        period,
        org_code,
        staff_group,
        employee_key,
        CAST(period || '-01' AS DATE) AS month_start,
        last_day(month_start) AS month_end,
        CAST(fte AS DECIMAL(18, 6))
            * (date_diff('day', greatest(start_date, month_start), least(coalesce(end_date, month_end), month_end)) + 1)
            AS fte_days_available,
        coalesce(end_date <= month_end, false) AS left_in_month,
        day(month_end) AS days_in_month,
        coalesce(holds_several_posts, true) AS holds_several_posts
    FROM staff
    WHERE period BETWEEN $first AND $last
),
people_in_group AS (
    SELECT period, org_code, staff_group, fte_days_available, left_in_month, days_in_month
    FROM posts
    WHERE NOT holds_several_posts
    UNION ALL
    SELECT period, org_code, staff_group, sum(fte_days_available), bool_or(left_in_month), any_value(days_in_month)
    FROM posts
    WHERE holds_several_posts
    GROUP BY period, org_code, staff_group, employee_key
),
people_in_org AS (
    SELECT period, org_code, 'All staff groups', fte_days_available, left_in_month, days_in_month
    FROM posts
    WHERE NOT holds_several_posts
    UNION ALL
    SELECT period, org_code, 'All staff groups', sum(fte_days_available), bool_or(left_in_month), any_value(days_in_month)
    FROM posts
    WHERE holds_several_posts
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
