-- One row per organisation and month, for every organisation expected that month and every one that
-- landed figures: can its figures be published (data_status = 'complete'), from which source, and if
-- not, why not.
-- Sources: the trust's own ESR extracts (absence + staff in post) or NHS England's published benchmark
-- file. The ESR extracts win whenever either of the trust's files landed for the month (their status
-- then decides); the published rows are used only for an organisation-month with no ESR file, so an
-- organisation-month never mixes sources.
-- Expected: the expected-submitters list (ESR), and every organisation the publication has shown in an
-- earlier or this month, until organisation_changes records it closed or merged.
WITH months AS (
    SELECT unnest(CAST($periods AS VARCHAR[])) AS period
),
changes AS (
    SELECT org_code, closed_from FROM read_parquet($organisation_changes)
),
esr_expected AS (
    SELECT m.period, e.org_code
    FROM months AS m
    JOIN read_parquet($expected_submitters) AS e
        ON (e.expected_from IS NULL OR e.expected_from <= m.period)
       AND (e.expected_to IS NULL OR m.period <= e.expected_to)
),
published_file AS (
    -- The month's national file, judged as a trust's file is: the best status among its entries.
    SELECT
        period,
        CASE
            WHEN bool_or(status IN ('ok', 'partial')) THEN 'ok'
            WHEN bool_or(status = 'suspect_truncation') THEN 'suspect_truncation'
            ELSE 'rejected_file'
        END AS status,
        max(sha256) FILTER (WHERE status IN ('ok', 'partial')) AS sha256
    FROM read_parquet($published_log, hive_partitioning = true, hive_types = {'period': VARCHAR}, union_by_name = true)
    WHERE period BETWEEN $first AND $last AND status <> 'ignored'
    GROUP BY period
),
published_orgs AS (
    -- Each organisation as the publication states it that month (name, ICS, region), up to $last.
    SELECT
        period,
        org_code,
        any_value(org_name) AS org_name,
        any_value(ics_code) AS icb_code,
        any_value(ics_name) AS icb_name,
        any_value(nhse_region_code) AS region_code,
        any_value(nhse_region_name) AS region_name,
        any_value(cluster_group) AS cluster_group,
        max(fte_days_available) FILTER (WHERE staff_group = 'All staff groups') AS fte_days_available
    FROM read_parquet($published_rates, hive_partitioning = true, hive_types = {'period': VARCHAR}, union_by_name = true)
    WHERE period <= $last
    GROUP BY period, org_code
),
published_expected AS (
    SELECT m.period, f.org_code
    FROM months AS m
    JOIN (SELECT org_code, min(period) AS first_seen FROM published_orgs GROUP BY org_code) AS f
        ON f.first_seen <= m.period
),
published_rejected AS (
    -- Rows of an organisation that failed a check (an exact repeat of a row is not a failure).
    SELECT period, org_code, count(*) AS rows_rejected
    FROM read_parquet($published_quarantine, hive_partitioning = true, hive_types = {'period': VARCHAR}, union_by_name = true)
    WHERE period BETWEEN $first AND $last AND "check" <> 'not_a_duplicate_row' AND org_code IS NOT NULL
    GROUP BY period, org_code
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
candidates AS (
    SELECT period, org_code FROM esr_expected
    UNION SELECT period, org_code FROM published_expected
    UNION SELECT period, org_code FROM absence
    UNION SELECT period, org_code FROM staff
    UNION SELECT period, org_code FROM published_rejected
),
orgs AS (
    SELECT c.period, c.org_code, ch.closed_from
    FROM candidates AS c
    LEFT JOIN changes AS ch USING (org_code)
),
judged AS (
    SELECT
        t.period,
        t.org_code,
        t.closed_from,
        -- A recorded closure or merger ends the expectation, whichever list made it.
        (e.org_code IS NOT NULL OR pe.org_code IS NOT NULL)
            AND (t.closed_from IS NULL OR t.period < t.closed_from) AS expected,
        a.org_code IS NOT NULL OR s.org_code IS NOT NULL AS esr_landed,
        po.org_code IS NOT NULL AS in_publication,
        pe.org_code IS NOT NULL OR po.org_code IS NOT NULL OR pr.org_code IS NOT NULL AS published_org,
        coalesce(pr.rows_rejected, 0) AS published_rows_rejected,
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
        coalesce(pf.status, 'missing') AS published_file_status,
        a.sha256 AS absence_sha256,
        s.sha256 AS staff_in_post_sha256,
        pf.sha256 AS published_sha256,
        po.fte_days_available AS published_fte_days_available
    FROM orgs AS t
    LEFT JOIN esr_expected AS e USING (period, org_code)
    LEFT JOIN published_expected AS pe USING (period, org_code)
    LEFT JOIN absence AS a USING (period, org_code)
    LEFT JOIN staff AS s USING (period, org_code)
    LEFT JOIN published_file AS pf USING (period)
    LEFT JOIN published_orgs AS po USING (period, org_code)
    LEFT JOIN published_rejected AS pr USING (period, org_code)
),
statused AS (
    SELECT
        *,
        CASE
            WHEN esr_landed THEN 'esr_extract'
            WHEN published_org AND published_file_status <> 'missing' THEN 'nhs_published_rates'
        END AS source,
        CASE
            WHEN esr_landed THEN CASE
                WHEN 'rejected_file' IN (absence_file_status, staff_in_post_file_status) THEN 'rejected_file'
                WHEN 'suspect_truncation' IN (absence_file_status, staff_in_post_file_status) THEN 'suspect_truncation'
                WHEN staff_in_post_file_status = 'missing' THEN 'missing_staff_in_post'
                WHEN absence_file_status = 'missing' THEN 'missing_absence'
                ELSE 'complete'
            END
            WHEN published_org THEN CASE
                WHEN published_file_status IN ('rejected_file', 'suspect_truncation') THEN published_file_status
                WHEN published_rows_rejected > 0 THEN 'rejected_rows'
                WHEN in_publication THEN 'complete'
                ELSE 'missing_from_publication'
            END
            ELSE 'missing_both'
        END AS data_status
    FROM judged
    -- An organisation closed or merged away is listed only while something of it still lands.
    WHERE expected OR esr_landed OR in_publication OR published_rows_rejected > 0
),
attributed AS (
    -- Names, ICS and region as the latest publication at or before the month states them, else the
    -- reference lists; the ICB's name is the one the publication uses (icbs.icb_short_name).
    SELECT
        s.*,
        p.period AS last_seen_in_publication,
        coalesce(p.org_name, o.org_name, s.org_code) AS org_name,
        coalesce(p.icb_code, o.icb_code) AS icb_code,
        p.region_code AS published_region_code,
        p.region_name AS published_region_name,
        p.icb_name AS published_icb_name,
        p.cluster_group
    FROM statused AS s
    ASOF LEFT JOIN published_orgs AS p ON s.org_code = p.org_code AND s.period >= p.period
    LEFT JOIN read_parquet($organisations) AS o ON o.org_code = s.org_code
)
SELECT
    s.period,
    s.org_code,
    s.org_name,
    s.icb_code,
    coalesce(i.icb_short_name, s.published_icb_name) AS icb_name,
    coalesce(i.region_code, s.published_region_code) AS region_code,
    coalesce(i.region_name, s.published_region_name) AS region_name,
    s.cluster_group,
    s.expected,
    s.source,
    s.data_status,
    s.absence_file_status,
    s.staff_in_post_file_status,
    s.published_file_status,
    s.absence_sha256,
    s.staff_in_post_sha256,
    CASE WHEN s.source = 'nhs_published_rates' THEN s.published_sha256 END AS published_sha256,
    s.last_seen_in_publication,
    s.closed_from,
    CAST(CASE
        WHEN s.data_status <> 'complete' THEN NULL
        WHEN s.source = 'esr_extract' THEN w.fte_days_available
        ELSE s.published_fte_days_available
    END AS DOUBLE) AS fte_days_available
FROM attributed AS s
LEFT JOIN read_parquet($icbs) AS i ON i.icb_code = s.icb_code
LEFT JOIN (
    SELECT period, org_code, fte_days_available
    FROM read_parquet($workforce_facts, hive_partitioning = true, hive_types = {'period': VARCHAR})
    WHERE staff_group = 'All staff groups' AND period BETWEEN $first AND $last
) AS w USING (period, org_code)
-- A file for a code that neither the reference list nor the publication knows is in the ingest log
-- (rejected), not here: it names no organisation.
WHERE s.icb_code IS NOT NULL
ORDER BY s.period, s.org_code
