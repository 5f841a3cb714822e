-- The published face of org_month_status: which organisations' figures are in each month, from which
-- source and files, and when the publication last showed each.
SELECT
    period,
    org_code,
    org_name,
    icb_code,
    expected,
    source,
    data_status,
    absence_file_status,
    staff_in_post_file_status,
    published_file_status,
    absence_sha256,
    staff_in_post_sha256,
    published_sha256,
    last_seen_in_publication,
    closed_from
FROM read_parquet($org_month_status, hive_partitioning = true, hive_types = {'period': VARCHAR})
WHERE period BETWEEN $first AND $last
ORDER BY period, org_code
