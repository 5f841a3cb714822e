-- Days lost by reason per org x staff group (and 'All staff groups'), with the reason's share of the
-- group's days lost. Cells whose FTE days available are <= 330 are suppressed as in the benchmark
-- table, so this table cannot be used to undo the benchmark's suppression. A withheld organisation-month
-- has one row (All staff groups, no reason) with null figures and its data_status; so has a complete one
-- from NHS England's published rates, which give no reasons (withheld_reason says so).
-- England's rows (org_code E92000001) are the publisher's national totals from the "by reason and staff
-- group" file, for 'All staff groups' and the staff groups of staff_groups.csv (its grades and other
-- groupings are left out: they overlap those groups).
WITH status AS (
    SELECT period, org_code, icb_code, data_status, source
    FROM read_parquet($org_month_status, hive_partitioning = true, hive_types = {'period': VARCHAR})
    WHERE period BETWEEN $first AND $last
),
esr AS (
    SELECT period, org_code FROM status WHERE data_status = 'complete' AND source = 'esr_extract'
),
lost AS (
    SELECT period, org_code, coalesce(staff_group, 'All staff groups') AS staff_group, reason_code,
           sum(fte_days_lost) AS fte_days_lost
    FROM read_parquet($absence_facts, hive_partitioning = true, hive_types = {'period': VARCHAR})
    SEMI JOIN esr USING (period, org_code)
    WHERE period BETWEEN $first AND $last
    GROUP BY GROUPING SETS ((period, org_code, staff_group, reason_code), (period, org_code, reason_code))
),
available AS (
    SELECT period, org_code, staff_group, fte_days_available
    FROM read_parquet($workforce_facts, hive_partitioning = true, hive_types = {'period': VARCHAR})
    WHERE period BETWEEN $first AND $last
),
national_groups AS (
    SELECT 'All staff groups' AS staff_group
    UNION ALL SELECT staff_group FROM read_parquet($staff_groups)
    UNION ALL SELECT alias FROM read_parquet($staff_group_aliases)
),
national AS (
    -- The publisher's ALL REASONS row carries the group's days available; its reason rows carry 0.
    SELECT
        n.period,
        'E92000001' AS org_code,
        coalesce(a.staff_group, n.staff_group) AS staff_group,
        substr(n.absence_reason, 1, 3) AS reason_code,
        n.fte_days_lost,
        max(n.fte_days_available) FILTER (WHERE n.absence_reason = 'ALL REASONS')
            OVER (PARTITION BY n.period, n.staff_group) AS fte_days_available
    FROM read_parquet($published_reasons, hive_partitioning = true, hive_types = {'period': VARCHAR}) AS n
    SEMI JOIN national_groups AS g ON g.staff_group = n.staff_group
    LEFT JOIN read_parquet($staff_group_aliases) AS a ON a.alias = n.staff_group
    WHERE n.period BETWEEN $first AND $last
    QUALIFY n.absence_reason <> 'ALL REASONS'
),
shared AS (
    SELECT lost.*, available.fte_days_available, 'esr_extract' AS source
    FROM lost LEFT JOIN available USING (period, org_code, staff_group)
    UNION ALL
    SELECT *, 'nhs_published_national' FROM national
),
published AS (
    SELECT
        s.period, s.org_code, s.staff_group, s.reason_code, r.reason_label, r.reason_group,
        CAST(CASE WHEN s.fte_days_available > 330 THEN s.fte_days_lost END AS DOUBLE) AS fte_days_lost,
        CAST(CASE WHEN s.fte_days_available > 330 THEN s.fte_days_available END AS DOUBLE) AS fte_days_available,
        CAST(CASE WHEN s.fte_days_available > 330 THEN round(
            s.fte_days_lost / sum(s.fte_days_lost) OVER (PARTITION BY s.period, s.org_code, s.staff_group) * 100, 4
        ) END AS DOUBLE) AS share_of_days_lost_percent,
        'complete' AS data_status,
        s.source,
        CAST(NULL AS VARCHAR) AS withheld_reason
    FROM shared AS s
    JOIN read_parquet($absence_reasons) AS r USING (reason_code)
    UNION ALL
    SELECT period, org_code, 'All staff groups', NULL, NULL, NULL, NULL, NULL, NULL, data_status, source,
           CASE WHEN data_status = 'complete' THEN $no_reasons END
    FROM status
    WHERE data_status <> 'complete' OR source = 'nhs_published_rates'
)
SELECT
    p.period,
    CASE WHEN p.org_code <> 'E92000001' THEN coalesce(s.icb_code, o.icb_code) END AS icb_code,
    p.org_code,
    p.staff_group,
    p.reason_code,
    p.reason_label,
    p.reason_group,
    p.fte_days_lost,
    p.fte_days_available,
    p.share_of_days_lost_percent,
    p.data_status,
    p.source,
    p.withheld_reason
FROM published AS p
LEFT JOIN status AS s USING (period, org_code)
LEFT JOIN read_parquet($organisations) AS o USING (org_code)
ORDER BY p.period, p.org_code, p.staff_group, p.reason_code NULLS FIRST
