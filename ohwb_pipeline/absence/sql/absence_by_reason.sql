-- Days lost by reason per org x staff group (and 'All staff groups'), with the reason's share of the
-- group's days lost. Cells whose FTE days available are <= 330 are suppressed as in the benchmark
-- table, so this table cannot be used to undo the benchmark's suppression. A withheld trust-month has
-- one row (All staff groups, no reason) with null figures and its data_status.
WITH status AS (
    SELECT period, org_code, data_status
    FROM read_parquet($org_month_status, hive_partitioning = true, hive_types = {'period': VARCHAR})
    WHERE period BETWEEN $first AND $last
),
complete AS (
    SELECT period, org_code FROM status WHERE data_status = 'complete'
),
lost AS (
    SELECT period, org_code, coalesce(staff_group, 'All staff groups') AS staff_group, reason_code,
           sum(fte_days_lost) AS fte_days_lost
    FROM read_parquet($absence_facts, hive_partitioning = true, hive_types = {'period': VARCHAR})
    SEMI JOIN complete USING (period, org_code)
    WHERE period BETWEEN $first AND $last
    GROUP BY GROUPING SETS ((period, org_code, staff_group, reason_code), (period, org_code, reason_code))
),
available AS (
    SELECT period, org_code, staff_group, fte_days_available
    FROM read_parquet($workforce_facts, hive_partitioning = true, hive_types = {'period': VARCHAR})
    WHERE period BETWEEN $first AND $last
),
shared AS (
    SELECT lost.*, available.fte_days_available,
           lost.fte_days_lost / sum(lost.fte_days_lost) OVER (PARTITION BY period, org_code, staff_group) * 100
               AS share_of_days_lost_percent
    FROM lost LEFT JOIN available USING (period, org_code, staff_group)
),
published AS (
    SELECT
        s.period, s.org_code, s.staff_group, s.reason_code, r.reason_label, r.reason_group,
        CAST(CASE WHEN s.fte_days_available > 330 THEN s.fte_days_lost END AS DOUBLE) AS fte_days_lost,
        CAST(CASE WHEN s.fte_days_available > 330 THEN s.fte_days_available END AS DOUBLE) AS fte_days_available,
        CAST(CASE WHEN s.fte_days_available > 330 THEN round(s.share_of_days_lost_percent, 4) END AS DOUBLE)
            AS share_of_days_lost_percent,
        'complete' AS data_status
    FROM shared AS s
    JOIN read_parquet($absence_reasons) AS r USING (reason_code)
    UNION ALL
    SELECT period, org_code, 'All staff groups', NULL, NULL, NULL, NULL, NULL, NULL, data_status
    FROM status
    WHERE data_status <> 'complete'
)
SELECT
    p.period,
    o.icb_code,
    p.org_code,
    p.staff_group,
    p.reason_code,
    p.reason_label,
    p.reason_group,
    p.fte_days_lost,
    p.fte_days_available,
    p.share_of_days_lost_percent,
    p.data_status
FROM published AS p
JOIN read_parquet($organisations) AS o USING (org_code)
ORDER BY p.period, p.org_code, p.staff_group, p.reason_code NULLS FIRST
