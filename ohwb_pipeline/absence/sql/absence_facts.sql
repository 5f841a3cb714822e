-- FTE days lost per org x staff group x reason x month, in calendar days (DESIGN.md "Method").
-- fte is cast to DECIMAL and days lost stay DECIMAL in the facts, so every sum, here and in the
-- published tables, is exact and does not depend on the order of rows.
WITH episodes AS (
    SELECT
        period,
        org_code,
        staff_group,
        reason_code,
        CAST(fte AS DECIMAL(18, 6)) AS fte,
        start_date,
        CAST(period || '-01' AS DATE) AS month_start,
        least(coalesce(end_date, last_day(CAST(period || '-01' AS DATE))), last_day(CAST(period || '-01' AS DATE)))
            AS last_day_in_month
    FROM read_parquet($episodes, hive_partitioning = true, hive_types = {'period': VARCHAR})
    WHERE period BETWEEN $first AND $last
),
measured AS (
    SELECT
        *,
        date_diff('day', greatest(start_date, month_start), last_day_in_month) + 1 AS days_lost,
        -- Long-term: the episode's length so far, at its last day in this month, exceeds 28 days.
        date_diff('day', start_date, last_day_in_month) + 1 > 28 AS is_long_term
    FROM episodes
)
SELECT
    period,
    org_code,
    staff_group,
    reason_code,
    sum(fte * days_lost) AS fte_days_lost,
    coalesce(sum(fte * days_lost) FILTER (WHERE is_long_term), 0) AS long_term_fte_days_lost,
    count(*) AS episodes,
    count(*) FILTER (WHERE is_long_term) AS long_term_episodes,
    count(*) FILTER (WHERE start_date >= month_start) AS episodes_started
FROM measured
GROUP BY ALL
ORDER BY ALL
