-- Coverage of each ICB, region and England per month: the share of the expected FTE days available
-- that the published figure includes. A missing organisation counts with its last complete month; one
-- that never had a complete month counts as an average included organisation of its area.
WITH parts AS (
    SELECT
        period,
        CASE WHEN GROUPING(icb_key) = 0 THEN 'icb' WHEN GROUPING(region_key) = 0 THEN 'region' ELSE 'england' END
            AS level,
        coalesce(icb_key, region_key, england_key) AS area_code,
        count(*) FILTER (WHERE expected) AS orgs_expected,
        count(*) FILTER (WHERE included) AS orgs_included,
        coalesce(sum(weight) FILTER (WHERE included), 0) AS included_weight,
        coalesce(sum(weight) FILTER (WHERE expected AND NOT included), 0) AS missing_weight,
        count(*) FILTER (WHERE expected AND NOT included AND weight IS NULL) AS missing_unweighted
    FROM org_weights
    WHERE period BETWEEN $first AND $last
    GROUP BY GROUPING SETS ((period, icb_key), (period, region_key), (period, england_key))
)
SELECT
    period,
    level,
    area_code,
    CAST(orgs_expected AS BIGINT) AS orgs_expected,
    CAST(orgs_included AS BIGINT) AS orgs_included,
    CAST(CASE
        WHEN orgs_included = 0 THEN 0
        ELSE 100 * (included_weight
            / (included_weight + missing_weight + missing_unweighted * included_weight / orgs_included))
    END AS DOUBLE) AS coverage_percent
FROM parts
-- An organisation left out of a level (its key is null) forms no area of that level.
WHERE area_code IS NOT NULL
