-- One row per trust and month, for every trust expected that month and every trust that landed a file:
-- can its figures be published (data_status = 'complete'), and if not, why not. Both extracts must
-- have been received, read and accepted, and neither held as suspect.
WITH months AS (
    SELECT unnest(CAST($periods AS VARCHAR[])) AS period
),
expected AS (
    SELECT m.period, e.org_code
    FROM months AS m
    JOIN read_parquet($expected_submitters) AS e
        ON (e.expected_from IS NULL OR e.expected_from <= m.period)
       AND (e.expected_to IS NULL OR m.period <= e.expected_to)
),
absence AS (
    SELECT period, org_code, status, rows_read, rows_accepted, rows_in_rejected_file, sha256
    FROM read_parquet($absence_log, hive_partitioning = true, hive_types = {'period': VARCHAR}, union_by_name = true)
    WHERE period BETWEEN $first AND $last AND org_code IS NOT NULL AND status <> 'ignored'
),
staff AS (
    SELECT period, org_code, status, rows_read, rows_accepted, rows_in_rejected_file, sha256
    FROM read_parquet($staff_log, hive_partitioning = true, hive_types = {'period': VARCHAR}, union_by_name = true)
    WHERE period BETWEEN $first AND $last AND org_code IS NOT NULL AND status <> 'ignored'
),
trusts AS (
    SELECT period, org_code FROM expected
    UNION SELECT period, org_code FROM absence
    UNION SELECT period, org_code FROM staff
),
judged AS (
    SELECT
        t.period,
        t.org_code,
        e.org_code IS NOT NULL AS expected,
        -- Per extract: missing, rejected (unreadable, or no row accepted), suspect, or ok. A staff file
        -- must give a denominator; an absence file may legitimately hold no episode.
        CASE
            WHEN a.org_code IS NULL THEN 'missing'
            WHEN a.status = 'suspect_truncation' THEN 'suspect_truncation'
            WHEN a.status IN ('unreadable', 'refused') OR (a.rows_read > 0 AND a.rows_accepted = 0) THEN 'rejected_file'
            ELSE 'ok'
        END AS absence_file_status,
        CASE
            WHEN s.org_code IS NULL THEN 'missing'
            WHEN s.status = 'suspect_truncation' THEN 'suspect_truncation'
            WHEN s.status IN ('unreadable', 'refused') OR s.rows_accepted = 0 THEN 'rejected_file'
            ELSE 'ok'
        END AS staff_in_post_file_status,
        a.sha256 AS absence_sha256,
        s.sha256 AS staff_in_post_sha256
    FROM trusts AS t
    LEFT JOIN expected AS e USING (period, org_code)
    LEFT JOIN absence AS a USING (period, org_code)
    LEFT JOIN staff AS s USING (period, org_code)
),
statused AS (
    SELECT
        *,
        CASE
            WHEN 'rejected_file' IN (absence_file_status, staff_in_post_file_status) THEN 'rejected_file'
            WHEN 'suspect_truncation' IN (absence_file_status, staff_in_post_file_status) THEN 'suspect_truncation'
            WHEN absence_file_status = 'missing' AND staff_in_post_file_status = 'missing' THEN 'missing_both'
            WHEN staff_in_post_file_status = 'missing' THEN 'missing_staff_in_post'
            WHEN absence_file_status = 'missing' THEN 'missing_absence'
            ELSE 'complete'
        END AS data_status
    FROM judged
)
SELECT
    s.period,
    s.org_code,
    o.org_name,
    o.icb_code,
    i.region_code,
    s.expected,
    s.data_status,
    s.absence_file_status,
    s.staff_in_post_file_status,
    s.absence_sha256,
    s.staff_in_post_sha256,
    CAST(CASE WHEN s.data_status = 'complete' THEN w.fte_days_available END AS DOUBLE) AS fte_days_available
FROM statused AS s
JOIN read_parquet($organisations) AS o USING (org_code)
JOIN read_parquet($icbs) AS i ON i.icb_code = o.icb_code
LEFT JOIN (
    SELECT period, org_code, fte_days_available
    FROM read_parquet($workforce_facts, hive_partitioning = true, hive_types = {'period': VARCHAR})
    WHERE staff_group = 'All staff groups' AND period BETWEEN $first AND $last
) AS w USING (period, org_code)
ORDER BY s.period, s.org_code
