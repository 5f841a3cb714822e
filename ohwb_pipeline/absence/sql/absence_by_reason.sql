-- Days lost by reason per org x staff group (and 'All staff groups'), with the reason's share of the
-- group's days lost. Cells whose FTE days available are <= 330 are suppressed as in the benchmark
-- table, so this table cannot be used to undo the benchmark's suppression.
WITH lost AS (
    SELECT period, org_code, coalesce(staff_group, 'All staff groups') AS staff_group, reason_code,
           sum(fte_days_lost) AS fte_days_lost
    FROM read_parquet($absence_facts, hive_partitioning = true, hive_types = {'period': VARCHAR})
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
)
SELECT
    s.period,
    o.icb_code,
    s.org_code,
    s.staff_group,
    s.reason_code,
    r.reason_label,
    r.reason_group,
    CAST(CASE WHEN s.fte_days_available > 330 THEN s.fte_days_lost END AS DOUBLE) AS fte_days_lost,
    CAST(CASE WHEN s.fte_days_available > 330 THEN s.fte_days_available END AS DOUBLE) AS fte_days_available,
    CAST(CASE WHEN s.fte_days_available > 330 THEN round(s.share_of_days_lost_percent, 4) END AS DOUBLE)
        AS share_of_days_lost_percent
FROM shared AS s
JOIN read_parquet($organisations) AS o USING (org_code)
JOIN read_parquet($absence_reasons) AS r USING (reason_code)
ORDER BY s.period, s.org_code, s.staff_group, s.reason_code
