-- The published face of org_month_status: which trusts' figures are in each month, and from which files.
SELECT
    period,
    org_code,
    org_name,
    icb_code,
    expected,
    data_status,
    absence_file_status,
    staff_in_post_file_status,
    absence_sha256,
    staff_in_post_sha256
FROM read_parquet($org_month_status, hive_partitioning = true, hive_types = {'period': VARCHAR})
WHERE period BETWEEN $first AND $last
ORDER BY period, org_code
