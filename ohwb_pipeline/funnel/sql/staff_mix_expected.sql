-- Observed and staff-mix-expected FTE days lost per organisation for one month.
-- $1: the all-staff row's label; $2, $3: a staff-group alias and the name it stands for.
-- Rows with a blank (suppressed) count are left out of the organisation's observed and expected alike,
-- and out of the national rates: a ratio compares like with like.
WITH usable AS (
    SELECT
        org_code,
        CASE WHEN lower(trim(staff_group)) = lower($2) THEN lower($3) ELSE lower(trim(staff_group)) END
            AS staff_group,
        fte_days_lost AS lost,
        fte_days_available AS available
    FROM staff_group_rows
    WHERE lower(trim(staff_group)) <> lower($1)
      AND fte_days_lost IS NOT NULL
      AND fte_days_available IS NOT NULL
      AND fte_days_available > 0
),
national AS (
    SELECT staff_group, sum(lost) / sum(available) AS rate
    FROM usable
    GROUP BY staff_group
)
SELECT
    u.org_code AS unit,
    sum(u.lost) AS numerator,
    sum(n.rate * u.available) AS denominator,
    count(*) AS staff_groups
FROM usable AS u
JOIN national AS n USING (staff_group)
GROUP BY u.org_code
HAVING sum(n.rate * u.available) > 0
ORDER BY unit
